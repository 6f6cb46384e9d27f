"""A shop's scheduled jobs' runs in its graph (issue 17 "Jobs that run by themselves";
``queries/jobs.cypher``). What runs when is :mod:`teamgraph.shop.scheduler`; this part of
:class:`~teamgraph.shop.Shop` only takes, keeps and gives up a run's lease and lists the runs.

A run is one node per (job, period) — id ``job:period`` — so a period is run once however many
runners see it due: the first to take the run's lease (a compare-and-set under the shop node's
lock, correct on Neo4j's read committed as on FalkorDB's single writer) runs it; the others
find it taken, or done.
"""

from __future__ import annotations

import json
from typing import Any

from teamgraph.shop.base import ShopBase
from teamgraph.shop.retention import prune_due

MAX_SUMMARY = 2_000
MAX_ERROR = 1_000


def run_id(job: str, period: str) -> str:
    """The run of ``job`` for ``period``: the same id in every process."""
    return f"{job}:{period}"


class Jobs(ShopBase):
    """Part of Shop: the runs of the scheduled jobs."""

    def claim_job_run(
        self,
        job: str,
        period: str,
        *,
        lease: str,
        lease_ms: int,
        runner: str = "",
        again: bool = False,
        now: int | None = None,
    ) -> int | None:
        """Take the lease of ``job``'s run for ``period`` (made on first sight); the try's
        number (1, 2, ...), or None when another runner holds it, it finished ok (``again``:
        run it anyway), or a failed try's pause is not over."""
        now = self._now(now)
        rows = self.store.write(
            "job.claim",
            shop_id=self.id,
            id=run_id(job, period),
            job=job,
            period=period,
            lease=lease,
            lease_until=now + lease_ms,
            runner=runner,
            again=again,
            now=now,
        )
        return int(rows[0]["attempts"]) if rows else None

    def renew_job_run(self, job: str, period: str, *, lease: str, lease_until: int) -> bool:
        """Extend a held lease; False when it was lost."""
        rows = self.store.write(
            "job.renew", id=run_id(job, period), lease=lease, lease_until=lease_until
        )
        return bool(rows)

    def finish_job_run(
        self,
        job: str,
        period: str,
        *,
        lease: str,
        ok: bool,
        finished_at: int,
        ms: int,
        summary: dict[str, Any] | None = None,
        error: str = "",
        next_at: int = 0,
    ) -> bool:
        """Record a try's outcome under the lease; False when the lease was lost meanwhile."""
        rows = self.store.write(
            "job.finish",
            id=run_id(job, period),
            lease=lease,
            status="ok" if ok else "failed",
            finished_at=finished_at,
            ms=ms,
            summary=json.dumps(summary or {}, ensure_ascii=False, sort_keys=True)[:MAX_SUMMARY],
            error=error[:MAX_ERROR],
            next_at=next_at,
        )
        return bool(rows)

    def job_runs(self, job: str | None = None, *, limit: int = 100) -> list[dict[str, Any]]:
        """Runs, the latest started first (``job``: that job's only)."""
        return [_run(r) for r in self.store.read("job.runs", job=job or "", limit=limit)]

    def job_run(self, job: str, period: str) -> dict[str, Any] | None:
        rows = self.store.read("job.get", id=run_id(job, period))
        return _run(rows[0]) if rows else None

    def last_done_period(self, job: str) -> str | None:
        """The latest period ``job`` finished ok, or None."""
        rows = self.store.read("job.last_done", job=job)
        return rows[0]["period"] if rows and rows[0]["period"] is not None else None

    def prune_signals(self, *, now: int | None = None) -> dict[str, Any]:
        """The retention of identity signals (docs/choices.md PD-4) as a job: the passes that
        are due now, a backlog bigger than one pass worked off pass after pass. Idempotent: a
        value already pseudonymised is left, and a pass already made today (by the catch-up of
        a request, or another runner) is not made again."""
        now = self._now(now)
        settings = self.settings(now=now)
        if settings.signal_retention_days is None:
            return {"pruned": 0, "retention_days": None}
        pruned, passes = 0, 0
        while passes < 100:
            row = self.store.read("shop.due", id=self.id, now=now, until=now)[0]
            done = prune_due(self.store, settings, row["signals_pruned_at"], now)
            if done is None:
                break
            pruned += done
            passes += 1
        return {"pruned": pruned, "passes": passes,
                "retention_days": settings.signal_retention_days}  # fmt: skip


def _run(row: dict[str, Any]) -> dict[str, Any]:
    """A stored run as callers see it: 0 and '' back to None, the summary parsed."""
    out = dict(row)
    for name in ("started_at", "finished_at", "next_at", "lease_until", "created_at"):
        out[name] = int(out[name]) if out.get(name) else None
    out["ms"] = int(out["ms"]) if out.get("finished_at") else None
    out["attempts"] = int(out.get("attempts") or 0)
    out["error"] = out.get("error") or None
    out["runner"] = out.get("runner") or None
    text = out.get("summary") or ""
    try:
        out["summary"] = json.loads(text) if text else None
    except ValueError:
        out["summary"] = {"text": text}
    return out
