"""Webhook endpoints of a shop and the bookkeeping of their deliveries (issue 16;
docs/integration.md "Webhooks"). The sending itself is :mod:`teamgraph.shop.deliverer`.

An endpoint is a ``(:Webhook)`` node: a URL, the event types it subscribes to (or ``*``), a
description, ``enabled``, and a signing secret in the Standard Webhooks form ``whsec_<base64>``.
The secret is stored as it is in the shop's graph, because signing needs it (a hash could not
sign): only the deliverer's claim statement reads it back, and the API answers it once, when it
is made (create, rotate). Every change of an endpoint writes its audit ``Change`` (object
``webhook``) in the same statement.

W-1 URLs are ``http`` or ``https`` with a host (``webhook.url`` otherwise). Addresses of this
machine or a private network (``localhost``, loopback, private, link-local, unspecified IP
literals) are refused with ``webhook.url_private`` unless the process allows them (setting
``TEAMGRAPH_WEBHOOKS_PRIVATE_URLS``; the tests' receivers listen on loopback). Names are not
resolved: a public name that resolves to a private address is not caught here.

W-2 An endpoint receives the events that happen while it exists and is enabled (``created_at``
at or before the event's ``at``), of the types it subscribes to at the moment the deliverer
dispatches the event. Older events reach it by resend.

W-3 A delivery is one event to one endpoint: ``pending`` until a 2xx answer (``delivered``)
or until the deliverer gives up after the schedule's window (``failed``; the endpoint is then
``failing`` until one of its deliveries arrives), or ``cancelled`` when its endpoint is deleted.
A disabled endpoint keeps its pending deliveries unsent until it is enabled again. A resend
moves a delivery back to ``pending`` with a fresh schedule: a new attempt of the same event id.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import secrets
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from teamgraph.errors import Conflict, NotFound, ValidationError
from teamgraph.shop.base import ShopBase
from teamgraph.shop.events import EVENT_TYPES
from teamgraph.shop.keys import Actor

SECRET_PREFIX: Final = "whsec_"
ALL_EVENTS: Final = "*"
MAX_URL_LENGTH: Final = 2048
MAX_DESCRIPTION: Final = 500
DELIVERY_STATUSES: Final = ("pending", "delivered", "failed", "cancelled")
_END = 2**62
"""A time after every event (the first page of a list that runs backwards in time)."""
_RETRIES: Final = 5
"""How often an endpoint change is tried again when another change came between."""


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes them: ``whsec_`` and 24 random bytes in
    base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def check_url(url: str, *, allow_private: bool) -> str:
    """W-1: the endpoint URL, or 422 ``webhook.url`` / ``webhook.url_private``."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises here
    except ValueError:
        host = None
    if (
        len(url) > MAX_URL_LENGTH
        or parts.scheme not in ("http", "https")
        or not host
        or any(c.isspace() for c in url)
    ):
        raise ValidationError(
            "webhook.url", "the URL is http:// or https:// with a host", field="url"
        )
    if not allow_private and _private(host):
        raise ValidationError(
            "webhook.url_private",
            "the URL names this machine or a private network; allowed only where the server "
            "sets TEAMGRAPH_WEBHOOKS_PRIVATE_URLS",
            field="url",
        )
    return url


def _private(host: str) -> bool:
    if host.lower() == "localhost" or host.lower().endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_unspecified


def check_events(events: Sequence[str]) -> list[str]:
    """The subscribed types, deduplicated in order: known types (:data:`EVENT_TYPES`) or
    ``["*"]`` alone; 422 ``webhook.events`` otherwise."""
    found = list(dict.fromkeys(events))
    unknown = [e for e in found if e not in EVENT_TYPES and e != ALL_EVENTS]
    if not found or unknown or (ALL_EVENTS in found and len(found) > 1):
        detail = f"unknown: {', '.join(unknown)}; " if unknown else ""
        raise ValidationError(
            "webhook.events",
            f'{detail}subscribe to event types of the catalogue, or ["*"] for all',
            field="events",
        )
    return found


def _description(text: str | None) -> str:
    text = (text or "").strip()
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError(
            "webhook.description",
            f"a description has at most {MAX_DESCRIPTION} characters",
            field="description",
        )
    return text


_SHOWN = ("url", "events", "description", "enabled")
"""What the audit log records of an endpoint (never its secret)."""


def _audit(row: Mapping[str, Any]) -> str:
    return json.dumps({k: row[k] for k in _SHOWN}, ensure_ascii=False, sort_keys=True)


@dataclass(frozen=True)
class Claimed:
    """A delivery this process holds the lease of: what to send where, and its schedule."""

    id: str
    endpoint_id: str
    event_id: str
    url: str
    secret: str
    attempts: int
    tries: int
    since: int
    event: dict[str, Any]


class Webhooks(ShopBase):
    """Part of Shop: its webhook endpoints and their deliveries."""

    # -- endpoints ---------------------------------------------------------------------------
    def create_webhook(
        self,
        url: str,
        events: Sequence[str],
        *,
        actor: Actor,
        description: str | None = None,
        allow_private: bool = False,
        now: int | None = None,
    ) -> dict[str, Any]:
        """A new endpoint, enabled; the answer carries its ``secret``, which no later answer
        shows again."""
        values = {
            "url": check_url(url, allow_private=allow_private),
            "events": check_events(events),
            "description": _description(description),
            "enabled": True,
        }
        secret = new_secret()
        row = self.store.write(
            "webhook.create",
            id=f"wh_{uuid.uuid4().hex[:20]}",
            secret=secret,
            now=self._now(now),
            change_id=uuid.uuid4().hex,
            reason=None,
            after=_audit(values),
            **values,
            **actor.params(),
        )[0]
        return {**_endpoint(row), "secret": secret}

    def webhooks(self) -> list[dict[str, Any]]:
        return [_endpoint(r) for r in self.store.read("webhook.list")]

    def webhook(self, webhook_id: str) -> dict[str, Any]:
        rows = self.store.read("webhook.get", id=webhook_id)
        if not rows:
            raise NotFound(
                "webhook.not_found",
                f"no webhook {webhook_id!r}",
                params={"id": webhook_id},
                field="webhook_id",
            )
        return _endpoint(rows[0])

    def update_webhook(
        self,
        webhook_id: str,
        *,
        actor: Actor,
        url: str | None = None,
        events: Sequence[str] | None = None,
        description: str | None = None,
        enabled: bool | None = None,
        allow_private: bool = False,
        now: int | None = None,
    ) -> dict[str, Any]:
        """Change what is given; the rest stays. Audited with before and after."""
        changes: dict[str, Any] = {}
        if url is not None:
            changes["url"] = check_url(url, allow_private=allow_private)
        if events is not None:
            changes["events"] = check_events(events)
        if description is not None:
            changes["description"] = _description(description)
        if enabled is not None:
            changes["enabled"] = enabled
        row, _ = self._change(webhook_id, changes, actor=actor, secret=None, now=now)
        return row

    def rotate_webhook_secret(
        self, webhook_id: str, *, actor: Actor, now: int | None = None
    ) -> dict[str, Any]:
        """A new secret at once (the old one stops signing); answered once, like at creation."""
        secret = new_secret()
        row, _ = self._change(
            webhook_id, {}, actor=actor, secret=secret, now=now, reason="secret rotated"
        )
        return {**row, "secret": secret}

    def _change(
        self,
        webhook_id: str,
        changes: Mapping[str, Any],
        *,
        actor: Actor,
        secret: str | None,
        now: int | None,
        reason: str | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        for _ in range(_RETRIES):
            before = self.webhook(webhook_id)
            after = {k: before[k] for k in _SHOWN} | dict(changes)
            rows = self.store.write(
                "webhook.update",
                id=webhook_id,
                version=before["version"],
                secret=secret,
                now=self._now(now),
                change_id=uuid.uuid4().hex,
                reason=reason,
                before=_audit(before),
                after=_audit(after),
                **after,
                **actor.params(),
            )
            if rows:
                return _endpoint(rows[0]), before
        raise Conflict("webhook.busy", "the endpoint is being changed by others; try again")

    def delete_webhook(self, webhook_id: str, *, actor: Actor, now: int | None = None) -> None:
        """The endpoint goes; its pending deliveries are cancelled (W-3)."""
        for _ in range(_RETRIES):
            before = self.webhook(webhook_id)
            rows = self.store.write(
                "webhook.delete",
                id=webhook_id,
                version=before["version"],
                now=self._now(now),
                change_id=uuid.uuid4().hex,
                reason=None,
                before=_audit(before),
                **actor.params(),
            )
            if rows:
                return
        raise Conflict("webhook.busy", "the endpoint is being changed by others; try again")

    # -- deliveries, as the API shows them ---------------------------------------------------
    def deliveries(
        self,
        webhook_id: str,
        *,
        status: str | None = None,
        event_type: str | None = None,
        limit: int = 50,
        after: tuple[int, str] | None = None,
    ) -> list[dict[str, Any]]:
        """An endpoint's deliveries, newest event first, after position ``after`` (the
        ``(event_at, event_id)`` of the last one of the previous page)."""
        self.webhook(webhook_id)
        before_at, before_id = after if after is not None else (_END, "")
        rows = self.store.read(
            "delivery.list",
            endpoint_id=webhook_id,
            status=status,
            event_type=event_type,
            before_at=before_at,
            before_id=before_id,
            limit=limit,
        )
        return [_delivery(r) for r in rows]

    def delivery(self, webhook_id: str, event_id: str) -> dict[str, Any]:
        """One delivery with every attempt."""
        self.webhook(webhook_id)
        did = delivery_id(webhook_id, event_id)
        rows = self.store.read("delivery.get", id=did)
        if not rows:
            raise NotFound(
                "delivery.not_found",
                f"no delivery of event {event_id!r}",
                params={"id": event_id},
                field="event_id",
            )
        attempts = [
            {**a, "status_code": a["status_code"] or None, "error": a["error"] or None}
            for a in self.store.read("delivery.attempts", id=did)
        ]
        return {**_delivery(rows[0]), "attempt_list": attempts}

    def resend(self, webhook_id: str, event_id: str, *, now: int | None = None) -> dict[str, Any]:
        """W-3: send the event to the endpoint again (a new attempt of the same event id), at
        once and with a fresh schedule; also an event the endpoint never had a delivery of."""
        self.webhook(webhook_id)
        rows = self.store.write(
            "delivery.resend",
            endpoint_id=webhook_id,
            event_id=event_id,
            id=delivery_id(webhook_id, event_id),
            now=self._now(now),
        )
        if not rows:
            raise NotFound(
                "event.not_found",
                f"no event {event_id!r}",
                params={"id": event_id},
                field="event_id",
            )
        return self.delivery(webhook_id, event_id)

    # -- the deliverer's statements ----------------------------------------------------------
    def webhook_outlook(self) -> tuple[int, int | None]:
        """How many endpoints the shop has, and when the oldest was made."""
        row = self.store.read("webhook.oldest")[0]
        return int(row["endpoints"]), row["created_at"]

    def dispatch_events(self, *, since: int, limit: int, now: int | None = None) -> list[int]:
        """Make the deliveries of up to ``limit`` events at or after ``since`` that have none
        yet (W-2); the times of the events dispatched."""
        found = self.store.read("delivery.undispatched", since=since, limit=limit)
        if not found:
            return []
        self.store.write("delivery.dispatch", ids=[r["id"] for r in found], now=self._now(now))
        return [int(r["at"]) for r in found]

    def due_deliveries(self, *, now: int | None = None) -> list[str]:
        """The deliveries to send now: of each (endpoint, key) only the first pending one by
        (event time, event id), and only when it is due, unleased and its endpoint enabled."""
        now = self._now(now)
        return [row["id"] for row in heads(self.store.read("delivery.pending"), now)]

    def claim_delivery(
        self, delivery: str, *, lease: str, lease_ms: int, now: int | None = None
    ) -> Claimed | None:
        """Take the lease of a due delivery (None: not due, or another deliverer holds it)."""
        now = self._now(now)
        rows = self.store.write(
            "delivery.claim", id=delivery, lease=lease, lease_until=now + lease_ms, now=now
        )
        if not rows:
            return None
        r = rows[0]
        return Claimed(
            r["id"], r["endpoint_id"], r["event_id"], r["url"], r["secret"],
            int(r["attempts"]), int(r["tries"] or 0), int(r["since"]), dict(r["event"]),
        )  # fmt: skip

    def record_attempt(
        self,
        delivery: str,
        *,
        outcome: str,
        next_at: int | None,
        status_code: int | None,
        error: str | None,
        ms: int,
        now: int | None = None,
    ) -> None:
        """Keep one attempt and move the delivery (W-3)."""
        now = self._now(now)
        self.store.write(
            "delivery.record",
            id=delivery,
            attempt_id=uuid.uuid4().hex,
            outcome=outcome,
            next_at=next_at if next_at is not None else now,
            status_code=status_code or 0,
            error=error or "",
            ms=ms,
            now=self._now(now),
        )


def _endpoint(row: Mapping[str, Any]) -> dict[str, Any]:
    return {**row, "failing_since": row["failing_since"] or None}


def _delivery(row: Mapping[str, Any]) -> dict[str, Any]:
    """A delivery as stored (0 and '' for none, the query file's note) as answered."""
    return {
        **row,
        "next_at": row["next_at"] if row["status"] == "pending" else None,
        "last_status_code": row["last_status_code"] or None,
        "last_error": row["last_error"] or None,
    }


def delivery_id(webhook_id: str, event_id: str) -> str:
    """A delivery is named by its endpoint and its event (event ids hold no ``:``)."""
    return f"{webhook_id}:{event_id}"


def heads(pending: Iterable[Mapping[str, Any]], now: int) -> list[Mapping[str, Any]]:
    """Of pending deliveries, the first of each (endpoint, key) by (event_at, event_id) —
    a key's later events wait for it, delivered or given up — kept when it may be sent now."""
    first: dict[tuple[str, str], Mapping[str, Any]] = {}
    for row in pending:
        slot = (row["endpoint_id"], row["key"])
        held = first.get(slot)
        if held is None or (row["event_at"], row["event_id"]) < (
            held["event_at"],
            held["event_id"],
        ):
            first[slot] = row
    return sorted(
        (
            row
            for row in first.values()
            if row["enabled"] and row["next_at"] <= now and (row["lease_until"] or 0) <= now
        ),
        key=lambda row: (row["next_at"], row["event_at"], row["event_id"]),
    )
