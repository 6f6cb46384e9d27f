"""The app as built by ``create_app``, served by Flask's test client: no browser, no graph."""

from __future__ import annotations

import re

import dash
import pytest

from teamgraph.dashboards import context
from teamgraph.errors import AuthError


@pytest.fixture(scope="module")
def app(dash_app: dash.Dash) -> dash.Dash:
    return dash_app


def test_pages_register_themselves(app: dash.Dash) -> None:
    paths = {p["path"] for p in dash.page_registry.values()}
    assert {"/", "/login"} <= paths
    nav = sorted(
        (p for p in dash.page_registry.values() if p.get("nav_key")), key=lambda p: p["order"]
    )
    assert [p["path"] for p in nav] == [
        "/", "/distributors", "/team", "/relationships", "/leaderboards", "/withdrawals",
        "/settings", "/risk", "/audit", "/keys", "/webhooks",
        "/applications", "/distributor",  # issue 17: the back office (orders 11, 12)
        "/products", "/channels", "/cohorts", "/jobs",  # issue 17 (orders 13-16)
    ]  # fmt: skip
    roles = {p["path"]: set(p["roles"]) for p in nav}
    assert [path for path, r in roles.items() if "distributor" in r] == ["/team"]
    assert {path for path, r in roles.items() if r == {"merchant"}} == {
        "/relationships",
        "/withdrawals",
        "/settings",
        "/keys",
        "/webhooks",
        "/applications",
        "/distributor",
        "/products",
        "/jobs",
    }


def test_index_uses_local_assets_only(app: dash.Dash) -> None:
    html = app.server.test_client().get("/").get_data(as_text=True)
    assert "/assets/bootstrap.min.css" in html
    assert "/assets/teamgraph.css" in html
    assert not re.findall(r"""(?:src|href)=["']https?://""", html)
    with app.server.test_client().get("/assets/bootstrap.min.css") as response:
        css = response.get_data(as_text=True)
    assert css.startswith('@charset "UTF-8";/*!\n * Bootstrap  v5.3.')  # license header kept


def test_scripts_are_served_locally(app: dash.Dash) -> None:
    client = app.server.test_client()
    html = client.get("/").get_data(as_text=True)
    scripts = re.findall(r"""<script src=["']([^"']+)["']""", html)
    assert scripts and all(s.startswith("/") for s in scripts)
    for src in scripts:
        with client.get(src) as response:
            assert response.status_code == 200, src


@pytest.mark.parametrize(
    ("key", "code"),
    [(None, "auth.missing_key"), ("  ", "auth.missing_key"), ("nodot", "auth.invalid_key")],
)
def test_caller_refuses_keys_before_reaching_the_graph(
    app: dash.Dash, key: str | None, code: str
) -> None:
    with pytest.raises(AuthError) as err:
        context.caller(key)
    assert err.value.code == code
