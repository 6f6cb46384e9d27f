"""One loader per import kind: parse the cells, check the rows against the rules and what is
stored, and write the good ones through the Shop (its events, or ``shop.bulk`` for batches).

Each loader takes a :class:`Job` and a frame of cells whose columns carry the field names of
``docs/import-formats.md`` (already renamed by ``--map``) and whose index is unique, and
returns an :class:`Outcome`: which rows were loaded (written or changed), which were already
stored as they are (unchanged), and why each other row was refused.

Choices written down here (the rules are in docs/rules.md; the formats in docs/import-formats.md):
- E-1 A row whose given cells all equal what is stored is ``unchanged`` and is not written; a
  row repeating an earlier row of the same file counts as unchanged too, while a row repeating
  an earlier row's key with other values is refused.
- E-2 Empty cells are "not given": they keep what is stored (customers, distributors,
  bindings, products) or take the default of a new record.
- E-3 ``via_distributor_id`` records how a customer joined (R-1.13); it makes no binding —
  bindings come from the bindings file, which is the history. It must name a member of the
  shop or of the same file: that member becomes a distributor with the distributors file,
  loaded after the customers.
- E-4 Bindings are history (R-1.12): a stored binding (customer, since) keeps its distributor;
  an open one may be ended or re-dated by the file, an ended one never changes. At most one
  binding per customer is open: a second open one is refused (the latest by ``since`` is kept
  when the file itself has several). An open binding whose ``expires_at`` has passed is loaded
  as ended by expiry, as ``catch_up`` would end it.
- E-5 Invitations are fixed (R-2.2): a distributor's stored inviter is never replaced, and an
  invitation that would close a cycle in the forest is refused.
- E-6 Orders and refunds are decided as ``Shop.record_order`` / ``complete_order`` / ``refund``
  in time order (payments and completions interleaved by their times), each as of its own time,
  so attribution, commission, levels and the ledger come out as live events would make them.
  By default in batches (:mod:`teamgraph.shop.history`, which writes down E-8 and E-9), with
  ``Job.bulk`` off one event at a time through those Shop methods. An order, completion or
  refund timed after the load started is refused. A stored order or refund with another body
  is refused (R-3.12).
- E-7 Phones (customers' and phone signals) are read as E.164 and kept as their keyed digest
  (``Shop.phone_digest``, P-1, P-2), as the API keeps them; a cell that is not a phone number
  refuses its row (``phone: phone.invalid: ...``).
- E-10 A customers load moves no team counter, so no recount follows it; new customers (absent
  by an id check just before) are CREATEd, faster than MERGE on FalkorDB, the unique id
  constraint refusing a duplicate (that batch fails whole; a re-run skips what exists).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from teamgraph.errors import TeamgraphError, ValidationError
from teamgraph.etl import values as v
from teamgraph.etl.progress import Bars
from teamgraph.rules import orders as rules_orders
from teamgraph.rules import share as rules_share
from teamgraph.shop import Shop, history
from teamgraph.shop.bulk import Member, SignalKind, Stored
from teamgraph.shop.orders import digest

Parser = Callable[[Any], Any]
SIGNAL_KINDS: tuple[SignalKind, ...] = ("device", "phone", "address", "account", "ip")
SIGNAL_LABELS = {"device": "Device", "phone": "Phone", "address": "Address",
                 "account": "Account", "ip": "IP"}  # fmt: skip


@dataclass
class Job:
    """One load: the shop, how to read money and naive times, when it started, and where its
    progress bars go. ``batch_size`` rows go in one statement."""

    shop: Shop
    money: v.Money = "fen"
    tz: str | None = None
    now: int = 0
    batch_size: int = 2_000
    bars: Bars = field(default_factory=lambda: Bars(False))
    bulk: bool = True

    def known(self, what: Member, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored ``customer``s or ``distributor``s, read as the ones
        that are not (a small answer when the references are good)."""
        wanted = set(ids)
        return wanted - self.shop.bulk.missing(what, wanted)

    def by_id(self, what: Stored, ids: Iterable[str]) -> dict[str, dict[str, Any]]:
        return {row["id"]: row for row in self.shop.bulk.stored(what, ids)}

    def write_many(
        self,
        write: Callable[[Sequence[dict[str, Any]]], int],
        rows: Sequence[dict[str, Any]],
        label: str,
    ) -> None:
        """``rows`` through ``write`` (a ``shop.bulk`` writer), ``batch_size`` at a time."""
        with self.bars.bar(label, len(rows)) as bar:
            for chunk in _chunks(rows, self.batch_size):
                write(chunk)
                bar.advance(len(chunk))


@dataclass
class Outcome:
    loaded: set[int] = field(default_factory=set)
    unchanged: set[int] = field(default_factory=set)
    rejected: dict[int, str] = field(default_factory=dict)

    def reject(self, idx: int, reason: str) -> None:
        self.loaded.discard(idx)
        self.unchanged.discard(idx)
        if idx in self.rejected:
            if reason not in self.rejected[idx]:
                self.rejected[idx] += f"; {reason}"
        else:
            self.rejected[idx] = reason


def _chunks(seq: Sequence[Any], n: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(seq), n):
        yield seq[i : i + n]


# -- parsing ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Spec:
    name: str
    parse: Callable[[Job], Parser]
    required: bool = False


def _text(job: Job) -> Parser:
    return v.text


def _ident(job: Job) -> Parser:
    return v.ident


MAX_CHANNEL_LENGTH = 64
"""A share channel's limit, the API's (``POST /v1/visits``)."""


def _channel_cell(cell: Any) -> str:
    """A share channel (``wechat_group``): an id's characters (I-1), 1–64 of them."""
    value = v.ident(cell)
    if len(value) > MAX_CHANNEL_LENGTH:
        raise v.CellError(f"a channel is at most {MAX_CHANNEL_LENGTH} characters")
    return value


def _channel(job: Job) -> Parser:
    return _channel_cell


def _phone(job: Job) -> Parser:
    """A phone cell as its stored digest (E-7); a CellError naming the code when it is not a
    phone number."""

    def parse(cell: Any) -> str:
        try:
            return job.shop.phone_digest(v.text(cell))
        except ValidationError as exc:
            raise v.CellError(f"{exc.code}: {exc.message}") from None

    return parse


def _money(job: Job) -> Parser:
    return lambda cell: v.money(cell, job.money)


def _time(job: Job) -> Parser:
    return lambda cell: v.instant(cell, job.tz)


def _of(fn: Parser) -> Callable[[Job], Parser]:
    return lambda job: fn


def _choice(*options: str) -> Callable[[Job], Parser]:
    def parse(cell: Any) -> str:
        value = v.text(cell).lower()
        if value not in options:
            raise v.CellError(f"{value!r} is not one of {', '.join(options)}")
        return value

    return lambda job: parse


def parse(
    job: Job, frame: pd.DataFrame, specs: Sequence[Spec], out: Outcome
) -> dict[int, dict[str, Any]]:
    """The parsed values of every row that reads cleanly (None = not given); the others are
    rejected with every problem found (``missing id``, ``paid_fen: not an integer``). A file
    without a required column is refused whole (``import.columns``): every row of it would be
    refused for the same reason, into a rejects file as large as the file.

    Values stay plain Python objects (pandas would turn a missing value into NaN)."""
    missing = [s.name for s in specs if s.required and s.name not in frame.columns]
    if missing and len(frame):
        raise ValidationError(
            "import.columns",
            f"the file has no column {', '.join(missing)} (its columns: "
            f"{', '.join(map(str, frame.columns)) or 'none'}); rename one with --map SRC=FIELD",
            field="file",
            params={"columns": ", ".join(missing)},
        )
    index = [int(i) for i in frame.index]
    records: dict[int, dict[str, Any]] = {i: {} for i in index}
    for spec in specs:
        if spec.name not in frame.columns:
            for i in index:
                records[i][spec.name] = None
                if spec.required:
                    out.reject(i, f"missing {spec.name}")
            continue
        fn = spec.parse(job)
        column = frame[spec.name]
        present = _present(column)
        fast = _iso_times(column) if spec.parse is _time else [None] * len(column)
        for i, cell, here, ready in zip(
            index, column.tolist(), present.tolist(), fast, strict=True
        ):
            value = None
            if not here:
                if spec.required:
                    out.reject(i, f"missing {spec.name}")
            elif ready is not None:
                value = ready
            else:
                try:
                    value = fn(cell)
                except v.CellError as exc:
                    out.reject(i, f"{spec.name}: {exc}")
            records[i][spec.name] = value
    return {i: r for i, r in records.items() if i not in out.rejected}


def _present(column: pd.Series) -> pd.Series:
    """Which cells are given (:func:`values.given`), without a Python call per cell where the
    column's type already tells: integers are all given, floats unless NaN."""
    kind = column.dtype.kind
    if kind in "iub":
        return pd.Series(True, index=column.index)
    if kind == "f":
        return column.notna()
    if kind == "O" or isinstance(column.dtype, pd.StringDtype):
        # given = not missing and, for text, not blank; .str leaves non-text cells NaN
        try:
            blank = column.str.strip().eq("").fillna(False).astype(bool)
        except AttributeError:  # no text cell at all
            blank = pd.Series(False, index=column.index)
        return column.notna() & ~blank
    return column.map(v.given).astype(bool)


_ISO_SECONDS = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2}"


def _iso_times(column: pd.Series) -> list[int | None]:
    """Epoch ms of the cells written exactly ``YYYY-MM-DDTHH:MM:SS+HH:MM`` (what exports and the
    generator write), parsed for the whole column at once; None for every other cell, which
    :func:`values.instant` then reads one by one (and refuses with its own reason)."""
    if not (column.dtype.kind == "O" or isinstance(column.dtype, pd.StringDtype)):
        return [None] * len(column)
    try:
        shaped = column.str.fullmatch(_ISO_SECONDS).fillna(False).astype(bool)
    except AttributeError:  # no text cell at all
        return [None] * len(column)
    out: list[int | None] = [None] * len(column)
    if not shaped.any():
        return out
    stamps = pd.to_datetime(column[shaped], format="%Y-%m-%dT%H:%M:%S%z", utc=True, errors="coerce")
    ticks = stamps.array.asi8  # in the unit pandas chose (seconds far from 1970)
    per_ms = {"s": 1 / 1000, "ms": 1, "us": 1000, "ns": 1_000_000}[stamps.dt.unit]
    ms = ticks * 1000 if per_ms < 1 else ticks // int(per_ms)
    bad = stamps.isna().to_numpy()
    for pos, value, nat in zip(np.flatnonzero(shaped.to_numpy()), ms.tolist(), bad, strict=True):
        if not nat and 0 <= value < v.MAX_EPOCH_MS:  # else (02-30, year 1) one by one
            out[pos] = value
    return out


def _first_per_key(
    rows: dict[int, dict[str, Any]], key: Callable[[dict[str, Any]], Any], out: Outcome, what: str
) -> tuple[dict[int, dict[str, Any]], dict[int, int]]:
    """E-1: the first row of each key; a later identical row is a repeat (returned as
    repeat -> first), a later different row is rejected."""
    first: dict[Any, int] = {}
    kept: dict[int, dict[str, Any]] = {}
    repeats: dict[int, int] = {}
    for idx, row in rows.items():
        k = key(row)
        if k not in first:
            first[k] = idx
            kept[idx] = row
        elif rows[first[k]] == row:
            repeats[idx] = first[k]
        else:
            out.reject(idx, f"{what} repeats row {first[k] + 1} with other values")
    return kept, repeats


def _settle_repeats(repeats: dict[int, int], out: Outcome) -> None:
    for idx, first in repeats.items():
        if first in out.rejected:
            out.reject(idx, f"repeats row {first + 1}, which is rejected")
        else:
            out.unchanged.add(idx)


# -- customers ----------------------------------------------------------------------------------
CUSTOMER = (
    Spec("id", _ident, True),
    Spec("name", _text),
    Spec("phone", _phone),  # the digest (E-7)
    Spec("phone_verified", _of(v.boolean)),
    Spec("joined_at", _time),
    Spec("via_distributor_id", _ident),
    Spec("groups", _of(v.items)),
)


def customers(job: Job, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    rows = parse(job, frame, CUSTOMER, out)
    rows, repeats = _first_per_key(rows, lambda r: r["id"], out, "id")
    vias = {r["via_distributor_id"] for r in rows.values() if r["via_distributor_id"]}
    known = job.shop.bulk.existing("customer", vias) | {r["id"] for r in rows.values()}
    for idx, r in list(rows.items()):
        via = r["via_distributor_id"]
        if via is not None and via == r["id"]:
            out.reject(idx, "R-1.8 binding.self: a customer cannot join through itself")
        elif via is not None and via not in known:
            out.reject(idx, f"unknown via_distributor_id {via}")
    exists = job.shop.bulk.existing("customer", (r["id"] for r in rows.values()))
    stored = job.by_id("members", exists)  # the stored ones only
    writes: list[dict[str, Any]] = []
    creates: list[dict[str, Any]] = []
    for idx, r in rows.items():
        if idx in out.rejected:
            continue
        record = {
            "id": r["id"],
            "name": r["name"],
            "phone_hash": r["phone"],
            "phone_verified": r["phone_verified"],
            "joined_at": r["joined_at"],
            "via": r["via_distributor_id"],
            "groups": r["groups"],
        }
        if _same(record, stored.get(r["id"])):
            out.unchanged.add(idx)
        else:
            out.loaded.add(idx)
            given = {k: x for k, x in record.items() if x is not None}  # E-2: not given
            (writes if r["id"] in exists else creates).append(given)
    job.write_many(job.shop.bulk.create_customers, creates, "customers (new)")
    job.write_many(job.shop.bulk.upsert_customers, writes, "customers")
    _settle_repeats(repeats, out)
    return out


def _same(record: dict[str, Any], stored: dict[str, Any] | None) -> bool:
    """E-1/E-2: every given value equals the stored one."""
    if stored is None:
        return False
    return all(value is None or stored.get(k) == value for k, value in record.items())


# -- distributors -------------------------------------------------------------------------------
DISTRIBUTOR = (
    Spec("id", _ident, True),
    Spec("status", _choice("active", "frozen")),
    Spec("level", _of(v.count)),
    Spec("became_at", _time),
    Spec("name", _text),
    Spec("joined_at", _time),
)


def distributors(job: Job, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    rows = parse(job, frame, DISTRIBUTOR, out)
    rows, repeats = _first_per_key(rows, lambda r: r["id"], out, "id")
    top = len(job.shop.settings(now=job.now).levels)
    stored = job.by_id("customers", (r["id"] for r in rows.values()))
    labelled, member_updates = [], []
    for idx, r in rows.items():
        if r["level"] is not None and r["level"] > top:
            out.reject(idx, f"level: R-4.1 level.unknown: the program has levels 1..{top}")
            continue
        s = stored.get(r["id"])
        member = {"id": r["id"], "name": r["name"], "joined_at": r["joined_at"]}
        is_distributor = s is not None and "Distributor" in (s["labels"] or [])
        current = (
            {"status": s["status"], "level": s["level"], "became_at": s["became_at"]}
            if s is not None and is_distributor
            else {"status": "active", "level": 1, "became_at": None}
        )
        wanted = {k: current[k] if r[k] is None else r[k] for k in current}
        member_same = s is not None and _same(member, s)
        if is_distributor and wanted == current and member_same:
            out.unchanged.add(idx)
            continue
        out.loaded.add(idx)
        if s is not None and not member_same:
            member_updates.append(member | {"phone_hash": None, "phone_verified": None,
                                            "via": None, "groups": None})  # fmt: skip
        if not is_distributor or wanted != current:
            code = s["code"] if s is not None and s["code"] else rules_share.share_code(r["id"])
            labelled.append(
                {
                    "id": r["id"],
                    "name": r["name"],
                    "joined_at": r["joined_at"] or r["became_at"],
                    "code": code,
                    **wanted,
                }
            )
    job.write_many(job.shop.bulk.upsert_customers, member_updates, "distributors (members)")
    with job.bars.bar("distributors", len(labelled)) as bar:
        for chunk in _chunks(labelled, job.batch_size):
            job.shop.bulk.load_distributors(chunk)
            bar.advance(len(chunk))
    _settle_repeats(repeats, out)
    return out


# -- invitations (R-2.2) ------------------------------------------------------------------------
INVITATION = (Spec("id", _ident, True), Spec("inviter_id", _ident, True), Spec("at", _time))


def invitations(job: Job, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    rows = parse(job, frame, INVITATION, out)
    ids = {r["id"] for r in rows.values()} | {r["inviter_id"] for r in rows.values()}
    known = job.shop.bulk.existing("distributor", ids)
    inviter: dict[str, str] = job.shop.bulk.inviters()
    stored = dict(inviter)
    seen: dict[str, tuple[int, str]] = {}
    writes = []
    for idx, r in rows.items():
        me, up = r["id"], r["inviter_id"]
        if me == up:
            out.reject(idx, f"R-2.2 distributor.cycle: {me} cannot invite itself")
            continue
        missing = [x for x in (me, up) if x not in known]
        if missing:
            field_ = "id" if missing[0] == me else "inviter_id"
            out.reject(idx, f"unknown {field_} {missing[0]} (not a distributor)")
            continue
        if me in seen:
            first, first_up = seen[me]
            if first_up != up:
                out.reject(idx, f"R-2.2 invitation.fixed: {me} is invited by {first_up} "
                                f"in row {first + 1}")  # fmt: skip
            elif first in out.rejected:
                out.reject(idx, f"repeats row {first + 1}, which is rejected")
            else:
                out.unchanged.add(idx)
            continue
        seen[me] = (idx, up)
        if me in stored:
            if stored[me] == up:
                out.unchanged.add(idx)
            else:
                out.reject(idx, f"R-2.2 invitation.fixed: {me} was invited by {stored[me]}")
            continue
        above, hops = up, 0
        while above in inviter and above != me and hops <= len(inviter):
            above, hops = inviter[above], hops + 1
        if above == me:
            out.reject(idx, f"R-2.2 distributor.cycle: {up} is in {me}'s team")
            continue
        inviter[me] = up
        out.loaded.add(idx)
        writes.append({"id": me, "inviter_id": up, "at": r["at"]})
    with job.bars.bar("invitations", len(writes)) as bar:
        for chunk in _chunks(writes, job.batch_size):
            job.shop.bulk.load_invitations(chunk)
            bar.advance(len(chunk))
    return out


# -- bindings (R-1.8, R-1.12) -------------------------------------------------------------------
BINDING = (
    Spec("customer_id", _ident, True),
    Spec("distributor_id", _ident, True),
    Spec("since", _time, True),
    Spec("expires_at", _time),
    Spec("ended_at", _time),
    Spec("end_reason", _text),
    Spec("source", _text),
    Spec("channel", _channel),
)
_BINDING_FIELDS = ("distributor_id", "expires_at", "ended_at", "end_reason", "source", "channel")


def bindings(job: Job, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    rows = parse(job, frame, BINDING, out)
    for idx, r in list(rows.items()):
        if r["customer_id"] == r["distributor_id"]:
            out.reject(idx, "R-1.8 binding.self: nobody can be bound to themselves")
        elif r["ended_at"] is not None and r["ended_at"] < r["since"]:
            out.reject(idx, "ended_at: before since")
        elif r["expires_at"] is not None and r["expires_at"] <= r["since"]:
            out.reject(idx, "expires_at: not after since")
        elif r["ended_at"] is None and r["expires_at"] is not None and r["expires_at"] <= job.now:
            r["ended_at"], r["end_reason"] = r["expires_at"], "expired"  # E-4
    rows = {i: r for i, r in rows.items() if i not in out.rejected}
    rows, repeats = _first_per_key(
        rows, lambda r: (r["customer_id"], r["since"]), out, "customer_id and since"
    )
    customers_known = job.known("customer", (r["customer_id"] for r in rows.values()))
    distributors_known = job.known("distributor", (r["distributor_id"] for r in rows.values()))
    for idx, r in rows.items():
        if r["customer_id"] not in customers_known:
            out.reject(idx, f"unknown customer_id {r['customer_id']}")
        elif r["distributor_id"] not in distributors_known:
            out.reject(idx, f"unknown distributor_id {r['distributor_id']} (not a distributor)")
    rows = {i: r for i, r in rows.items() if i not in out.rejected}
    history: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for b in job.shop.bulk.stored("bindings", {r["customer_id"] for r in rows.values()}):
        history[b["customer_id"]][b["since"]] = b
    by_customer: dict[str, list[int]] = defaultdict(list)
    for idx, r in rows.items():
        by_customer[r["customer_id"]].append(idx)
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for customer, idxs in by_customer.items():
        past = history.get(customer, {})
        accepted: list[int] = []
        for idx in idxs:
            r = rows[idx]
            s = past.get(r["since"])
            if s is None:  # a new binding: defaults for what is not given
                r["source"] = r["source"] or "import"
                if r["ended_at"] is not None and r["end_reason"] is None:
                    r["end_reason"] = "import"
                accepted.append(idx)
                continue
            for k in _BINDING_FIELDS:  # E-2: not given keeps what is stored
                if r[k] is None:
                    r[k] = s[k]
            if s["distributor_id"] != r["distributor_id"]:
                out.reject(idx, f"R-1.12 binding.history: {customer}'s binding since "
                                f"{r['since']} is to {s['distributor_id']}")  # fmt: skip
            elif all(s[k] == r[k] for k in _BINDING_FIELDS):
                out.unchanged.add(idx)
                accepted.append(idx)
            elif s["ended_at"] is not None:
                out.reject(idx, f"R-1.12 binding.ended: {customer}'s binding since {r['since']} "
                                f"ended at {s['ended_at']} and is history")  # fmt: skip
            else:
                accepted.append(idx)
        # at most one open binding per customer (E-4)
        in_file = {rows[i]["since"] for i in accepted}
        stored_open = [s for since, s in past.items() if s["ended_at"] is None]
        still_open = [s for s in stored_open if s["since"] not in in_file]
        open_rows = sorted(
            (i for i in accepted if rows[i]["ended_at"] is None), key=lambda i: rows[i]["since"]
        )
        if still_open:
            keep = None
            why = f"{customer} is bound to {still_open[0]['distributor_id']} since " \
                  f"{still_open[0]['since']}; end that binding first"  # fmt: skip
        else:
            keep = open_rows[-1] if open_rows else None
            why = f"{customer} has a later open binding" + (
                f" since {rows[keep]['since']}" if keep is not None else ""
            )
        for i in open_rows:
            if i != keep:
                out.reject(i, f"R-1.12 binding.open: {why}")
        for idx in accepted:
            if idx in out.rejected or idx in out.unchanged:
                continue
            r = rows[idx]
            record = {k: r[k] for k in ("customer_id", "since", *_BINDING_FIELDS)}
            out.loaded.add(idx)
            (changed if r["since"] in past else new).append(record)
    with job.bars.bar("bindings", len(new)) as bar:
        for chunk in _chunks(new, job.batch_size):
            job.shop.bulk.load_bindings(
                [{k: x for k, x in b.items() if x is not None} for b in chunk]
            )
            bar.advance(len(chunk))
    job.write_many(job.shop.bulk.update_bindings, changed, "bindings (ended)")
    _settle_repeats(repeats, out)
    return out


# -- products (R-3.3, R-3.5) --------------------------------------------------------------------
PRODUCT = (
    Spec("id", _ident, True),
    Spec("name", _text),
    Spec("price_fen", _money),
    Spec("cost_fen", _money),
    Spec("reward_bp", _of(v.basis_points)),
    Spec("reward_fen", _money),
)
_PRODUCT_FIELDS = ("name", "price_fen", "cost_fen", "reward_bp", "reward_fen")


def products(job: Job, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    rows = parse(job, frame, PRODUCT, out)
    rows, repeats = _first_per_key(rows, lambda r: r["id"], out, "id")
    stored = job.by_id("products", (r["id"] for r in rows.values()))
    with job.bars.bar("products", len(rows)) as bar:
        for idx, r in rows.items():
            bar.advance()
            s = stored.get(r["id"])
            base = {k: s[k] for k in _PRODUCT_FIELDS} if s else dict.fromkeys(_PRODUCT_FIELDS)
            if r["reward_bp"] is not None or r["reward_fen"] is not None:
                base["reward_bp"] = base["reward_fen"] = None  # a new reward replaces the old
            wanted = base | {k: r[k] for k in _PRODUCT_FIELDS if r[k] is not None}
            if s is not None and all(s[k] == wanted[k] for k in _PRODUCT_FIELDS):
                out.unchanged.add(idx)
                continue
            try:
                job.shop.upsert_product(
                    r["id"],
                    name=wanted["name"],
                    price_fen=wanted["price_fen"] or 0,
                    cost_fen=wanted["cost_fen"],
                    reward_bp=wanted["reward_bp"],
                    reward_fen=wanted["reward_fen"],
                    now=job.now,
                )
            except TeamgraphError as exc:
                out.reject(idx, exc.reason())
                continue
            out.loaded.add(idx)
    _settle_repeats(repeats, out)
    return out


# -- orders (R-3.x through Shop.record_order) ---------------------------------------------------
ORDER = (
    Spec("id", _ident, True),
    Spec("customer_id", _ident, True),
    Spec("paid_at", _time, True),
    Spec("product_id", _ident, True),
    Spec("paid_fen", _money, True),
    Spec("qty", _of(v.count)),
    Spec("split_fen", _money),
    Spec("cost_fen", _money),
    Spec("completed_at", _time),
)


@dataclass
class _Order:
    id: str
    rows: list[int]
    customer_id: str
    paid_at: int
    completed_at: int | None
    lines: list[dict[str, Any]]

    def body_digest(self) -> str:
        return digest({"customer_id": self.customer_id, "lines": self.lines,
                       "paid_at": self.paid_at})  # fmt: skip


def orders(job: Job, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    present = frame["id"].map(v.given) if "id" in frame.columns else None
    rows = parse(job, frame, ORDER, out)
    groups: dict[str, list[int]] = defaultdict(list)
    if present is not None:  # a bad line rejects its whole order
        given = present.astype(bool)
        for idx, cell in zip(frame.index[given], frame["id"][given].tolist(), strict=True):
            groups[v.text(cell)].append(int(idx))
    built: dict[str, _Order] = {}
    for oid, idxs in groups.items():
        bad = [i for i in idxs if i in out.rejected]
        if bad:
            for i in idxs:
                if i not in out.rejected:
                    out.reject(i, f"order {oid}: row {bad[0] + 1} is rejected")
            continue
        first = rows[idxs[0]]
        for key in ("customer_id", "paid_at", "completed_at"):
            if any(rows[i][key] != first[key] for i in idxs):
                for i in idxs:
                    out.reject(i, f"order {oid}: its lines give different {key}")
                break
        else:
            lines = []
            for i in idxs:
                r = rows[i]
                line = {"product_id": r["product_id"], "paid_fen": r["paid_fen"]}
                line.update({k: r[k] for k in ("qty", "split_fen", "cost_fen") if r[k] is not None})
                lines.append(line)
            built[oid] = _Order(oid, idxs, first["customer_id"], first["paid_at"],
                                first["completed_at"], lines)  # fmt: skip
    orders_, products_known = _check_orders(job, built, out)
    stored = job.by_id("orders", orders_)
    events: list[tuple[int, int, str]] = []
    completions: dict[str, tuple[int, str | None, int]] = {}
    for oid, o in orders_.items():
        s = stored.get(oid)
        if s is None:
            events.append((o.paid_at, 0, oid))
            if o.completed_at is not None:
                events.append((o.completed_at, 1, oid))
            continue
        if s["digest"] != o.body_digest() and not _same_order(job, o, out):
            continue
        if o.completed_at is not None and s["completed_at"] is None:
            events.append((o.completed_at, 1, oid))
            completions[oid] = (o.completed_at, s["attributed_to"], s["paid_at"])
        elif o.completed_at is not None and s["completed_at"] != o.completed_at:
            _reject_order(out, o, f"completed_at: order {oid} was completed at {s['completed_at']}")
        else:
            out.unchanged.update(o.rows)
    if job.bulk:
        new = {
            oid: history.Order(oid, o.customer_id, o.paid_at, o.lines, o.completed_at,
                               o.body_digest())
            for oid, o in orders_.items()
            if oid not in stored
        }  # fmt: skip
        with job.bars.bar("orders", len(events)) as bar:
            refused = job.shop.bulk.record_orders(
                new, completions, products_known,
                batch_size=job.batch_size, on_batch=bar.advance,
            )  # fmt: skip
        for oid in {oid for _, _, oid in events}:
            if oid in refused:
                _reject_order(out, orders_[oid], refused[oid])
            else:
                out.loaded.update(orders_[oid].rows)
        return out
    events.sort()
    failed: set[str] = set()
    with job.bars.bar("orders", len(events)) as bar:
        for at, step, oid in events:
            bar.advance()
            o = orders_[oid]
            if oid in failed:
                continue
            try:
                if step == 0:
                    job.shop.record_order(oid, o.customer_id, o.lines, paid_at=at, now=at)
                else:
                    job.shop.complete_order(oid, at=at, now=at)
            except TeamgraphError as exc:
                failed.add(oid)
                _reject_order(out, o, exc.reason())
                continue
            out.loaded.update(o.rows)
    return out


def _same_order(job: Job, order: _Order, out: Outcome) -> bool:
    """A stored order whose digest differs from the one computed here: the Shop decides
    (a repeat answers, another body is 409 R-3.12), so a change in how it fingerprints a body
    costs time, never a wrong answer."""
    try:
        job.shop.record_order(
            order.id, order.customer_id, order.lines, paid_at=order.paid_at, now=order.paid_at
        )
    except TeamgraphError as exc:
        _reject_order(out, order, exc.reason())
        return False
    return True


def _completion_refused(order: _Order) -> str | None:
    """R-3.10 for a row that says both when the order was paid and when it completed: the
    rule's own refusal, found before either event is recorded."""
    if order.completed_at is None:
        return None
    try:
        rules_orders.check_completion(order.paid_at, order.completed_at)
    except ValidationError as exc:
        return exc.reason()
    return None


def _reject_order(out: Outcome, order: _Order, reason: str) -> None:
    for i in order.rows:
        out.reject(i, reason)


def _check_orders(
    job: Job, built: dict[str, _Order], out: Outcome
) -> tuple[dict[str, _Order], dict[str, dict[str, Any]]]:
    customers_known = job.known("customer", (o.customer_id for o in built.values()))
    wanted = (x["product_id"] for o in built.values() for x in o.lines)
    products_known = job.by_id("products", wanted)
    good = {}
    for oid, o in built.items():
        unknown = [x["product_id"] for x in o.lines if x["product_id"] not in products_known]
        if o.customer_id not in customers_known:
            _reject_order(out, o, f"unknown customer_id {o.customer_id}")
        elif unknown:
            _reject_order(out, o, f"unknown product_id {unknown[0]}")
        elif o.paid_at > job.now:
            _reject_order(out, o, "paid_at: in the future")
        elif (why := _completion_refused(o)) is not None:
            _reject_order(out, o, why)
        elif o.completed_at is not None and o.completed_at > job.now:
            _reject_order(out, o, "completed_at: in the future")
        else:
            good[oid] = o
    return good, products_known


# -- refunds (R-3.11 through Shop.refund) -------------------------------------------------------
REFUND = (
    Spec("id", _ident, True),
    Spec("order_id", _ident, True),
    Spec("amount_fen", _money, True),
    Spec("at", _time, True),
    Spec("product_id", _ident),
)


def refunds(job: Job, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    rows = parse(job, frame, REFUND, out)
    rows, repeats = _first_per_key(rows, lambda r: r["id"], out, "id")
    placed = job.by_id("orders", (r["order_id"] for r in rows.values()))
    stored = job.by_id("refunds", (r["id"] for r in rows.values()))
    todo = []
    for idx, r in rows.items():
        order = placed.get(r["order_id"])
        s = stored.get(r["id"])
        if order is None:
            out.reject(idx, f"unknown order_id {r['order_id']}")
        elif s is not None:
            if s["order_id"] != r["order_id"]:
                out.reject(idx, f"R-3.12 event.conflict: refund {r['id']} is of order "
                                f"{s['order_id']}")  # fmt: skip
            elif s["digest"] == _refund_digest(r) or _same_refund(job, r, idx, out):
                out.unchanged.add(idx)
        elif r["at"] > job.now:
            out.reject(idx, "at: in the future")
        else:
            todo.append(idx)
    if job.bulk:
        batch = [
            history.Refund(rows[i]["id"], rows[i]["order_id"], rows[i]["amount_fen"],
                           rows[i]["at"], rows[i]["product_id"], _refund_digest(rows[i]))
            for i in todo
        ]  # fmt: skip
        with job.bars.bar("refunds", len(batch)) as bar:
            refused = job.shop.bulk.record_refunds(batch, batch_size=job.batch_size,
                                                   on_batch=bar.advance)  # fmt: skip
        for idx in todo:
            if rows[idx]["id"] in refused:
                out.reject(idx, refused[rows[idx]["id"]])
            else:
                out.loaded.add(idx)
        _settle_repeats(repeats, out)
        return out
    todo.sort(key=lambda i: (rows[i]["at"], rows[i]["id"]))
    with job.bars.bar("refunds", len(todo)) as bar:
        for idx in todo:
            bar.advance()
            r = rows[idx]
            try:
                job.shop.refund(r["order_id"], r["id"], r["amount_fen"],
                                product_id=r["product_id"], at=r["at"], now=r["at"])  # fmt: skip
            except TeamgraphError as exc:
                out.reject(idx, exc.reason())
                continue
            out.loaded.add(idx)
    _settle_repeats(repeats, out)
    return out


def _refund_digest(r: dict[str, Any]) -> str:
    return digest({"order_id": r["order_id"], "amount_fen": r["amount_fen"],
                   "product_id": r["product_id"], "at": r["at"]})  # fmt: skip


def _same_refund(job: Job, r: dict[str, Any], idx: int, out: Outcome) -> bool:
    """As :func:`_same_order`: the Shop decides when the fingerprints differ."""
    try:
        job.shop.refund(r["order_id"], r["id"], r["amount_fen"],
                        product_id=r["product_id"], at=r["at"], now=r["at"])  # fmt: skip
    except TeamgraphError as exc:
        out.reject(idx, exc.reason())
        return False
    return True


# -- signals (R-6.1) ----------------------------------------------------------------------------
SIGNAL = (
    Spec("customer_id", _ident, True),
    Spec("kind", _choice(*SIGNAL_KINDS), True),
    Spec("value", _ident, True),  # a signal node's id (Device, IP, ...): the id rule holds
    Spec("first_seen", _time),
    Spec("last_seen", _time),
)


def signals(job: Job, frame: pd.DataFrame) -> Outcome:
    out = Outcome()
    rows = parse(job, frame, SIGNAL, out)
    known = job.known("customer", (r["customer_id"] for r in rows.values()))
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    members: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    for idx, r in rows.items():
        if r["customer_id"] not in known:
            out.reject(idx, f"unknown customer_id {r['customer_id']}")
            continue
        first, last = r["first_seen"], r["last_seen"]
        if first is not None and last is not None and first > last:
            out.reject(idx, "first_seen: after last_seen")
            continue
        value = r["value"]
        if r["kind"] == "phone":  # E-7
            try:
                value = job.shop.phone_digest(value, field="value")
            except ValidationError as exc:
                out.reject(idx, f"value: {exc.code}: {exc.message}")
                continue
        key = (r["kind"], r["customer_id"], value)
        members[key].append(idx)
        m = merged.setdefault(key, {"customer_id": r["customer_id"], "value": value,
                                    "first_seen": None, "last_seen": None})  # fmt: skip
        m["first_seen"] = _earliest(m["first_seen"], r["first_seen"])
        m["last_seen"] = _latest(m["last_seen"], r["last_seen"])
    stored: dict[tuple[str, str, str], dict[str, Any]] = {}
    labels = {label: kind for kind, label in SIGNAL_LABELS.items()}
    for found in job.shop.bulk.stored("signals", {k[1] for k in merged}):
        for label in found["labels"] or []:
            if label in labels:
                stored[(labels[label], found["customer_id"], found["value"])] = found
    writes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for key, m in merged.items():
        s = stored.get(key)
        after = (
            m
            if s is None
            else {
                **m,
                "first_seen": _earliest(s["first_seen"], m["first_seen"]),
                "last_seen": _latest(s["last_seen"], m["last_seen"]),
            }
        )
        if s is not None and (s["first_seen"], s["last_seen"]) == (
            after["first_seen"],
            after["last_seen"],
        ):
            out.unchanged.update(members[key])
        else:
            out.loaded.update(members[key])
            writes[key[0]].append(m)
    for kind in SIGNAL_KINDS:
        job.write_many(partial(job.shop.bulk.add_signals, kind), writes[kind],
                       f"signals ({kind})")  # fmt: skip
    return out


def _earliest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


LOADERS: dict[str, Callable[[Job, pd.DataFrame], Outcome]] = {
    "customers": customers,
    "distributors": distributors,
    "invitations": invitations,
    "bindings": bindings,
    "products": products,
    "orders": orders,
    "refunds": refunds,
    "signals": signals,
}
KINDS = tuple(LOADERS)
COUNTED = ("distributors", "invitations", "bindings")
"""Kinds whose load ends with ``Shop.recount(apply=True)`` (team counters, R-2.3)."""
