"""Issue 17 "Jobs that run by themselves": the scheduled jobs run once per period on the
shop's calendar, one runner among several takes each run (a lease in the graph), a missed run
is caught up after downtime, a failed or abandoned run is tried again. Time is the tests':
every pass is ``Runner.tick(now)`` at a chosen instant; nothing waits for the clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from teamgraph.errors import ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from teamgraph.shop.scheduler import JOBS, Config, Job, Monthly, Nightly, Runner
from tests.conftest import new_shop_id

TZ = ZoneInfo("Asia/Shanghai")
LADDER = {
    "ladder": [
        {"threshold_fen": 10_000, "bonus_fen": 500},
        {"threshold_fen": 30_000, "bonus_fen": 2_000},
    ],
    "settle_days": 7,
}


def at(y: int, m: int, d: int, h: int = 0, minute: int = 0) -> int:
    """Epoch ms of a moment in the shop's time zone (Asia/Shanghai)."""
    return int(datetime(y, m, d, h, minute, tzinfo=TZ).timestamp() * 1000)


T0 = at(2026, 1, 1)


@pytest.fixture
def shop(engine: Engine) -> Iterator[Shop]:
    made = Shop.create(engine, new_shop_id("j"), LADDER, now=T0)
    yield made
    made.store.drop()


ENGINES: dict[str, Engine] = {}


@pytest.fixture(autouse=True)
def _engine_of(shop: Shop, engine: Engine) -> None:
    ENGINES[shop.id] = engine


def runner(shop: Shop, *jobs: Job, **config: Any) -> Runner:
    """A runner of ``jobs`` (default: the registry's) over ``shop`` only, as each API process
    has one (its own object, the same graph)."""
    registry = {j.name: j for j in jobs} if jobs else dict(JOBS)
    return Runner(ENGINES[shop.id], Config(**config), registry, shops=lambda: [shop.id])


def sale(shop: Shop, order_id: str, amount: int, when: int) -> None:
    shop.record_order(order_id, "c1", [{"product_id": "p", "paid_fen": amount}], paid_at=when,
                      now=when)  # fmt: skip
    shop.complete_order(order_id, at=when, now=when)


def with_distributor(shop: Shop) -> None:
    shop.create_customer("d1", name="d1", now=T0)
    shop.apply("d1", now=T0)
    shop.visit("c1", "d1", at=T0 + 1)


def bonuses(shop: Shop, now: int) -> list[int]:
    return [e["amount"] for e in shop.ledger("d1", now=now)["items"] if e["kind"] == "bonus"]


def test_r3_13_ladder_runs_once_a_month_on_the_shops_calendar(shop: Shop) -> None:
    """The ladder bonus of January runs at the jobs' hour on 1 February, shop time (not UTC),
    once: later passes find the month's run done."""
    with_distributor(shop)
    sale(shop, "o1", 12_000, at(2026, 1, 5))  # settles 12 January
    r = runner(shop, JOBS["ladder"], hour=3)
    first = r.tick(at(2026, 1, 20))  # the first pass runs the latest month due: December
    assert [(o.period, o.status) for o in first] == [("2025-12", "ok")]
    assert r.tick(at(2026, 2, 1, 2, 59)) == []  # 02:59 on the 1st: January not due yet
    done = r.tick(at(2026, 2, 1, 3, 0))
    assert [(o.period, o.status, o.summary) for o in done] == [
        ("2026-01", "ok", {"month": "2026-01", "bonuses": 1, "amount_fen": 500})
    ]
    assert r.tick(at(2026, 2, 1, 3, 1)) == [] and r.tick(at(2026, 2, 20)) == []  # never twice
    assert bonuses(shop, at(2026, 2, 20)) == [500]
    run = shop.job_run("ladder", "2026-01")
    assert run is not None
    assert (run["status"], run["attempts"], run["started_at"]) == ("ok", 1, at(2026, 2, 1, 3))
    assert run["finished_at"] >= run["started_at"] and run["ms"] >= 0 and run["error"] is None


def test_missed_months_of_the_ladder_are_each_caught_up_after_downtime(shop: Shop) -> None:
    """The API was down from January to April: on its first pass the ladder runs for each
    missed month, oldest first; the night jobs run once, for the latest night only."""
    with_distributor(shop)
    sale(shop, "o1", 12_000, at(2026, 2, 3))  # settles in February
    sale(shop, "o2", 31_000, at(2026, 3, 3))  # settles in March
    r = runner(shop, hour=3)
    ran = r.tick(at(2026, 1, 10))
    assert sorted((o.job, o.period) for o in ran) == [
        ("fraud-scan", "2026-01-09"), ("ladder", "2025-12"), ("signal-retention", "2026-01-09"),
        ("team-reward", "2025-12"),
    ]  # fmt: skip
    ran = r.tick(at(2026, 4, 10, 12))  # down for three months
    assert [(o.job, o.period) for o in ran] == [
        ("ladder", "2026-01"),
        ("ladder", "2026-02"),
        ("ladder", "2026-03"),
        ("team-reward", "2026-01"),
        ("team-reward", "2026-02"),
        ("team-reward", "2026-03"),
        ("fraud-scan", "2026-04-10"),
        ("signal-retention", "2026-04-10"),
    ]
    assert all(o.status == "ok" for o in ran), [o.error for o in ran]
    assert sorted(bonuses(shop, at(2026, 4, 10, 12))) == [500, 2_000]  # February's, March's
    scans = [x["period"] for x in shop.job_runs("fraud-scan")]
    assert scans == ["2026-04-10", "2026-01-09"]  # one catch-up scan, not one per night
    assert r.tick(at(2026, 4, 10, 13)) == []


def test_two_runners_racing_run_a_period_once(shop: Shop, engine: Engine) -> None:
    """One runner per period even with several API processes: eight runners start the same
    due run at the same moment; the lease (compare-and-set under the shop's lock) lets one run
    it, on FalkorDB and on Neo4j's read committed."""
    calls: list[str] = []
    lock = threading.Lock()

    def count(shop_: Shop, period: str, now: int) -> dict[str, Any]:
        with lock:
            calls.append(period)
        return {"ran": True}

    counted = Job("counted", Nightly(), count)
    runners = [runner(shop, counted, JOBS["ladder"]) for _ in range(8)]
    with_distributor(shop)
    sale(shop, "o1", 40_000, at(2026, 1, 5))
    start = threading.Barrier(len(runners))
    outcomes: list[Any] = []

    def race(r: Runner) -> None:
        start.wait()
        outcomes.extend(r.tick(at(2026, 2, 1, 4)))

    threads = [threading.Thread(target=race, args=(r,)) for r in runners]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert calls == ["2026-02-01"]
    assert sorted((o.job, o.period) for o in outcomes) == [
        ("counted", "2026-02-01"), ("ladder", "2026-01")
    ]  # fmt: skip
    assert bonuses(shop, at(2026, 2, 2)) == [2_000]
    assert len(shop.job_runs()) == 2


def test_a_failed_run_is_recorded_and_tried_again_after_the_pause(shop: Shop) -> None:
    """A job that raises is recorded failed with its error, not run again before retry_ms,
    then tried again and recorded ok with its second attempt."""
    tries: list[int] = []

    def flaky(shop_: Shop, period: str, now: int) -> dict[str, Any]:
        tries.append(now)
        if len(tries) == 1:
            raise RuntimeError("the payment system is down")
        return {"ok": True}

    r = runner(shop, Job("flaky", Monthly(), flaky, "each"), retry_ms=900_000)
    t = at(2026, 2, 1, 5)
    [failed] = r.tick(t)
    assert (failed.period, failed.status) == ("2026-01", "failed")
    run = shop.job_run("flaky", "2026-01")
    assert run is not None and run["status"] == "failed"
    assert "RuntimeError: the payment system is down" in run["error"]
    assert run["next_at"] >= t + 900_000
    assert r.tick(t + 600_000) == []  # still pausing
    [again] = r.tick(t + 901_000 + failed.ms)
    assert (again.status, again.attempt) == ("ok", 2)
    run = shop.job_run("flaky", "2026-01")
    assert run is not None and (run["status"], run["attempts"], run["error"]) == ("ok", 2, None)
    assert run["summary"] == {"ok": True}
    assert r.tick(t + 10 * 900_000) == [] and len(tries) == 2


def test_a_run_that_never_finished_is_taken_over_when_its_lease_ends(shop: Shop) -> None:
    """A runner that died mid-run (its lease taken, nothing recorded): no other runner touches
    the run while the lease lasts; after it, the run is tried again from the start, and the
    dead runner's late word is not recorded."""
    t = at(2026, 2, 1, 5)
    assert shop.claim_job_run("ladder", "2026-01", lease="dead", lease_ms=600_000, now=t) == 1
    r = runner(shop, JOBS["ladder"], lease_ms=600_000)
    assert r.tick(t + 599_000) == []
    [taken] = r.tick(t + 600_000)
    assert (taken.period, taken.status, taken.attempt) == ("2026-01", "ok", 2)
    assert not shop.finish_job_run(
        "ladder", "2026-01", lease="dead", ok=False, finished_at=t, ms=1, error="late"
    )
    run = shop.job_run("ladder", "2026-01")
    assert run is not None and (run["status"], run["attempts"]) == ("ok", 2)


def test_an_operator_runs_a_done_period_again_only_when_asked(shop: Shop) -> None:
    """`teamgraph jobs run` without --again leaves a done period alone; with it the
    (idempotent) ladder runs again and pays nothing more."""
    with_distributor(shop)
    sale(shop, "o1", 12_000, at(2026, 1, 5))
    r = runner(shop, JOBS["ladder"])
    t = at(2026, 2, 2)
    first = r.run(shop, "ladder", "2026-01", now=t)
    assert first is not None and first.summary == {
        "month": "2026-01", "bonuses": 1, "amount_fen": 500
    }  # fmt: skip
    assert r.run(shop, "ladder", "2026-01", now=t + 1) is None
    again = r.run(shop, "ladder", "2026-01", again=True, now=t + 2)
    assert again is not None and again.summary == {"month": "2026-01", "bonuses": 0,
                                                    "amount_fen": 0}  # fmt: skip
    assert bonuses(shop, t + 3) == [500]
    with pytest.raises(ValidationError) as refused:  # February is not over: nothing recorded
        r.run(shop, "ladder", "2026-02", now=t)
    assert refused.value.code == "job.not_due" and shop.job_run("ladder", "2026-02") is None
    with pytest.raises(ValidationError) as bad:
        r.run(shop, "ladder", "2026-13", now=t)
    assert bad.value.code == "job.period"


def test_the_fraud_scan_job_runs_the_circuit_breaker(shop: Shop) -> None:
    """The nightly scan is the scan with the shop's circuit breaker (F-6): its summary says
    how many rings it found and which it froze."""
    shop.update_settings({"ring_auto_hold_score": 40}, now=T0)
    [ran] = runner(shop, JOBS["fraud-scan"]).tick(at(2026, 1, 2, 4))
    assert ran.status == "ok" and ran.period == "2026-01-02", ran.error
    assert ran.summary == {"rings": 0, "flagged": 0, "auto_held": [], "auto_hold_score": 40}


def test_the_retention_job_pseudonymises_stale_signals_once_a_day(shop: Shop) -> None:
    """PD-4 as a job: a value unseen for signal_retention_days takes its pseudonym; the next
    night's pass finds nothing more."""
    shop.update_settings({"signal_retention_days": 30}, now=T0)
    shop.create_customer("c9", name="c9", now=T0)
    shop.bulk.add_signals("ip", [{"customer_id": "c9", "value": "117.136.1.2",
                                  "first_seen": T0, "last_seen": T0}])  # fmt: skip
    r = runner(shop, JOBS["signal-retention"])
    [first] = r.tick(at(2026, 3, 1, 4))
    assert first.status == "ok" and first.summary is not None, first.error
    assert (first.summary["pruned"], first.summary["retention_days"]) == (1, 30)
    assert shop.store.read("signals.stale", cutoff=at(2026, 3, 1), limit=10) == []
    [second] = r.tick(at(2026, 3, 2, 4))
    assert second.status == "ok" and second.summary is not None
    assert second.summary["pruned"] == 0


def test_runners_racing_to_take_over_an_abandoned_run_run_it_once(shop: Shop) -> None:
    """The same race on a run that exists: its runner died and its lease has ended, and eight
    runners see it free at once; the claim reads the run under the shop's lock, so only the
    first takes it over (on Neo4j a check before the lock would let several through)."""
    calls: list[str] = []
    lock = threading.Lock()

    def count(shop_: Shop, period: str, now: int) -> dict[str, Any]:
        with lock:
            calls.append(period)
        return {}

    counted = Job("counted", Monthly(), count, "each")
    t = at(2026, 2, 1, 4)
    assert shop.claim_job_run("counted", "2026-01", lease="dead", lease_ms=1_000, now=t) == 1
    runners = [runner(shop, counted, lease_ms=60_000) for _ in range(8)]
    start = threading.Barrier(len(runners))
    outcomes: list[Any] = []

    def race(r: Runner) -> None:
        start.wait()
        outcomes.extend(r.tick(t + 5_000))

    threads = [threading.Thread(target=race, args=(r,)) for r in runners]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert calls == ["2026-01"]
    assert [(o.period, o.attempt) for o in outcomes] == [("2026-01", 2)]


def test_tr_1_the_team_reward_runs_each_month_once_and_catches_up(shop: Shop) -> None:
    """TR-1 on the calendar: the monthly team reward is a scheduled job like the ladder; each
    missed month is caught up once, and a second pass pays nothing more."""
    shop.update_settings(
        {"team_reward": {"threshold_fen": 10_000, "kind": "points", "amount": 300}}, now=T0
    )
    with_distributor(shop)  # d1
    shop.create_customer("d2", name="d2", now=T0)
    shop.visit("d2", "d1", at=T0 + 2)
    shop.apply("d2", now=T0 + 3)  # d1 invited d2: d2 is d1's team
    shop.visit("c2", "d2", at=T0 + 4)
    when = at(2026, 2, 3)
    shop.record_order("o9", "c2", [{"product_id": "p", "paid_fen": 12_000}], paid_at=when,
                      now=when)  # fmt: skip
    shop.complete_order("o9", at=when, now=when)  # settles in February: d1's team sold 120 yuan
    r = runner(shop, JOBS["team-reward"], hour=3)
    assert [(o.job, o.period) for o in r.tick(at(2026, 1, 10))] == [("team-reward", "2025-12")]
    ran = r.tick(at(2026, 4, 10, 12))
    assert [(o.period, o.status) for o in ran] == [
        ("2026-01", "ok"), ("2026-02", "ok"), ("2026-03", "ok")
    ]  # fmt: skip
    assert [o.summary for o in ran][1] == {
        "month": "2026-02", "rewards": 1, "amount_fen": 0, "points": 300
    }  # fmt: skip
    assert r.tick(at(2026, 5, 1, 4)) != [] and r.tick(at(2026, 5, 1, 5)) == []
    team = [
        e for e in shop.ledger("d1", now=at(2026, 5, 2))["items"] if e["id"].startswith("team:")
    ]
    assert [(e["id"], e["amount"], e["unit"]) for e in team] == [("team:2026-02:d1", 300, "point")]
