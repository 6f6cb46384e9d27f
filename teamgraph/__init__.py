"""teamgraph: a shop's distribution program (分销) on a graph.

Layers, imports flowing one way (DESIGN.md "Layout"):
api / dashboards / etl / cli -> shop -> rules and graph; fraud reads graph. api and dashboards
resolve a key to its shop and role through ``callers`` (which sits on shop).
``rules`` imports nothing of the project; nothing imports ``api`` or ``dashboards``.
"""

__version__ = "0.1.0"
