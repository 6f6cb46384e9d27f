"""The analytics UI (Dash): its own process, talking to ``Shop`` directly.

``create_app(engine)`` builds the app around the process's graph engine (opened by the CLI,
``teamgraph ui``); the UI never goes through the HTTP API. Layout:

- ``shell``: navbar, language switch, the ``session`` store holding the key, the log-in guard;
- ``pages/``: one module per view (overview, distributors, team, relationships, leaderboards,
  withdrawals, settings, risk, login), each ``dash.register_page(__name__, ..., roles=...)``
  with the global ``dash.callback``, so pages never import the app; they reach the engine and
  the caller's shop through ``context.caller(key)``. Callbacks are thin: each calls a plain
  content function of its page (``team_view``, ``customer_view``, ...) that tests and the
  benchmark call directly;
- ``figures`` (plotly), ``networks`` (cytoscape elements) and ``tables`` (grid rows and
  columns, the withdrawal batch files): plain functions over plain values;
- ``i18n``: the gettext catalogues (``locale/``) and the money, number and time formats;
  ``components``: shared layout pieces;
- ``assets/``: Bootstrap's CSS and ours, served locally; dash-ag-grid, dash-cytoscape (with
  its dagre layout, ``load_extra_layouts``) and plotly serve their scripts from their packages
  (no CDN anywhere).

Imports ``teamgraph.callers``, ``teamgraph.shop`` and below; nothing imports ``dashboards``.
"""

from __future__ import annotations

from pathlib import Path

import dash
import dash_cytoscape as cyto
from dash import Input

from teamgraph.dashboards import context, shell
from teamgraph.graph import Engine

_HERE = Path(__file__).resolve().parent


def create_app(engine: Engine, *, webhooks_private_urls: bool = False) -> dash.Dash:
    """The Dash app over ``engine``; the caller runs it and closes the engine afterwards.
    ``webhooks_private_urls``: the process setting of the same name (the Webhooks page)."""
    context.install(engine, webhooks_private_urls=webhooks_private_urls)
    cyto.load_extra_layouts()  # dagre for the team tree, from the package (no CDN)
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(_HERE / "pages"),
        assets_folder=str(_HERE / "assets"),
        external_stylesheets=[],
        external_scripts=[],
        serve_locally=True,
        title="teamgraph",
        # pages build parts of themselves in callbacks (the team tree, the ring network), so
        # callbacks may name components that are not in any page's initial layout
        suppress_callback_exceptions=True,
        update_title="",  # keep the title while callbacks run
        # every page layout gets the language, and is rebuilt when it changes
        routing_callback_inputs={"lang": Input(shell.LANG, "value")},
    )
    app.layout = shell.layout
    shell.register_callbacks(app)
    # The analytics import pandas lazily; the server runs callbacks in threads, and a figure
    # built in one (plotly checks for pandas arrays) while another is still importing pandas
    # fails on the half-initialised module (seen on the first load of the report pages).
    # Import it once here, before any callback runs.
    import pandas  # noqa: F401

    return app


__all__ = ["create_app"]
