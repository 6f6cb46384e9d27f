"""Any path no page claims."""

from __future__ import annotations

from typing import Any

import dash
from dash import dcc, html

from teamgraph.dashboards.i18n import DEFAULT_LANG, t

dash.register_page(__name__, path="/404", title="teamgraph", name="not found")


def layout(lang: str = DEFAULT_LANG, **_query: Any) -> html.Div:
    return html.Div(
        [
            html.H2(t("notfound.title", lang)),
            dcc.Link(t("notfound.back", lang), href="/"),
        ],
        className="mt-4",
    )
