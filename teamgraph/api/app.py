"""The app factory. Settings come in; the engine opens in the lifespan and closes on shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from teamgraph import __version__, logs
from teamgraph.api import center, errors, openapi
from teamgraph.api.routers import (
    analytics,
    audit,
    backoffice,
    customers,
    distributor_list,
    distributors,
    health,
    jobs,
    keys,
    leaderboard,
    orders,
    personal_data,
    products,
    rings,
    visits,
    webhooks,
    withdrawals,
)
from teamgraph.api.routers import settings as settings_router
from teamgraph.config import Settings
from teamgraph.graph import Engine, connect
from teamgraph.shop.deliverer import Deliverer, Schedule
from teamgraph.shop.scheduler import Config as JobsConfig
from teamgraph.shop.scheduler import Runner

DESCRIPTION = """\
teamgraph's commission API: events in (visits, customers, orders, refunds), attribution, team
views and commission out. Every rule cited in errors (`R-x.y`) is in docs/rules.md.

Authenticate with `Authorization: Bearer <key>` (`teamgraph key create`).
"""


ROUTERS = (
    health.router,
    settings_router.router,
    customers.router,
    visits.router,
    distributors.router,
    distributor_list.router,  # issue 17: GET /v1/distributors
    products.router,
    orders.router,
    withdrawals.router,
    leaderboard.router,
    rings.router,
    keys.router,
    audit.router,
    webhooks.router,
    personal_data.router,
    backoffice.router,
    jobs.router,
    analytics.router,
)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the API. ``engine`` given: the caller owns it; else the lifespan connects one."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = engine is None
        app.state.engine = connect(settings) if own else engine
        # webhooks (issue 16): this process's deliverer, on a thread of its own, off every
        # request's path; stopped before the engine closes. An engine given by the caller
        # (tests, embedding) comes without one: its owner runs a deliverer if it wants one.
        deliverer = (
            Deliverer(app.state.engine, Schedule.from_settings(settings)).start()
            if settings.webhooks_deliver and own
            else None
        )
        # scheduled jobs (issue 17): this process's runner, on a thread of its own; leases in
        # the graph make one of several processes run each period
        runner = (
            Runner(app.state.engine, JobsConfig.from_settings(settings)).start()
            if settings.jobs and own
            else None
        )
        logs.get(__name__).info("api.ready", engine=app.state.engine.kind)
        try:
            yield
        finally:
            if runner is not None:
                runner.stop()
            if deliverer is not None:
                deliverer.stop()
            if own:
                app.state.engine.close()

    app = FastAPIOffline(
        title="teamgraph",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
    )
    app.state.public_url = settings.public_url
    app.state.settings = settings
    errors.install(app)
    for router in ROUTERS:
        app.include_router(router)
    openapi.install(app, ROUTERS)
    center.install(app)
    return app


def from_environment() -> FastAPI:
    """The API as each worker of ``teamgraph serve --workers N`` builds it: settings and
    logging from the environment, the engine connected in its own lifespan."""
    settings = Settings()
    logs.configure(settings.log_level, settings.log_format)
    return create_app(settings)
