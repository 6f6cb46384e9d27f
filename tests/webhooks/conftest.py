"""Webhook test pieces: a real receiver on loopback that verifies every signature, and the
outbox as the changes write it.

:func:`emit` writes an ``Event`` node exactly as the node contract says (docs/integration.md
"Webhooks"; ``(:Event {id, type, at, key, object, object_id, ...snapshot})``) with one plain
CREATE: the changes that write events in their own statements are tested where they are
written; here the deliverer is under test, so every test takes its events from this one
fixture, and switching the end-to-end tests to real changes (orders, withdrawals) is a change
here only.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from teamgraph.clock import now_ms
from teamgraph.graph import GraphStore
from teamgraph.graph.scope import SHOP_PARAM, scoped
from teamgraph.shop import Shop
from teamgraph.shop.deliverer import Schedule
from tests.conftest import free_port

FAST = Schedule(
    first_retry_ms=50, max_retry_ms=400, give_up_ms=600_000, timeout_s=2.0, lease_ms=5_000,
    poll_s=0.05, workers=4,
)  # fmt: skip
"""A schedule in milliseconds (the real one: 5 s doubling to 1 h, 3 days)."""
FAST_ENV = {
    "TEAMGRAPH_WEBHOOKS_FIRST_RETRY_MS": "50",
    "TEAMGRAPH_WEBHOOKS_MAX_RETRY_MS": "400",
    "TEAMGRAPH_WEBHOOKS_TIMEOUT_S": "2",
    "TEAMGRAPH_WEBHOOKS_LEASE_MS": "3000",
    "TEAMGRAPH_WEBHOOKS_POLL_S": "0.05",
    "TEAMGRAPH_WEBHOOKS_PRIVATE_URLS": "true",
}
"""The same schedule for a ``teamgraph serve`` process, which may register loopback URLs."""

_CREATE_EVENT = "CREATE (e:Event) SET e = $props"


def emit(
    shop: Shop,
    type_: str,
    key: str | None,
    object_: str,
    object_id: str,
    *,
    at: int | None = None,
    **snapshot: Any,
) -> str:
    """Events as the outbox holds them: one ``Event`` node, written with one CREATE (module
    doc); its id."""
    event_id = f"evt_{uuid.uuid4().hex}"
    props = {"id": event_id, "type": type_, "at": at if at is not None else now_ms(),
             "object": object_, "object_id": object_id, **snapshot}  # fmt: skip
    if key is not None:
        props["key"] = key
    _run(shop.store, _CREATE_EVENT, props)
    return event_id


def _run(store: GraphStore, text: str, props: dict[str, Any]) -> None:
    if store.engine == "neo4j":
        props = props | {SHOP_PARAM: store.shop}
        owner = store._owner  # type: ignore[attr-defined]
        params = {"props": props, SHOP_PARAM: store.shop}
        owner.driver.execute_query(scoped(text), params, database_=store.database)  # type: ignore[attr-defined]
    else:
        store._graph.query(text, {"props": props})  # type: ignore[attr-defined]


@dataclass
class Received:
    id: str
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Receiver:
    """An HTTP endpoint on loopback: verifies each request's signature with the endpoint's
    secret (``standardwebhooks.Webhook.verify``) and records what it accepted, in order.
    ``mode``: ``ok`` (204), ``fail`` (500, nothing recorded); :meth:`down` refuses
    connections until :meth:`up`. ``delay`` seconds before answering."""

    port: int = field(default_factory=free_port)
    secret: str | None = None
    mode: str = "ok"
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    requests: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                data = self.rfile.read(int(self.headers.get("content-length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status = receiver.take(data, headers)
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def take(self, data: bytes, headers: dict[str, str]) -> int:
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.requests += 1
            if self.mode != "ok":
                return 500
            try:
                assert self.secret is not None
                Webhook(self.secret).verify(data, headers)
            except WebhookVerificationError as exc:
                self.rejected.append(str(exc))
                return 400
            body = json.loads(data)
            self.received.append(Received(headers["webhook-id"], body, headers))
            return 204

    def ids(self) -> list[str]:
        with self._lock:
            return [r.id for r in self.received]

    def wait_for(self, ids: set[str], timeout: float = 90.0) -> None:
        """Until every id of ``ids`` arrived (a deadline, not a speed assertion)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ids <= set(self.ids()):
                return
            time.sleep(0.05)
        missing = ids - set(self.ids())
        raise AssertionError(f"{len(missing)} of {len(ids)} events never arrived")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    r.up()
    yield r
    r.down()


def until(check: Callable[[], Any], timeout: float = 60.0, what: str = "condition") -> Any:
    """Poll ``check`` until it answers something true (a deadline, not a speed assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def order_per_key(received: list[Received], only: set[str] | None = None) -> dict[str, list[str]]:
    """Each key's event ids in the order they first arrived (of ``only``, if given)."""
    out: dict[str, list[str]] = {}
    seen: set[str] = set()
    for r in received:
        if r.id in seen or (only is not None and r.id not in only):
            continue
        seen.add(r.id)
        out.setdefault(str(r.body["data"].get("distributor_id")), []).append(r.id)
    return out
