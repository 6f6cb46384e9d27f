"""The HTTP API (FastAPI), as docs/api.md specifies it.

``create_app(settings)`` builds the app; the graph engine opens in the lifespan (one per
process) and reaches routes through ``deps``. One router per resource in ``routers/``; errors
map to HTTP in ``errors`` only, and ``openapi`` lists them in the OpenAPI document. Keys
resolve and roles are checked in ``teamgraph.callers``, as in the UI. Imports
``teamgraph.callers``, ``teamgraph.shop`` and below; nothing imports ``api``.
"""

from teamgraph.api.app import create_app

__all__ = ["create_app"]
