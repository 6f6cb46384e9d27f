"""The shop's graph as the fraud detector reads it (:class:`GraphSource`), imported by
:meth:`teamgraph.shop.risk.Risk.scan` when a scan runs, with the detector and its libraries."""

from __future__ import annotations

from typing import Any

import pandas as pd

from teamgraph.fraud import projection
from teamgraph.graph import GraphStore


class GraphSource:
    """The shop's graph as the detector's :class:`~teamgraph.fraud.projection.Source`: the
    statements of ``queries/risk.cypher``, read as columns (no dict per row), the
    neighbourhood's ids in batches (F-7)."""

    def __init__(self, store: GraphStore, batch: int = 5000) -> None:
        self.store = store
        self.batch = batch

    def shared_signals(self, max_shared: int) -> pd.DataFrame:
        """One statement per kind of signal (``risk.shared_<kind>``), its columns joined."""
        cols: dict[str, list[Any]] = {"kind": []}
        for kind in projection.SIGNAL_LABELS.values():
            read = self.store.read_columns(f"risk.shared_{kind}", max_shared=max_shared)
            for name, values in read.items():
                cols.setdefault(name, []).extend(values)
            cols["kind"].extend([kind] * len(read.get("value", ())))
        return projection.shared_frame(cols)

    def distributors(self) -> pd.DataFrame:
        return projection.distributors_frame(self.store.read_columns("risk.distributors"))

    def distributor_bindings(self) -> pd.DataFrame:
        return projection.links_frame(self.store.read_columns("risk.distributor_bindings"))

    def flows(self) -> pd.DataFrame:
        return projection.flows_frame(self.store.read_columns("risk.flows"))

    def neighbourhood(self, ids: list[str]) -> projection.Neighbourhood:
        parts: dict[str, dict[str, list[Any]]] = {p: {} for p in projection.NEIGHBOURHOOD_PARTS}
        for start in range(0, len(ids), self.batch):
            chunk = ids[start : start + self.batch]
            for part, cols in parts.items():
                read = self.store.read_columns(f"risk.members_{part}", ids=chunk)
                for name, values in read.items():
                    cols.setdefault(name, []).extend(values)
        return projection.neighbourhood_frames(parts)
