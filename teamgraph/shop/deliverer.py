"""The deliverer: sends the outbox's events to the webhook endpoints (issue 16;
docs/integration.md "Webhooks"; endpoints and deliveries in :mod:`teamgraph.shop.webhooks`).

Every ``teamgraph serve`` process runs one on a thread of its own (started in the API's
lifespan, stopped at shutdown), for every shop of its engine; ``teamgraph webhooks deliver``
runs one in the foreground. Nothing of it is in a request's path: a change writes its ``Event``
in its own statement and returns; the deliverer finds it later.

One pass, per shop that has endpoints:

1. dispatch: events without deliveries yet become one ``pending`` delivery per subscribed
   endpoint (each event once, under its lock, whichever process does it);
2. send: of each (endpoint, key) only the first pending delivery by (event time, event id) is
   due — a distributor's next event waits until the previous one is delivered or given up —
   and each is sent by whoever takes its lease first (a compare-and-set under the delivery's
   lock; a lease outlives the HTTP timeout, so a process killed mid-send leaves a lease that
   ends, and the delivery is sent again: at least once, duplicates only of the same event id);
3. record: a 2xx answer delivers; anything else (another status, a timeout, a refused
   connection) schedules the next try after ``first_retry_ms`` doubling up to
   ``max_retry_ms``, until ``give_up_ms`` after the first try, when the delivery fails and its
   endpoint is marked ``failing``.

Each body is ``{"id", "type", "timestamp", "data": {"object", "id", ...snapshot}}``, signed
as Standard Webhooks says (``webhook-id`` = the event id, ``webhook-timestamp``,
``webhook-signature``) with the ``standardwebhooks`` package. Redirects are not followed.

A pass that finds the engine down (a 503 period, an embedded engine restarting) logs it and
the thread waits and tries again; nothing ends it but :meth:`Deliverer.stop`.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import httpx
from standardwebhooks import Webhook

from teamgraph import __version__, logs
from teamgraph.clock import now_ms
from teamgraph.config import Settings
from teamgraph.errors import TeamgraphError
from teamgraph.graph import Engine
from teamgraph.shop import Shop
from teamgraph.shop.webhooks import Claimed

log = logs.get(__name__)

LOOKBACK_MS: Final = 5 * 60_000
"""How far before the latest event it dispatched a deliverer looks again for events not yet
dispatched: an event's ``at`` is taken before its statement runs, so one may commit after a
later one; none commits this much later."""
IDLE_RECHECK_S: Final = 5.0
"""How long a deliverer leaves a shop without endpoints alone before it looks again (one read
per shop and pass otherwise); an endpoint made meanwhile still gets every event from its
creation on, a few seconds later."""
BATCH: Final = 500
"""Events dispatched per statement."""
ENVELOPE: Final = frozenset({"id", "type", "at", "key", "object", "object_id"})
HIDDEN: Final = frozenset({"shop", "dispatched_at", "_lock"})
"""Properties of an ``Event`` node that are not its snapshot."""
MAX_ERROR: Final = 500


@dataclass(frozen=True)
class Schedule:
    """When and how deliveries are tried (process settings ``TEAMGRAPH_WEBHOOKS_*``)."""

    first_retry_ms: int = 5_000
    max_retry_ms: int = 3_600_000
    give_up_ms: int = 3 * 24 * 3_600_000
    timeout_s: float = 10.0
    lease_ms: int = 60_000
    poll_s: float = 1.0
    workers: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> Schedule:
        return cls(
            first_retry_ms=settings.webhooks_first_retry_ms,
            max_retry_ms=settings.webhooks_max_retry_ms,
            give_up_ms=settings.webhooks_give_up_ms,
            timeout_s=settings.webhooks_timeout_s,
            lease_ms=settings.webhooks_lease_ms,
            poll_s=settings.webhooks_poll_s,
            workers=settings.webhooks_workers,
        )

    def retry_in(self, tries: int) -> int:
        """How long after its ``tries``-th failed try (1, 2, ...) a delivery is tried again."""
        return int(min(self.first_retry_ms * 2 ** min(tries - 1, 40), self.max_retry_ms))


def body(event: dict[str, Any]) -> str:
    """The JSON body of an event (docs/integration.md "The body")."""
    snapshot = {k: v for k, v in event.items() if k not in ENVELOPE | HIDDEN}
    at = datetime.fromtimestamp(int(event["at"]) / 1000, tz=UTC)
    payload = {
        "id": event["id"],
        "type": event["type"],
        "timestamp": at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "data": {"object": event.get("object"), "id": event.get("object_id"), **snapshot},
    }
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=False)


def signed_headers(secret: str, event_id: str, text: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt."""
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, text),
        "content-type": "application/json",
        "user-agent": f"teamgraph-webhooks/{__version__}",
    }


class Deliverer:
    """Delivers every shop's events of ``engine``; :meth:`run_once` is one pass, :meth:`start`
    runs passes on a thread until :meth:`stop`."""

    def __init__(
        self,
        engine: Engine,
        schedule: Schedule | None = None,
        *,
        shops: Callable[[], list[str]] | None = None,
    ) -> None:
        self.engine = engine
        self.schedule = schedule or Schedule()
        self._shops = shops or engine.shops
        self._seen: dict[str, int] = {}  # shop -> latest event time this process dispatched
        self._idle: dict[str, float] = {}  # shop without endpoints -> when to look again
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._client = httpx.Client(
            timeout=self.schedule.timeout_s, follow_redirects=False, trust_env=False
        )
        self._pool = ThreadPoolExecutor(self.schedule.workers, thread_name_prefix="tg-webhook")

    # -- the thread --------------------------------------------------------------------------
    def start(self) -> Deliverer:
        self._thread = threading.Thread(target=self._run, name="tg-deliverer", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout if timeout is not None else self.schedule.timeout_s + 5)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()

    def _run(self) -> None:
        log.info("webhooks.deliverer_started")
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except TeamgraphError as exc:  # the engine down (a 503 period): wait, then go on
                log.warning("webhooks.pass_failed", code=exc.code, error=exc.message)
                busy = 0
            except Exception:  # anything else: said in the log, and the thread goes on
                log.exception("webhooks.pass_failed")
                busy = 0
            if not busy:
                self._stop.wait(self.schedule.poll_s)

    # -- one pass ----------------------------------------------------------------------------
    def run_once(self) -> int:
        """One pass over every shop; how many attempts it made."""
        sent = 0
        for shop_id in self._shops():
            if self._stop.is_set():
                break
            if self._idle.get(shop_id, 0.0) > time.monotonic():
                continue
            try:
                sent += self.run_shop(Shop(self.engine.open(shop_id)))
            except TeamgraphError as exc:  # 503 period, a shop dropped meanwhile
                log.warning("webhooks.shop_failed", shop=shop_id, code=exc.code, error=exc.message)
        return sent

    def run_shop(self, shop: Shop) -> int:
        """Dispatch a shop's new events, then send what is due; how many attempts it made."""
        endpoints, oldest = shop.webhook_outlook()
        if not endpoints or oldest is None:
            self._seen.pop(shop.id, None)
            self._idle[shop.id] = time.monotonic() + IDLE_RECHECK_S
            return 0
        self._idle.pop(shop.id, None)
        since = max(int(oldest), self._seen.get(shop.id, 0)) - LOOKBACK_MS
        while not self._stop.is_set():
            times = shop.dispatch_events(since=since, limit=BATCH)
            if times:
                self._seen[shop.id] = max(self._seen.get(shop.id, 0), *times)
            if len(times) < BATCH:
                break
        due = shop.due_deliveries()
        if not due:
            return 0
        done = list(self._pool.map(lambda d: self._deliver(shop, d), due))
        return sum(done)

    def _deliver(self, shop: Shop, delivery: str) -> int:
        """Claim one delivery, send it, record the outcome; 1 if it was sent."""
        if self._stop.is_set():
            return 0
        s = self.schedule
        claimed = shop.claim_delivery(delivery, lease=uuid.uuid4().hex, lease_ms=s.lease_ms)
        if claimed is None:
            return 0
        code, error, ms = self.send(claimed)
        now = now_ms()
        if code is not None and 200 <= code < 300:
            outcome, next_at = "delivered", None
        else:
            next_at = now + s.retry_in(claimed.tries + 1)
            outcome = "failed" if next_at > claimed.since + s.give_up_ms else "pending"
            log.info(
                "webhooks.attempt_failed", shop=shop.id, endpoint=claimed.endpoint_id,
                event_id=claimed.event_id, status=code, error=error, outcome=outcome,
            )  # fmt: skip
        shop.record_attempt(
            claimed.id, outcome=outcome, next_at=next_at if outcome == "pending" else None,
            status_code=code, error=error, ms=ms, now=now,
        )  # fmt: skip
        return 1

    def send(self, claimed: Claimed) -> tuple[int | None, str | None, int]:
        """One HTTP attempt: (status code or None, error or None, milliseconds)."""
        started = time.monotonic()
        try:
            text = body(claimed.event)
            headers = signed_headers(claimed.secret, claimed.event_id, text, datetime.now(tz=UTC))
            answer = self._client.post(claimed.url, content=text.encode(), headers=headers)
            code: int | None = answer.status_code
            error = None if 200 <= answer.status_code < 300 else _excerpt(answer)
        except httpx.HTTPError as exc:
            code, error = None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        except Exception as exc:  # a body that cannot be made: recorded, retried, given up
            code, error = None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR]
        return code, error, int((time.monotonic() - started) * 1000)


def _excerpt(answer: httpx.Response) -> str:
    """What a refusal said: its status and the start of its body."""
    return f"HTTP {answer.status_code}: {answer.text}"[:MAX_ERROR].rstrip(": ")
