"""The frame around every page: navbar, language switch, session store, log-in guard.

Component ids pages may use as callback inputs (they are always in the layout):

- ``SESSION`` (``dcc.Store``, ``data``): the key, kept for the browser tab only;
- ``LANG`` (the language switch, ``value``): ``"zh-CN"`` or ``"en"``, remembered in the browser.

Pages list themselves in the navbar with ``nav_key`` (an i18n key) and ``order`` in
``dash.register_page``; pages whose path is not in ``PUBLIC_PATHS`` need a valid key, and the
guard sends the browser to ``/login`` without one.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, dcc, html

from teamgraph.dashboards import context
from teamgraph.dashboards.i18n import DEFAULT_LANG, LANG_NAMES, LANGS, t
from teamgraph.errors import TeamgraphError
from teamgraph.shop import Principal

SESSION = "session"
LANG = "lang"
URL = "url"
GOTO = "goto"
LOGIN_PATH = "/login"
HOME_PATH = "/"
PUBLIC_PATHS = frozenset({LOGIN_PATH})


def layout() -> html.Div:
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(t("app.name"), id="brand", href=HOME_PATH),
                dbc.Nav(id="nav-links", navbar=True, className="me-auto"),
                html.Div(
                    [
                        html.Span(id="whoami", className="navbar-text small text-white opacity-75"),
                        html.Div(
                            dbc.RadioItems(
                                id=LANG,
                                options=[
                                    {"label": LANG_NAMES[lang], "value": lang} for lang in LANGS
                                ],
                                value=DEFAULT_LANG,
                                persistence=True,
                                persistence_type="local",
                                className="btn-group",
                                inputClassName="btn-check",
                                labelClassName="btn btn-sm btn-outline-light",
                                labelCheckedClassName="active",
                            ),
                            id="lang-switch",
                            className="lang-switch",
                            title=t("nav.language"),
                        ),
                        dbc.Button(
                            t("nav.logout"),
                            id="logout",
                            color="light",
                            outline=True,
                            size="sm",
                            style={"display": "none"},
                        ),
                    ],
                    className="d-flex align-items-center gap-3",
                ),
            ],
            fluid=True,
        ),
        color="primary",
        dark=True,
        className="mb-4",
    )
    return html.Div(
        [
            dcc.Store(id=SESSION, storage_type="session"),
            dcc.Location(id=URL),
            dcc.Location(id=GOTO, refresh="callback-nav"),
            navbar,
            dbc.Container(dash.page_container, fluid="xl", className="pb-5"),
        ]
    )


def principal(key: str | None) -> Principal | None:
    """Who the stored key speaks for, or ``None`` when it is missing or no longer valid."""
    try:
        return context.shop_for(key)[1]
    except TeamgraphError:
        return None


def role_label(who: Principal, lang: str) -> str:
    if who.role == "distributor":
        return t("role.distributor", lang, id=who.distributor_id)
    return t(f"role.{who.role}", lang)


def _nav_pages() -> list[dict[str, Any]]:
    pages = [p for p in dash.page_registry.values() if p.get("nav_key")]
    return sorted(pages, key=lambda p: (p.get("order", 0), p["path"]))


def register_callbacks(app: dash.Dash) -> None:
    @app.callback(
        Output("brand", "children"),
        Output("nav-links", "children"),
        Output("whoami", "children"),
        Output("logout", "children"),
        Output("logout", "style"),
        Output("lang-switch", "title"),
        Input(LANG, "value"),
        Input(SESSION, "data"),
    )
    def navbar(lang: str, key: str | None) -> tuple[Any, ...]:
        who = principal(key)
        links = [
            dbc.NavItem(dbc.NavLink(t(p["nav_key"], lang), href=p["path"], active="exact"))
            for p in _nav_pages()
            if who is not None or p["path"] in PUBLIC_PATHS
        ]
        whoami = t("nav.signed_in", lang, shop=who.shop, role=role_label(who, lang)) if who else ""
        shown = {"display": "inline-block"} if who else {"display": "none"}
        return (
            t("app.name", lang),
            links,
            whoami,
            t("nav.logout", lang),
            shown,
            t("nav.language", lang),
        )

    @app.callback(
        Output(GOTO, "href"),
        Input(URL, "pathname"),
        Input(SESSION, "data"),
    )
    def guard(pathname: str | None, key: str | None) -> Any:
        """Pages other than the public ones need a valid key; a valid key skips the login."""
        path = pathname or HOME_PATH
        valid = principal(key) is not None
        if path in PUBLIC_PATHS and valid:
            return HOME_PATH
        if path not in PUBLIC_PATHS and not valid:
            return LOGIN_PATH
        return dash.no_update

    @app.callback(
        Output(SESSION, "data"),
        Input("logout", "n_clicks"),
        prevent_initial_call=True,
    )
    def logout(_clicks: int | None) -> None:
        return None

    app.clientside_callback(
        "function(lang) { document.documentElement.lang = lang || 'zh-CN'; }",
        Input(LANG, "value"),
    )
