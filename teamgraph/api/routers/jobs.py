"""The scheduled jobs and their runs (docs/api.md "Scheduled jobs"; issue 17): what runs when,
and how each run went. Merchant keys only. Read only: jobs run by themselves inside ``teamgraph
serve`` (:mod:`teamgraph.shop.scheduler`), or by ``teamgraph jobs run``.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from teamgraph.api.deps import MerchantDep
from teamgraph.api.render import public
from teamgraph.api.schemas import Time
from teamgraph.config import Settings
from teamgraph.shop.scheduler import Config, Runner

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

RUNS_PER_JOB = 30


class RunPublic(BaseModel):
    id: str = Field(description="the job and the period: one run per period")
    job: str
    period: str = Field(description="YYYY-MM (a month) or YYYY-MM-DD (a night), shop time")
    status: Literal["new", "running", "ok", "failed"]
    attempts: int
    runner: str | None = Field(description="the process that ran the latest try (host:pid)")
    started_at: Time | None
    finished_at: Time | None
    ms: int | None = Field(description="how long the latest try took")
    summary: dict[str, Any] | None = Field(description="what the run did (per job)")
    error: str | None
    next_at: Time | None = Field(description="a failed run: when it is tried again")


class JobPublic(BaseModel):
    job: str
    description: str
    schedule: str
    catch_up: Literal["each", "latest"] = Field(
        description="after downtime: `each` missed period runs, or the `latest` only"
    )
    next_period: str
    next_at: Time = Field(description="when the next period falls due (it runs then, once)")
    last_run: RunPublic | None
    runs: list[RunPublic] = Field(description=f"the latest {RUNS_PER_JOB} runs, newest first")


class JobsPublic(BaseModel):
    items: list[JobPublic]


@router.get("", response_model=JobsPublic)
def list_jobs(caller: MerchantDep, request: Request) -> Any:
    """Every scheduled job of the shop with its schedule, next run and latest runs."""
    shop = caller.shop
    settings: Settings = request.app.state.settings
    runner = Runner(request.app.state.engine, Config.from_settings(settings))
    runs = shop.job_runs(limit=500)
    items = []
    for row in runner.overview(shop):
        mine = [_out(r) for r in runs if r["job"] == row["job"]][:RUNS_PER_JOB]
        last = row["last_run"]
        items.append({**row, "last_run": _out(last) if last else None, "runs": mine})
    return public(shop, {"items": items})


def _out(run: dict[str, Any]) -> dict[str, Any]:
    keep = RunPublic.model_fields
    return {k: v for k, v in run.items() if k in keep}
