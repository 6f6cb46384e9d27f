"""The frame around every page: navbar, language switch, session store, log-in guard.

Component ids pages may use as callback inputs (they are always in the layout):

- ``SESSION`` (``dcc.Store``, ``data``): the key, kept for the browser tab only;
- ``LANG`` (the language switch, ``value``): ``"zh-CN"`` or ``"en"``, remembered in the browser.

Pages list themselves in the navbar with ``nav_key`` (an i18n key), ``order`` and ``roles``
(the key roles that may open them) in ``dash.register_page``; pages whose path is not in
``PUBLIC_PATHS`` need a valid key, and the guard sends the browser to ``/login`` without one
and to the role's home (``/`` for merchant and analyst keys, ``/team`` for a distributor key,
which sees only "My team") when the role may not open the page.

The language switch starts on the browser's language (``Accept-Language``) and then remembers
the user's choice in the browser.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, dcc, html

from teamgraph.callers import EVERYONE, Caller
from teamgraph.dashboards import context
from teamgraph.dashboards.i18n import LANG_NAMES, LANGS, best_lang, t
from teamgraph.errors import TeamgraphError

SESSION = "session"
LANG = "lang"
URL = "url"
GOTO = "goto"
LOGIN_PATH = "/login"
HOME_PATH = "/"
TEAM_PATH = "/team"
PUBLIC_PATHS = frozenset({LOGIN_PATH})


def home_of(who: Caller) -> str:
    return TEAM_PATH if who.is_distributor else HOME_PATH


def _request_lang() -> str:
    try:
        return best_lang(flask.request.headers.get("Accept-Language"))
    except RuntimeError:  # outside a request (tests building the layout)
        return best_lang(None)


def layout() -> html.Div:
    """The frame; a function, so each page load starts on the browser's language."""
    lang = _request_lang()
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand(t("app.name", lang), id="brand", href=HOME_PATH),
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
                                value=lang,
                                persistence=True,
                                persistence_type="local",
                                className="btn-group",
                                inputClassName="btn-check",
                                labelClassName="btn btn-sm btn-outline-light",
                                labelCheckedClassName="active",
                            ),
                            id="lang-switch",
                            className="lang-switch",
                            title=t("nav.language", lang),
                        ),
                        dbc.Button(
                            t("nav.logout", lang),
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


def signed_in(key: str | None) -> Caller | None:
    """Who the stored key speaks for, or ``None`` when it is missing or no longer valid."""
    try:
        return context.caller(key)
    except TeamgraphError:
        return None


def role_label(who: Caller, lang: str) -> str:
    if who.is_distributor:
        return t("role.distributor", lang, id=who.distributor_id)
    return t(f"role.{who.role}", lang)


def _nav_pages() -> list[dict[str, Any]]:
    pages = [p for p in dash.page_registry.values() if p.get("nav_key")]
    return sorted(pages, key=lambda p: (p.get("order", 0), p["path"]))


MENUS: dict[str, tuple[str, ...]] = {
    "reports": ("/leaderboards", "/channels", "/cohorts"),
    "operations": ("/applications", "/distributor", "/withdrawals", "/products", "/settings"),
    "system": ("/risk", "/audit", "/keys", "/webhooks", "/jobs"),
}
"""The navbar's menus (``nav.menu.<name>``) and the pages each holds; every other page is a link
of its own. Seventeen links do not fit a 1440 px bar in either language, so the pages a merchant
opens daily stay in view and the rest are grouped by what they are for."""
MENU_OF = {path: menu for menu, paths in MENUS.items() for path in paths}


def nav_items(who: Caller | None, lang: str) -> list[Any]:
    """The navbar for ``who``: its pages in order, a menu where its first page would be; a menu
    with no page ``who`` may open is left out."""
    items: list[Any] = []
    menus: dict[str, list[Any]] = {}
    for p in _nav_pages():
        if not allowed(p, who):
            continue
        label = t(_nav_label(p, who), lang)
        menu = MENU_OF.get(p["path"])
        if menu is None:
            items.append(dbc.NavItem(dbc.NavLink(label, href=p["path"], active="exact")))
            continue
        if menu not in menus:
            menus[menu] = []
            items.append(
                dbc.DropdownMenu(
                    menus[menu],
                    label=t(f"nav.menu.{menu}", lang),
                    nav=True,
                    in_navbar=True,
                    id=f"nav-menu-{menu}",
                )
            )
        menus[menu].append(dbc.DropdownMenuItem(label, href=p["path"]))
    return items


def _nav_label(page: dict[str, Any], who: Caller | None) -> str:
    """A page may name itself differently for a distributor key (``nav_key_own``: "My team")."""
    own = who is not None and who.is_distributor and page.get("nav_key_own")
    return str(own or page["nav_key"])


def allowed(page: dict[str, Any], who: Caller | None) -> bool:
    """Whether ``who`` may open ``page`` (public pages: anyone; a page without ``roles``:
    every role)."""
    if page["path"] in PUBLIC_PATHS:
        return True
    return who is not None and who.allows(*page.get("roles", EVERYONE))


def _page_of(path: str) -> dict[str, Any] | None:
    return next((p for p in dash.page_registry.values() if p["path"] == path), None)


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
        who = signed_in(key)
        links = nav_items(who, lang)
        whoami = ""
        if who is not None:
            whoami = t("nav.signed_in", lang, shop=who.shop.id, role=role_label(who, lang))
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
        who = signed_in(key)
        if path in PUBLIC_PATHS:
            return home_of(who) if who is not None else dash.no_update
        if who is None:
            return LOGIN_PATH
        page = _page_of(path)
        if page is not None and not allowed(page, who):
            return home_of(who)
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
