"""The distributor center (分销中心): light pages for a distributor's phone, served by the API.

A mall's backend signs its member in (``POST /v1/distributors/{id}/sessions``, C-1 in
:mod:`teamgraph.shop.center`) and sends the browser to the link; ``/center/enter`` uses the
link up and keeps the session in an HttpOnly cookie scoped to ``/center`` (C-2), so no key is
left in the URL. Every page resolves the cookie as the API resolves a distributor key
(``teamgraph.callers``): a session reads its own distributor and nothing else.

The pages are rendered on the server (Jinja2) with one small stylesheet, fingerprinted and
cached for a year; no script is needed to read them. zh-CN by default, English when the
browser asks for it first or the visitor switches (a cookie keeps the choice). Amounts are in
yuan, times in the shop's time zone. Forms carry a token derived from the session (a request
from another site cannot know it) besides the cookie's ``SameSite=Lax``.
"""

from __future__ import annotations

from fastapi import FastAPI

from teamgraph.api.center import (  # noqa: F401  (their routes register on the router)
    apply,
    commission,
    leaderboard,
    pages,
    promote,
    team,
    withdraw,
)
from teamgraph.api.center.web import router


def install(app: FastAPI) -> None:
    app.include_router(router)
