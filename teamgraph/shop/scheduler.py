"""Jobs that run by themselves (issue 17): the registry of scheduled jobs and the runner that
``teamgraph serve`` keeps on a thread (docs/operations.md "Scheduled jobs").

The registry, :data:`JOBS`, names each job with its schedule and its function; another job is
one more :class:`Job` in it. Every job is per shop and keeps the shop's calendar (its time
zone, ``ProgramSettings.timezone``):

- ``ladder`` — the monthly ladder bonus (R-3.13, :meth:`Shop.award_ladder`) of the month that
  ended, on the 1st of the next month at the jobs' hour; each missed month is caught up.
- ``fraud-scan`` — the nightly fraud scan (:meth:`Shop.scan`) with the circuit breaker (F-6:
  open rings scoring at least the shop's ``ring_auto_hold_score`` are frozen); missed nights
  are caught up by ONE scan, of the latest night (a scan looks at the whole shop as it is).
- ``signal-retention`` — the retention of identity signals (docs/choices.md PD-4,
  :meth:`Shop.prune_signals`), nightly; missed nights caught up by one pass.

A period's run happens once (:mod:`teamgraph.shop.jobs`): its node's id is ``job:period``
and whoever takes its lease runs it. A try that fails is recorded (``failed``, its error) and
tried again ``retry_ms`` later; a runner that dies mid-run leaves a lease that runs out
(``lease_ms``, renewed while a run goes on) and the run is taken over and run again from the
start. So a job must be idempotent, and these are: the ladder pays top-ups on entry ids that
name the month and the step (C-10, a second run pays nothing), the retention pseudonymises
values not already pseudonymised under a compare-and-set on the shop's last pass, and a scan
replaces the open rings with the same ids (F-1) while the breaker freezes only open ones.

:meth:`Runner.tick` is one pass at a given ``now`` (tests move the clock); :meth:`Runner.start`
runs a pass every ``poll_s`` on a thread until :meth:`Runner.stop`. Several processes (``serve
--workers N``, several hosts on one Neo4j) each run one: the leases make one of them run each
period.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from teamgraph import logs
from teamgraph.clock import now_ms
from teamgraph.config import Settings
from teamgraph.errors import NotFound, TeamgraphError, ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Shop

log = logs.get(__name__)

MAX_CATCH_UP: Final = 12
"""At most this many missed periods of a job that catches each one up (12 months of ladder)."""


# -- schedules -------------------------------------------------------------------------------
def _local(now: int, tz: str) -> datetime:
    return datetime.fromtimestamp(now / 1000, tz=UTC).astimezone(ZoneInfo(tz))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True)
class Nightly:
    """Once a day at ``hour`` (shop time); the period is that local date, YYYY-MM-DD."""

    kind: Literal["nightly"] = "nightly"

    def describe(self, hour: int) -> str:
        return f"nightly at {hour:02d}:00"

    def due_at(self, period: str, tz: str, hour: int) -> int:
        day = date.fromisoformat(period)
        return _ms(datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(tz)))

    def last(self, now: int, tz: str, hour: int) -> str:
        """The latest period due by ``now``."""
        local = _local(now, tz)
        day = local.date()
        if self.due_at(day.isoformat(), tz, hour) > now:
            day -= timedelta(days=1)
        return day.isoformat()

    def following(self, period: str) -> str:
        return (date.fromisoformat(period) + timedelta(days=1)).isoformat()

    def before(self, period: str) -> str:
        return (date.fromisoformat(period) - timedelta(days=1)).isoformat()

    def check(self, period: str) -> str:
        try:
            return date.fromisoformat(period).isoformat()
        except ValueError:
            raise ValidationError(
                "job.period", f"a night is YYYY-MM-DD, not {period!r}", field="period"
            ) from None


@dataclass(frozen=True)
class Monthly:
    """The month that ended, on the 1st of the next month at ``hour`` (shop time); the period
    is the month ended, YYYY-MM."""

    kind: Literal["monthly"] = "monthly"

    def describe(self, hour: int) -> str:
        return f"monthly, on the 1st at {hour:02d}:00, for the month before"

    @staticmethod
    def _parse(period: str) -> tuple[int, int]:
        year, month = period.split("-")
        return int(year), int(month)

    def due_at(self, period: str, tz: str, hour: int) -> int:
        year, month = self._parse(self.following(period))
        return _ms(datetime(year, month, 1, hour, tzinfo=ZoneInfo(tz)))

    def last(self, now: int, tz: str, hour: int) -> str:
        local = _local(now, tz)
        ended = self.before(f"{local.year:04d}-{local.month:02d}")
        if self.due_at(ended, tz, hour) > now:
            ended = self.before(ended)
        return ended

    def following(self, period: str) -> str:
        year, month = self._parse(period)
        return f"{year + month // 12:04d}-{month % 12 + 1:02d}"

    def before(self, period: str) -> str:
        year, month = self._parse(period)
        return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"

    def check(self, period: str) -> str:
        try:
            year, month = self._parse(period)
            if not (1 <= month <= 12 and 1970 <= year <= 9999):
                raise ValueError
        except ValueError:
            raise ValidationError(
                "job.period", f"a month is YYYY-MM, not {period!r}", field="period"
            ) from None
        return f"{year:04d}-{month:02d}"


Schedule = Nightly | Monthly


# -- the registry ----------------------------------------------------------------------------
JobFunction = Callable[[Shop, str, int], dict[str, Any]]
"""What a job does for one shop and one period at ``now``: its result summary (JSON-able)."""


@dataclass(frozen=True)
class Job:
    """A scheduled job: its name, schedule, function, and what a missed period becomes:
    ``each`` (every missed period runs, oldest first, at most :data:`MAX_CATCH_UP`) or
    ``latest`` (only the latest: several missed nights of a scan are one scan)."""

    name: str
    schedule: Schedule
    run: JobFunction
    catch_up: Literal["each", "latest"] = "latest"
    description: str = ""


def _ladder(shop: Shop, period: str, now: int) -> dict[str, Any]:
    rows = shop.award_ladder(period, now=now)
    return {"month": period, "bonuses": len(rows), "amount_fen": sum(r["amount"] for r in rows)}


def _team_reward(shop: Shop, period: str, now: int) -> dict[str, Any]:
    rows = shop.award_team_reward(period, now=now)
    return {
        "month": period,
        "rewards": len(rows),
        "amount_fen": sum(r["amount"] for r in rows if r.get("unit") == "fen"),
        "points": sum(r["amount"] for r in rows if r.get("unit") == "point"),
    }


def _fraud_scan(shop: Shop, period: str, now: int) -> dict[str, Any]:
    result = shop.scan(now=now)
    return {
        "rings": len(result.rings),
        "flagged": sum(1 for r in result.rings if r.score >= 40),
        "auto_held": list(result.auto_held),
        "auto_hold_score": shop.settings(now=now).ring_auto_hold_score,
    }


def _retention(shop: Shop, period: str, now: int) -> dict[str, Any]:
    return shop.prune_signals(now=now)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("ladder", Monthly(), _ladder, "each", "R-3.13 monthly ladder bonus"),
        Job("team-reward", Monthly(), _team_reward, "each", "TR-1 monthly team reward"),
        Job("fraud-scan", Nightly(), _fraud_scan, "latest",
            "fraud scan with the circuit breaker (F-6)"),
        Job("signal-retention", Nightly(), _retention, "latest",
            "retention of identity signals (PD-4)"),
    )
}  # fmt: skip
"""Every scheduled job by name. Another job is one more entry."""


def job(name: str, jobs: dict[str, Job] | None = None) -> Job:
    found = (jobs or JOBS).get(name)
    if found is None:
        known = ", ".join(sorted(jobs or JOBS))
        raise NotFound(
            "job.not_found", f"no job {name!r} (jobs: {known})", params={"id": name}, field="job"
        )
    return found


# -- the runner ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Config:
    """When and how jobs run (process settings ``TEAMGRAPH_JOBS_*``)."""

    hour: int = 3
    lease_ms: int = 600_000
    retry_ms: int = 900_000
    poll_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Config:
        return cls(
            hour=settings.jobs_hour,
            lease_ms=settings.jobs_lease_ms,
            retry_ms=settings.jobs_retry_ms,
            poll_s=settings.jobs_poll_s,
        )


@dataclass
class Outcome:
    """One try of one run by this runner."""

    shop: str
    job: str
    period: str
    status: Literal["ok", "failed"]
    attempt: int
    ms: int
    summary: dict[str, Any] | None = None
    error: str | None = None
    recorded: bool = True


@dataclass
class Runner:
    """Runs the registry's due jobs of every shop of ``engine``."""

    engine: Engine
    config: Config = field(default_factory=Config)
    jobs: dict[str, Job] = field(default_factory=lambda: dict(JOBS))
    shops: Callable[[], Iterable[str]] | None = None
    clock: Callable[[], int] = now_ms
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._done: set[tuple[str, str, str]] = set()

    # -- what is due -------------------------------------------------------------------------
    def due(self, shop: Shop, job_: Job, now: int) -> list[str]:
        """The periods of ``job_`` to run at ``now``, oldest first (done ones left out by the
        claim, not here)."""
        tz = shop.timezone()
        latest = job_.schedule.last(now, tz, self.config.hour)
        if job_.catch_up == "latest":
            return [latest]
        done = shop.last_done_period(job_.name)
        periods = [latest]
        while done is not None and len(periods) < MAX_CATCH_UP:
            earlier = job_.schedule.before(periods[-1])
            if earlier <= done:
                break
            periods.append(earlier)
        return periods[::-1]

    def next_due(self, shop: Shop, job_: Job, now: int) -> tuple[str, int]:
        """The next period of ``job_`` after ``now`` and when it falls due."""
        tz = shop.timezone()
        period = job_.schedule.following(job_.schedule.last(now, tz, self.config.hour))
        return period, job_.schedule.due_at(period, tz, self.config.hour)

    # -- one pass ----------------------------------------------------------------------------
    def tick(self, now: int | None = None) -> list[Outcome]:
        """Run what is due at ``now`` in every shop; the tries this runner made."""
        done: list[Outcome] = []
        for shop_id in list(self.shops() if self.shops else self.engine.shops()):
            if self._stop.is_set():
                break
            try:
                shop = Shop(self.engine.open(shop_id))
                at = self.clock() if now is None else now
                for job_ in self.jobs.values():
                    for period in self.due(shop, job_, at):
                        outcome = self.run(shop, job_.name, period, now=now)
                        if outcome is not None:
                            done.append(outcome)
            except TeamgraphError as exc:  # the engine down (503 period), a shop dropped
                log.warning("jobs.shop_failed", shop=shop_id, code=exc.code, error=exc.message)
        return done

    def run(
        self,
        shop: Shop,
        name: str,
        period: str,
        *,
        again: bool = False,
        now: int | None = None,
    ) -> Outcome | None:
        """Run ``name`` for ``period`` in ``shop`` if this runner takes its lease; None when it
        is done (``again``: run it anyway), held by another runner, or pausing after a failed
        try. A failure of the job is recorded, not raised; a period not due yet is refused
        (``job.not_due``: the ladder of a month not over would be marked done)."""
        job_ = job(name, self.jobs)
        period = job_.schedule.check(period)
        start = self.clock() if now is None else now
        due_at = job_.schedule.due_at(period, shop.timezone(), self.config.hour)
        if due_at > start:  # a month run before its end would be marked done with part of it
            moment = _local(due_at, shop.timezone()).strftime("%Y-%m-%d %H:%M %Z")
            raise ValidationError(
                "job.not_due",
                f"{name} for {period} falls due at {moment}; a period runs once, after it is over",
                field="period",
            )
        if not again and not self._may_claim(shop, name, period, start):
            return None
        lease = uuid.uuid4().hex
        attempt = shop.claim_job_run(
            name, period, lease=lease, lease_ms=self.config.lease_ms, runner=self.name,
            again=again, now=start,
        )  # fmt: skip
        if attempt is None:
            return None
        log.info("jobs.run_started", shop=shop.id, job=name, period=period, attempt=attempt)
        began = time.monotonic()
        renewing = _Renewer(shop, name, period, lease, start, began, self.config.lease_ms)
        renewing.start()
        try:
            summary = job_.run(shop, period, start)
        except Exception as exc:  # any failure of the job: recorded, tried again later
            error = f"{type(exc).__name__}: {exc}"
            if not isinstance(exc, TeamgraphError):
                error += "\n" + "".join(traceback.format_tb(exc.__traceback__)[-3:])
            ok, summary = False, None
        else:
            ok, error = True, ""
        finally:
            renewing.stop()
        ms = int((time.monotonic() - began) * 1000)
        recorded = shop.finish_job_run(
            name, period, lease=lease, ok=ok, finished_at=start + ms, ms=ms, summary=summary,
            error=error, next_at=0 if ok else start + ms + self.config.retry_ms,
        )  # fmt: skip
        event = "jobs.run_finished" if ok else "jobs.run_failed"
        (log.info if ok else log.warning)(
            event, shop=shop.id, job=name, period=period, attempt=attempt, ms=ms,
            error=error or None, recorded=recorded,
        )  # fmt: skip
        return Outcome(
            shop.id, name, period, "ok" if ok else "failed", attempt, ms, summary,
            error or None, recorded,
        )  # fmt: skip

    def _may_claim(self, shop: Shop, name: str, period: str, now: int) -> bool:
        """Whether the run may be free, read without a lock (the claim decides under it): a
        pass finds most runs done, and a read costs less than the claim's write. A run this
        runner saw done is not read again."""
        key = (shop.id, name, period)
        if key in self._done:
            return False
        run = shop.job_run(name, period)
        if run is None:
            return True
        if run["status"] == "ok":
            if len(self._done) > 10_000:
                self._done.clear()
            self._done.add(key)
            return False
        return (run["lease_until"] or 0) <= now and (run["next_at"] or 0) <= now

    def overview(self, shop: Shop, now: int | None = None) -> list[dict[str, Any]]:
        """Each job of ``shop``: its schedule, latest run, and next period with when it falls
        due (``teamgraph jobs list``, ``GET /v1/jobs``)."""
        now = self.clock() if now is None else now
        runs = shop.job_runs(limit=500)
        out = []
        for job_ in self.jobs.values():
            last = next((r for r in runs if r["job"] == job_.name), None)
            period, due_at = self.next_due(shop, job_, now)
            latest = job_.schedule.last(now, shop.timezone(), self.config.hour)
            pending = next(
                (r for r in runs if r["job"] == job_.name and r["period"] == latest), None
            )
            if pending is None or pending["status"] != "ok":  # due now (or caught up soon)
                period, due_at = latest, job_.schedule.due_at(latest, shop.timezone(),
                                                               self.config.hour)  # fmt: skip
            out.append({
                "job": job_.name,
                "description": job_.description,
                "schedule": job_.schedule.describe(self.config.hour),
                "catch_up": job_.catch_up,
                "last_run": last,
                "next_period": period,
                "next_at": due_at,
            })  # fmt: skip
        return out

    # -- the thread --------------------------------------------------------------------------
    def start(self) -> Runner:
        self._thread = threading.Thread(target=self._loop, name="tg-jobs", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        log.info("jobs.runner_started", runner=self.name, jobs=sorted(self.jobs))
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # said in the log; the thread goes on
                log.exception("jobs.pass_failed")
            self._stop.wait(self.config.poll_s)


class _Renewer:
    """Keeps a run's lease while it runs: every third of the lease, the lease is set to end
    one lease after the run's clock now (its start plus the time it has taken)."""

    def __init__(
        self, shop: Shop, job: str, period: str, lease: str, start: int, began: float, ms: int
    ) -> None:
        self.args = (shop, job, period, lease, start, began, ms)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tg-jobs-lease", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        shop, job_, period, lease, start, began, ms = self.args
        while not self._stop.wait(ms / 3000):
            until = start + int((time.monotonic() - began) * 1000) + ms
            try:
                if not shop.renew_job_run(job_, period, lease=lease, lease_until=until):
                    log.warning("jobs.lease_lost", shop=shop.id, job=job_, period=period)
                    return
            except TeamgraphError as exc:
                log.warning("jobs.lease_renew_failed", code=exc.code, error=exc.message)
