"""docs/api.md keeps up with the API: every route the running API serves has a heading of its own
in the doc (``#### `METHOD /path` ``), and every route a heading names is served. The routes come
from the OpenAPI document of the real server (``teamgraph serve``), not from a list kept here."""

from __future__ import annotations

import re

import httpx

from tests.api.conftest import Api
from tests.conftest import ROOT

DOC = ROOT / "docs" / "api.md"
_HEADING = re.compile(r"^####\s+(.*)$", re.MULTILINE)
_ROUTE = re.compile(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`")
_METHODS = {"get", "post", "put", "patch", "delete"}


def documented() -> set[str]:
    """``METHOD /path`` of every route named in a level-4 heading of docs/api.md."""
    text = DOC.read_text(encoding="utf-8")
    return {
        f"{method} {path}"
        for heading in _HEADING.findall(text)
        for method, path in _ROUTE.findall(heading)
    }


def served(api: Api) -> set[str]:
    spec = httpx.get(f"{api.url}/openapi.json", timeout=30).json()
    return {
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method in operations
        if method in _METHODS
    }


def test_every_served_route_is_documented(api: Api) -> None:
    missing = sorted(served(api) - documented())
    assert not missing, f"routes without a heading in docs/api.md: {missing}"


def test_every_documented_route_is_served(api: Api) -> None:
    stale = sorted(documented() - served(api))
    assert not stale, f"docs/api.md documents routes the API does not serve: {stale}"


def test_the_live_reference_the_doc_names_is_served(api: Api) -> None:
    text = DOC.read_text(encoding="utf-8")
    for url in ("/openapi.json", "/docs", "/redoc"):
        assert f"`{url}`" in text
        assert httpx.get(f"{api.url}{url}", timeout=30).status_code == 200, url
