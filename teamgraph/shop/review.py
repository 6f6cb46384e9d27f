"""The analysts' verdicts on fraud rings (issue 18, "a review flow that makes the detector
better"), on top of :mod:`teamgraph.shop.risk`: a ring marked ``fraud`` or ``not_fraud``
(stored on the ring, audited), and the detector's precision over the reviewed rings.

Choices (docs/choices.md):

- F-20 A verdict is the record of a decision, as a freeze is: a later scan keeps a ring with a
  verdict as it was reviewed (score, kinds, members), never drops it when it is not found
  again, and a group found again overlapping it by at least half (Jaccard, F-1) is reported
  under its id. The verdict is independent of the ring's status: an open, frozen or released
  ring can be marked either way, and marking it freezes or releases nothing.
- F-21 Changing a verdict is allowed, each change audited (``ring.review``, ``before`` the
  verdict it replaces, ``after`` the new one, ``reason`` the note) with its ``ring.reviewed``
  webhook event; the same verdict again is a no-op (its note is not replaced) and answers the
  ring as it is. The circuit breaker (F-6) never freezes a ring an analyst marked
  ``not_fraud``.
- F-22 The evaluation (:func:`teamgraph.fraud.review.evaluate`) scores the stored rings as they
  are by default: a reviewed ring by the score it had when reviewed, the one the analyst saw.
  With ``scores="latest"`` it counts what the latest scan made of each ring instead (the score
  it gave the group found again under the ring's id, kept as ``last_score``; 0 for a ring it
  did not find), so a changed detector is measured against the verdicts already given.
"""

from __future__ import annotations

import uuid
from typing import Any

from teamgraph.errors import ValidationError
from teamgraph.fraud import review as fraud_review
from teamgraph.fraud.quality import FLAG_SCORE
from teamgraph.shop.actors import Actor
from teamgraph.shop.risk import Risk

VERDICTS = fraud_review.VERDICTS


def check_verdict(verdict: str) -> str:
    """``fraud`` or ``not_fraud`` (``not-fraud`` as the CLI spells it), else 422
    ``ring.verdict``."""
    value = verdict.replace("-", "_") if isinstance(verdict, str) else verdict
    if value not in VERDICTS:
        raise ValidationError(
            "ring.verdict",
            "verdict is fraud or not_fraud",
            field="verdict",
            params={"verdict": verdict},
        )
    return value


class Review(Risk):
    """Part of Shop: the verdicts on its fraud rings."""

    def review_ring(
        self,
        ring_id: str,
        verdict: str,
        *,
        actor: Actor,
        note: str | None = None,
        now: int | None = None,
    ) -> dict[str, Any]:
        """Mark the ring ``fraud`` or ``not_fraud`` (F-20, F-21): one statement writes the
        verdict, its audit Change and its ``ring.reviewed`` event; the same verdict again
        changes nothing. 404 ``ring.not_found``; answers the ring as it now is."""
        value = check_verdict(verdict)
        note = (note or "").strip() or None
        if note is not None and len(note) > 500:
            raise ValidationError("ring.note", "a note is at most 500 characters", field="note")
        now = self._now(now)
        self.ring(ring_id)  # 404 before anything is written
        self.store.write(
            "risk.review",
            id=ring_id,
            verdict=value,
            note=note,
            now=now,
            change_id=uuid.uuid4().hex,
            **actor.params(),
        )
        return self.ring(ring_id)

    def ring_evaluation(
        self, *, flag_score: int = FLAG_SCORE, scores: str = "reviewed"
    ) -> dict[str, Any]:
        """The detector's precision over the reviewed rings (F-22), overall, per kind and per
        score band, with the counts behind each figure (:func:`teamgraph.fraud.review.evaluate`):
        by the scores as reviewed, or (``scores="latest"``) by the latest scan's."""
        if isinstance(flag_score, bool) or not 0 <= flag_score <= 100:
            raise ValidationError("ring.flag_score", "flag_score is 0..100", field="flag_score")
        if scores not in fraud_review.SCORES:
            raise ValidationError("ring.scores", "scores is reviewed or latest", field="scores")
        return fraud_review.evaluate(
            self.store.read("risk.verdicts"), flag_score=flag_score, scores=scores
        )
