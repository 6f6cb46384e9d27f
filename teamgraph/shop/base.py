"""What ``Shop`` gives the parts mixed into it (``Commerce``, ``Analytics``, ``Risk``): its
store, its id, the clock and the catch-up of time-based effects. Declared once here so each
part type-checks on its own; ``Shop`` provides the real methods."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from teamgraph.graph import GraphStore
    from teamgraph.rules.settings import ProgramSettings


class ShopPart:
    """Base of the mixins; never used alone."""

    store: GraphStore
    id: str

    # provided by Shop
    def catch_up(self, now: int | None = None) -> ProgramSettings:
        raise NotImplementedError

    def _now(self, now: int | None) -> int:
        raise NotImplementedError
