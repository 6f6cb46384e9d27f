"""Signing a distributor in to the distributor center (docs/integration.md).

C-1 A merchant's backend, which knows who its member is, asks for a **link** for a distributor
(:meth:`Center.center_link`): ``<shop>.<secret>``, valid :data:`LINK_SECONDS` and for one use.
Only the SHA-256 of the secret is stored (the ``CenterLink`` node), as for API keys.

C-2 Opening the link (:meth:`Center.open_center_link`) uses it up and gives a **session**: a
distributor key (:mod:`teamgraph.shop.keys`) that ends after :data:`SESSION_SECONDS`, kept by
the browser in an HttpOnly cookie. It has exactly a distributor key's rights (its own profile,
team, ledger, withdrawals, nothing else), checked by the same code (``teamgraph.callers``).
Signing out ends it at once in this process, and in the others within K-1's second.

C-3 A link that is forged, unknown, used or expired is refused (:class:`AuthError`
``center.link_*``), and a concurrent second use of one link finds it used: the use is one
statement under the link's lock (docs/neo4j.md N-5).

C-4 A link for a customer who is not a distributor opens an **applicant's session** instead:
kept on the link itself (never an API key), it shows the shop's application conditions and
the customer's progress toward them (R-2.1) and lets the customer apply, nothing else. An
application approved at once turns it into a distributor's session (C-2).
"""

from __future__ import annotations

import base64
import secrets
import uuid
from typing import Final

from teamgraph.errors import AuthError, NotFound
from teamgraph.shop.actors import PROGRAM, Actor
from teamgraph.shop.keys import Keys, key_digest, split_key

LINK_SECONDS: Final = 300
"""How long a center link can be opened: the mall opens it right after asking for it."""
SESSION_SECONDS: Final = 7 * 24 * 3600
APPLICANT: Final = "a."
"""How an applicant's session secret starts (C-4): never taken for an API key's."""
"""How long a center session lasts before the mall must sign the distributor in again."""


class Center(Keys):
    """Part of Shop: the distributor center's links and sessions."""

    def center_link(self, distributor_id: str, *, now: int | None = None) -> tuple[str, int]:
        """A new single-use link token for ``distributor_id`` and when it expires (epoch ms)."""
        now = self._now(now)
        secret = secrets.token_urlsafe(24)
        expires_at = now + LINK_SECONDS * 1000
        rows = self.store.write(
            "center.link_create",
            id=key_digest(secret),
            distributor_id=distributor_id,
            now=now,
            expires_at=expires_at,
        )
        if not rows:
            raise NotFound(
                "customer.not_found",
                f"no customer {distributor_id}",
                params={"id": distributor_id},
                field="distributor_id",
            )
        return f"{self.id}.{secret}", expires_at

    def open_center_link(self, token: str, *, now: int | None = None) -> tuple[str, str, bool]:
        """Use up the link ``token``: (the session's secret, the member's id, whether it is a
        distributor's session — else an applicant's, C-4). C-3 on refusal."""
        now = self._now(now)
        shop, secret = split_key(token)
        if shop != self.id:
            raise AuthError("center.link_unknown", "this link is not one teamgraph gave")
        key = secrets.token_urlsafe(24)
        applicant = APPLICANT + secrets.token_urlsafe(24)
        rows = self.store.write(
            "center.link_redeem",
            id=key_digest(secret),
            key=key_digest(key),
            applicant=key_digest(applicant),
            now=now,
            key_expires_at=now + SESSION_SECONDS * 1000,
        )
        if rows:
            member, distributor = str(rows[0]["distributor_id"]), bool(rows[0]["distributor"])
            return f"{self.id}.{key if distributor else applicant}", member, distributor
        state = self.store.read("center.link_state", id=key_digest(secret))
        if not state:
            raise AuthError("center.link_unknown", "this link is not one teamgraph gave")
        if state[0]["used_at"] is not None:
            raise AuthError("center.link_used", "this link has been opened already")
        raise AuthError("center.link_expired", "this link has expired")

    def center_applicant(self, session: str, *, now: int | None = None) -> str:
        """The customer whose applicant's session (C-4) ``session`` is; AuthError otherwise."""
        shop, secret = split_key(session)
        if shop != self.id or not secret.startswith(APPLICANT):
            raise AuthError("auth.invalid_key", "not an applicant's session")
        rows = self.store.read("center.applicant", id=key_digest(secret), now=self._now(now))
        if not rows:
            raise AuthError("auth.invalid_key", "the session has ended")
        return str(rows[0]["customer_id"])

    def end_center_session(self, key: str, *, now: int | None = None) -> None:
        """Sign out: the session's key stops working (C-2)."""
        self.store.write("center.session_end", id=key_digest(split_key(key)[1]), now=self._now(now))
        self.forget(key)

    def set_poster_background(
        self, image: bytes | None, *, actor: Actor = PROGRAM, now: int | None = None
    ) -> None:
        """The shop's own share-poster background (C-5), as the API made it (a JPEG), or none
        (the poster's own gradient); audited as ``settings.poster``."""
        text = base64.b64encode(image).decode("ascii") if image is not None else None
        self.store.write(
            "center.poster_set",
            id=self.id,
            image=text,
            now=self._now(now),
            change_id=uuid.uuid4().hex,
            **actor.params(),
        )

    def poster_background(self) -> bytes | None:
        rows = self.store.read("center.poster_get", id=self.id)
        text = rows[0]["image"] if rows else None
        return base64.b64decode(text) if text else None
