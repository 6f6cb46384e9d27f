"""Crash durability: orders and refunds streamed at a real API while the engine and the API are
killed with ``kill -9`` at random moments (issue 14; docs/reliability.md "Soak and crashes").

``python -m benchmarks.soak [--kills 24] [--events 3000]`` (``make soak``); the suite runs a
short form (tests/test_soak.py). One run:

1. a shop with one level (no upgrades: an order's commission does not depend on which orders
   were stored before it), distributors and customers bound to them, set up over the API of a
   ``teamgraph serve`` that owns the embedded engine;
2. a plan of orders and partial refunds from a seed, split over sender threads by customer
   (a customer's events are sent in order, by one thread), each event sent until it is
   acknowledged (2xx): a 503 or a broken connection is sent again as it was (every event is
   idempotent on its id, docs/api.md);
3. meanwhile a killer ``kill -9``s the engine (the API restarts it) or the API (restarted on the
   same port; the engine, owned by it, dies with it and the new API starts it), and records how
   long each took until ``GET /v1/health`` answered 200 again;
4. then the same plan on a fresh data directory without kills, and the two compared: the same
   orders, each with the same refunded total, every distributor with the same balances, the
   ledger's balances equal to the sums of its entries (R-3.12), no entry id twice.

Exit 1 when anything differs, or when restarts grew slower across the run (the last quarter's
median over three times the first quarter's, plus a second).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
SHOP = "soak"
SETTINGS = {
    "tiers": 2,
    "levels": [{"level": 1, "name": "L1", "reward_bp": 1000, "inviter_reward_bp": 300}],
}
DISTRIBUTORS = 6
CUSTOMERS = 48
SENDERS = 4


@dataclass
class Event:
    path: str
    body: dict[str, Any]


@dataclass
class Plan:
    orders: dict[str, int] = field(default_factory=dict)  # id -> paid fen
    refunded: dict[str, int] = field(default_factory=dict)  # order id -> refunded fen
    lanes: list[list[Event]] = field(default_factory=list)

    @property
    def events(self) -> int:
        return sum(len(lane) for lane in self.lanes)


def plan(events: int, seed: int) -> Plan:
    """Orders and refunds per customer; a customer's events go to one sender, in order."""
    rng = random.Random(seed)
    p = Plan(lanes=[[] for _ in range(SENDERS)])
    open_orders: dict[int, list[str]] = {c: [] for c in range(CUSTOMERS)}
    for i in range(events):
        c = rng.randrange(CUSTOMERS)
        lane = p.lanes[c % SENDERS]
        refundable = [o for o in open_orders[c] if p.orders[o] > p.refunded[o]]
        if refundable and rng.random() < 0.3:
            oid = rng.choice(refundable)
            amount = rng.randint(1, p.orders[oid] - p.refunded[oid])
            p.refunded[oid] += amount
            lane.append(Event(f"/v1/orders/{oid}/refunds", {"id": f"r{i}", "amount_fen": amount}))
            continue
        oid, paid = f"o{i}", rng.randint(100, 50_000)
        p.orders[oid], p.refunded[oid] = paid, 0
        open_orders[c].append(oid)
        line = {"product_id": f"p{rng.randrange(5)}", "qty": 1, "paid_fen": paid}
        lane.append(Event("/v1/orders", {"id": oid, "customer_id": f"c{c}", "lines": [line]}))
    return p


def _env(data: Path) -> dict[str, str]:
    env = dict(os.environ, TEAMGRAPH_DATA=str(data))
    for name in ("NEO4J_URI", "NEO4J_USER", "NEO4J_PASSWORD", "FALKORDB_URL"):
        env.pop(name, None)
    return env


def _cli(data: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "teamgraph", *args],
        env=_env(data), cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"teamgraph {' '.join(args)}: {done.stderr[-2000:]}")
    return done.stdout.strip()


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Api:
    """``teamgraph serve`` on a fixed port, restartable."""

    def __init__(self, data: Path) -> None:
        self.data, self.port = data, _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = (data / "serve.log").open("ab")

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "teamgraph", "serve", "--port", str(self.port)],
            env=_env(self.data), cwd=ROOT, stdout=self.log, stderr=self.log,
        )  # fmt: skip

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()

    def wait_healthy(self, timeout: float = 120.0) -> float:
        """Seconds until ``GET /v1/health`` answers 200."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            try:
                if httpx.get(f"{self.url}/v1/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"the API did not answer within {timeout}s")


def _send(client: httpx.Client, event: Event, stop: threading.Event) -> tuple[int, int]:
    """Send ``event`` until it is acknowledged; (status, tries)."""
    tries = 0
    while not stop.is_set():
        tries += 1
        try:
            r = client.post(event.path, json=event.body)
        except httpx.TransportError:
            time.sleep(0.05)
            continue
        if r.status_code in (200, 201):
            return r.status_code, tries
        if r.status_code == 503 or _busy(r):  # send again as it was (docs/api.md "Errors")
            time.sleep(0.05)
            continue
        raise RuntimeError(f"{event.path} {event.body}: {r.status_code} {r.text}")
    raise RuntimeError("stopped before every event was acknowledged")


def _busy(r: httpx.Response) -> bool:
    """409 ``order.busy`` / ``refund.busy``: a concurrent write won a race; send again."""
    if r.status_code != 409:
        return False
    try:
        return str(r.json()["error"]["code"]).endswith(".busy")
    except (ValueError, KeyError, TypeError):
        return False


def _setup(api: Api, key: str) -> None:
    with httpx.Client(base_url=api.url, headers=_auth(key), timeout=30) as m:
        for d in range(DISTRIBUTORS):
            _ok(m.post("/v1/customers", json={"id": f"d{d}"}))
            if d:  # d0 invites the others: every order pays two tiers
                _ok(m.post("/v1/visits", json={"customer_id": f"d{d}", "distributor_id": "d0"}))
            _ok(m.post("/v1/distributors", json={"customer_id": f"d{d}"}))
        for c in range(CUSTOMERS):
            _ok(m.post("/v1/customers", json={"id": f"c{c}"}))
            body = {"customer_id": f"c{c}", "distributor_id": f"d{c % DISTRIBUTORS}"}
            _ok(m.post("/v1/visits", json=body))


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _ok(r: httpx.Response) -> None:
    if r.status_code >= 300:
        raise RuntimeError(f"{r.request.url}: {r.status_code} {r.text}")


@dataclass
class Outcome:
    orders: dict[str, int]  # order id -> refunded fen as stored
    balances: dict[str, dict[str, int]]
    problems: list[str]


def _read_back(api: Api, key: str, p: Plan) -> Outcome:
    problems: list[str] = []
    orders: dict[str, int] = {}
    balances: dict[str, dict[str, int]] = {}
    with httpx.Client(base_url=api.url, headers=_auth(key), timeout=60) as m:
        for oid in p.orders:
            r = m.get(f"/v1/orders/{oid}")
            if r.status_code != 200:
                problems.append(f"order {oid}: {r.status_code}")
                continue
            orders[oid] = r.json()["refunded_fen"]
        for d in range(DISTRIBUTORS):
            items: list[dict[str, Any]] = []
            cursor: str | None = None
            while True:
                params: dict[str, Any] = {"limit": 200}
                if cursor:
                    params["cursor"] = cursor
                book = m.get(f"/v1/distributors/d{d}/ledger", params=params).json()
                items += book["items"]
                cursor = book.get("next_cursor")
                if not cursor:
                    break
            b = book["balances"]
            balances[f"d{d}"] = b
            twice = [i for i, n in Counter(e["id"] for e in items).items() if n > 1]
            if twice:
                problems.append(f"d{d}: ledger entries stored twice: {twice[:5]}")
            fen = [e for e in items if e["unit"] == "fen" and e["status"] != "rejected"]
            earned = sum(e["amount"] for e in fen if e["kind"] != "withdrawal")
            held = b["pending"] + b["held"] + b["settled"] + b["requested"] + b["withdrawn"]
            if held != earned:
                problems.append(f"d{d}: balances hold {held} fen, the entries {earned} (R-3.12)")
    return Outcome(orders, balances, problems)


def _stream(
    data: Path, p: Plan, kills: int, seed: int, say: Any
) -> tuple[Outcome, list[dict[str, Any]], int]:
    """One run; (outcome, the kills with their restart times, events resent)."""
    data.mkdir(parents=True, exist_ok=True)
    _cli(data, "shop", "create", SHOP)
    key = _cli(data, "key", "create", "--shop", SHOP, "--role", "merchant")
    api = Api(data)
    api.start()
    record: list[dict[str, Any]] = []
    resent = 0
    try:
        api.wait_healthy()
        with httpx.Client(base_url=api.url, headers=_auth(key), timeout=30) as m:
            _ok(m.put("/v1/settings", json=SETTINGS))
        _setup(api, key)
        stop = threading.Event()
        errors: list[BaseException] = []
        tries = Counter[int]()
        acked = threading.Semaphore(0)  # one release per acknowledged event

        def sender(lane: list[Event]) -> None:
            try:
                with httpx.Client(base_url=api.url, headers=_auth(key), timeout=60) as c:
                    for event in lane:
                        tries[_send(c, event, stop)[1]] += 1
                        acked.release()
            except BaseException as exc:  # reported below, the run fails
                errors.append(exc)
                stop.set()

        threads = [threading.Thread(target=sender, args=(lane,)) for lane in p.lanes]
        for t in threads:
            t.start()
        rng = random.Random(seed + 1)
        # the kills are spread over the stream by progress, not by the clock, so that every
        # kill lands mid-stream however fast the machine is; the senders never wait for them
        done = 0
        for n in range(kills):
            due = round(p.events * (n + rng.uniform(0.5, 1.0)) / (kills + 1))
            while done < due and not stop.is_set():
                if acked.acquire(timeout=0.1):
                    done += 1
                elif all(not t.is_alive() for t in threads):
                    break
            if stop.is_set() or done < due:
                break
            target = "engine" if n % 2 == 0 else "api"
            if target == "engine":
                pid = json.loads((data / "engine.json").read_text())["pid"]
                os.kill(pid, signal.SIGKILL)
            else:
                api.kill()
                api.start()
            took = api.wait_healthy()
            record.append({"kill": n + 1, "target": target, "restart_s": round(took, 3)})
            say(f"  kill {n + 1}/{kills}: {target}, serving again after {took:.2f} s")
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(f"a sender failed: {errors[0]}")
        resent = sum((n - 1) * k for n, k in tries.items())
        outcome = _read_back(api, key, p)
    finally:
        api.stop()
    return outcome, record, resent


def run(
    base: Path, *, kills: int = 24, events: int = 3_000, seed: int = 7, say: Any = print
) -> dict[str, Any]:
    """A run with kills and one without; the figures, and ``problems`` (empty when it held)."""
    p = plan(events, seed)
    say(f"soak: {p.events} events ({len(p.orders)} orders), {kills} kills, seed {seed}")
    t0 = time.monotonic()
    killed, record, resent = _stream(base / "killed", p, kills, seed, say)
    killed_s = time.monotonic() - t0
    say("  the same events without kills ...")
    calm, _, _ = _stream(base / "calm", p, 0, seed, say)
    problems = killed.problems + [f"without kills: {x}" for x in calm.problems]
    for oid, paid in p.orders.items():
        want = p.refunded[oid]
        if killed.orders.get(oid) != want:
            problems.append(
                f"order {oid} (paid {paid}): refunded {killed.orders.get(oid)}, sent {want}"
            )
    if killed.balances != calm.balances:
        problems.append(
            f"balances differ from the run without kills: {killed.balances} vs {calm.balances}"
        )
    times = [r["restart_s"] for r in record]
    quarter = max(1, len(times) // 4)
    growth = None
    if len(times) >= 8:
        first, last = statistics.median(times[:quarter]), statistics.median(times[-quarter:])
        growth = round(last / first, 2) if first else None
        if last > 3 * first + 1.0:
            problems.append(f"restarts grew slower: median {first:.2f} s first, {last:.2f} s last")
    result = {
        "events": p.events,
        "orders": len(p.orders),
        "kills": len(record),
        "engine_kills": sum(r["target"] == "engine" for r in record),
        "api_kills": sum(r["target"] == "api" for r in record),
        "events_resent": resent,
        "restart_s_median": round(statistics.median(times), 3) if times else None,
        "restart_s_max": max(times) if times else None,
        "restart_growth_last_vs_first_quarter": growth,
        "seconds_with_kills": round(killed_s, 1),
        "restarts": record,
        "problems": problems,
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--kills", type=int, default=24)
    parser.add_argument("--events", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "soak.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="teamgraph-soak-") as tmp:
        result = run(Path(tmp), kills=args.kills, events=args.events, seed=args.seed)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "restarts"}, indent=2))
    if result["problems"]:
        print("FAILED:", *result["problems"][:20], sep="\n  ", file=sys.stderr)
        return 1
    print(f"held: {result['kills']} kills, every acknowledged event stored once ({args.out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
