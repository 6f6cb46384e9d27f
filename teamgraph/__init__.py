"""teamgraph: a shop's distribution program (分销) on a graph.

Layers, imports flowing one way (docs/architecture.md):
api / dashboards / etl / cli -> shop -> rules, graph and fraud (a library over a projection it
is given: it imports neither shop nor graph). Only ``shop`` reads or writes a shop's graph.
api and dashboards resolve a key to its shop and role through ``callers`` (which sits on shop).
``rules`` imports nothing of the project; nothing imports ``api`` or ``dashboards``.
"""

__version__ = "0.1.0"
