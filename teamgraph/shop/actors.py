"""Who made a decision (issue 16): the actor an audit ``Change`` records, a key or the program.

Every decision the shop writes (a settings change, an approval, a freeze, a withdrawal's review,
a key's creation…) takes an :class:`Actor` and writes its ``Change`` in the same statement:
``actor.params()`` are that statement's ``actor`` and ``actor_key`` parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True)
class Actor:
    """Who made a decision, as a ``Change`` records it: ``actor_key`` is the public id of the
    key that asked (None for the program itself: an automatic approval, the risk engine's
    hold, the catch-up), ``actor`` a name to show (the key's name, else its role; for the
    program a fixed word such as ``auto`` or ``risk-engine``)."""

    key_id: str | None
    name: str

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(None, name)

    def params(self) -> dict[str, str | None]:
        """The statement parameters a ``Change`` takes its actor from."""
        return {"actor": self.name, "actor_key": self.key_id}


PROGRAM: Final = Actor.system("program")
"""The actor of a decision no caller named (tests, scripts calling a Shop directly)."""
