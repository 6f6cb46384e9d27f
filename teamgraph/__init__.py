"""teamgraph: a shop's distribution program (分销) on a graph.

Layers, imports flowing one way (DESIGN.md "Layout"):
api / dashboards / etl / cli -> shop -> rules, graph and fraud (a library over a projection it
is given: it imports neither shop nor graph). Only ``shop`` reads or writes a shop's graph.
``rules`` imports nothing of the project; nothing imports ``api`` or ``dashboards``.
"""

__version__ = "0.1.0"
