"""``--preset crmeb``: CSV (or any readable) exports of a CRMEB shop's tables, as teamgraph rows.

CRMEB (a widely used open-source PHP shop with 分销) keeps its distribution state in columns of
``eb_user`` and ``eb_store_order``. :func:`load_users` turns ``eb_user`` rows into customers,
distributors (``is_promoter = 1``), bindings (``spread_uid`` since ``spread_time``) and
invitations; :func:`load_orders` turns paid ``eb_store_order`` rows into orders (one line of
product ``crmeb``, or the lines of ``eb_store_order_cart_info`` when given) and refunds. Each
derived row goes through the same loader and rules as a teamgraph file, and a refused row is
written back to the CRMEB file's ``.rejects.csv`` with the step that refused it.

The mapping, its approximations and what cannot be carried over are in docs/crmeb.md.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from teamgraph.errors import ValidationError
from teamgraph.etl import read as reader
from teamgraph.etl import values as v
from teamgraph.etl.importer import Options, Result, job_for, rename, run, write_rejects
from teamgraph.etl.kinds import Job, Outcome
from teamgraph.etl.progress import Bars
from teamgraph.rules.commission import allocate
from teamgraph.shop import Shop

PRODUCT = "crmeb"
"""The product of an order imported without its cart lines."""
SOURCE = "crmeb"
COMPLETED_STATUSES = (2, 3)
"""``eb_store_order.status``: 2 received (已收货), 3 to review / done (待评价)."""
REFUNDED = 2
"""``eb_store_order.refund_status``: 0 none, 1 applied for, 2 refunded."""

Rows = list[tuple[int, dict[str, Any]]]


def _cells(frame: pd.DataFrame, required: Iterable[str], what: str) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValidationError(
            "import.crmeb",
            f"this is not a CRMEB {what} export: no column {', '.join(missing)}",
            field="file",
        )


def _get(row: dict[str, Any], name: str) -> Any:
    value = row.get(name)
    return value if v.given(value) else None


def _flag(row: dict[str, Any], name: str, default: int = 0) -> int:
    value = _get(row, name)
    return default if value is None else v.integer(value)


def _seconds(row: dict[str, Any], name: str) -> Any:
    """CRMEB PHP keeps times as unix seconds (0 = not set); its Java edition as datetime text,
    which is passed on for the time parser (with --tz)."""
    value = _get(row, name)
    if value is None:
        return None
    try:
        return v.unix_seconds(value)
    except v.CellError:
        if isinstance(value, str) and any(ch in value for ch in "-:/"):
            return value.strip()
        raise


def _frame(rows: Rows) -> tuple[pd.DataFrame, list[int]]:
    """Derived rows as a frame with a fresh index, and the source row each came from."""
    origins = [origin for origin, _ in rows]
    frame = pd.DataFrame([r for _, r in rows], dtype=object)
    frame.index = pd.RangeIndex(len(rows))
    return frame, origins


def _step(
    job: Job,
    kind: str,
    rows: Rows,
    reasons: dict[int, list[str]],
    label: str,
    origin_status: dict[int, set[str]],
) -> Result:
    started = time.monotonic()
    if not rows:
        return Result(label, 0, 0, 0, 0)
    frame, origins = _frame(rows)
    outcome: Outcome = run(job, kind, frame, recount=False)
    for idx, why in outcome.rejected.items():
        reasons[origins[idx]].append(f"{label}: {why}")
    for idx in outcome.loaded:
        origin_status[origins[idx]].add("loaded")
    for idx in outcome.unchanged:
        origin_status[origins[idx]].add("unchanged")
    return Result(
        label,
        rows=len(frame),
        loaded=len(outcome.loaded),
        unchanged=len(outcome.unchanged),
        rejected=len(outcome.rejected),
        seconds=time.monotonic() - started,
    )


def _finish(
    kind: str,
    path: Path,
    table: reader.Table,
    reasons: dict[int, list[str]],
    status: dict[int, set[str]],
    parts: list[Result],
    skipped: int,
    started: float,
) -> Result:
    rejected = {i: "; ".join(r) for i, r in reasons.items() if r}
    loaded = sum(1 for i, s in status.items() if "loaded" in s and i not in rejected)
    unchanged = sum(1 for i, s in status.items() if s == {"unchanged"} and i not in rejected)
    result = Result(kind, len(table.frame), loaded, unchanged, len(rejected), skipped=skipped)
    result.parts = parts
    result.rejects = write_rejects(path, table, rejected)
    result.seconds = time.monotonic() - started
    return result


# -- eb_user ------------------------------------------------------------------------------------
def load_users(
    shop: Shop, path: Path, options: Options | None = None, *, bars: Bars | None = None
) -> Result:
    """``eb_user`` -> customers, distributors, bindings and invitations, then one recount."""
    options = options or Options()
    started = time.monotonic()
    table = reader.read(path, encoding=options.encoding)
    frame = rename(table.frame, options.mapping)
    _cells(frame, ("uid",), "eb_user")
    job = job_for(shop, options, bars)
    reasons: dict[int, list[str]] = defaultdict(list)
    status: dict[int, set[str]] = defaultdict(set)
    customers: Rows = []
    promoters: dict[str, tuple[int, dict[str, Any]]] = {}
    spread: Rows = []
    for idx, row in zip(frame.index, frame.to_dict("records"), strict=True):
        origin = int(idx)
        try:
            user = _user(row)
        except v.CellError as exc:
            reasons[origin].append(f"eb_user: {exc}")
            continue
        customers.append((origin, user["customer"]))
        if user["promoter"] is not None:
            promoters[user["customer"]["id"]] = (origin, user["promoter"])
        if user["binding"] is not None:
            spread.append((origin, user["binding"]))
    parts = [_step(job, "customers", customers, reasons, "customers", status)]
    distributors: Rows = [
        (origin, {k: d[k] for k in ("id", "status", "became_at")})
        for origin, d in promoters.values()
    ]
    parts.append(_step(job, "distributors", distributors, reasons, "distributors", status))
    parts.append(_step(job, "bindings", spread, reasons, "bindings", status))
    invitations: Rows = [
        (origin, {"id": d["id"], "inviter_id": d["inviter"], "at": d["became_at"]})
        for origin, d in promoters.values()
        if d["inviter"] is not None
    ]
    parts.append(_step(job, "invitations", invitations, reasons, "invitations", status))
    shop.recount(apply=True, now=job.now)
    return _finish("crmeb users", path, table, reasons, status, parts, 0, started)


def _user(row: dict[str, Any]) -> dict[str, Any]:
    """One ``eb_user`` row as its customer, promoter (or None) and binding (or None)."""
    uid = v.text(_get(row, "uid") or "")
    if not uid:
        raise v.CellError("missing uid")
    joined = _seconds(row, "add_time")
    phone = _get(row, "phone")
    referrer = _get(row, "spread_uid")
    referrer = v.text(referrer) if referrer is not None and v.integer(referrer) else None
    promoter = None
    if _flag(row, "is_promoter") == 1:
        frozen = _flag(row, "status", 1) == 0 or _flag(row, "spread_open", 1) == 0
        promoter = {
            "id": uid,
            "status": "frozen" if frozen else "active",
            "became_at": _seconds(row, "promoter_time") or joined,
            "inviter": referrer,
        }
    binding = None
    if referrer is not None:
        binding = {
            "customer_id": uid,
            "distributor_id": referrer,
            "since": _seconds(row, "spread_time") or joined,
            "expires_at": _seconds(row, "spread_limit"),
            "source": SOURCE,
        }
    customer = {
        "id": uid,
        "name": _get(row, "nickname") or _get(row, "real_name"),
        "phone": phone,
        "phone_verified": phone is not None,
        "joined_at": joined,
    }
    return {"customer": customer, "promoter": promoter, "binding": binding}


# -- eb_store_order -----------------------------------------------------------------------------
def load_orders(
    shop: Shop,
    path: Path,
    options: Options | None = None,
    *,
    cart: Path | None = None,
    bars: Bars | None = None,
) -> Result:
    """Paid ``eb_store_order`` rows -> orders (completed when received), refunds."""
    options = options or Options()
    started = time.monotonic()
    table = reader.read(path, encoding=options.encoding)
    frame = rename(table.frame, options.mapping)
    _cells(frame, ("order_id", "uid", "pay_price", "paid", "pay_time"), "eb_store_order")
    job = job_for(shop, options, bars)
    carts = _carts(cart, options) if cart is not None else None
    if carts is not None and "id" not in frame.columns:
        raise ValidationError(
            "import.crmeb", "--cart needs the orders' id column (eb_store_order.id)", field="file"
        )
    reasons: dict[int, list[str]] = defaultdict(list)
    status: dict[int, set[str]] = defaultdict(set)
    lines: Rows = []
    refunds: Rows = []
    skipped = 0
    for idx, row in zip(frame.index, frame.to_dict("records"), strict=True):
        origin = int(idx)
        try:
            if _flag(row, "paid") != 1:
                skipped += 1
                continue
            order_id = v.text(_get(row, "order_id") or "")
            uid = v.text(_get(row, "uid") or "")
            paid_at = _seconds(row, "pay_time")
            price = _get(row, "pay_price")
            if not order_id or not uid or paid_at is None or price is None:
                raise v.CellError("missing order_id, uid, pay_time or pay_price")
            pay_fen = _yuan(price, "pay_price")
            completed = paid_at if _flag(row, "status") in COMPLETED_STATUSES else None
            base = {"id": order_id, "customer_id": uid, "paid_at": paid_at,
                    "completed_at": completed}  # fmt: skip
            if carts is None:
                qty = _flag(row, "total_num", 1) or 1
                lines.append((origin, base | {"product_id": PRODUCT, "qty": qty,
                                              "paid_fen": pay_fen}))  # fmt: skip
            else:
                items = carts.get(v.text(_get(row, "id")), [])
                if not items:
                    raise v.CellError(f"no cart lines for order id {_get(row, 'id')}")
                weights = [w for _, _, w in items]
                if not any(weights):
                    weights = [q for _, q, _ in items]
                for (product, qty, _), part in zip(items, allocate(pay_fen, weights), strict=True):
                    lines.append((origin, base | {"product_id": product, "qty": qty,
                                                  "paid_fen": part}))  # fmt: skip
            refund_fen = _yuan(_get(row, "refund_price") or "0", "refund_price")
            refunded = "refund_status" not in row or _flag(row, "refund_status") == REFUNDED
            if refund_fen > 0 and refunded:
                at = _seconds(row, "refund_reason_time")
                at = paid_at if at is None or (isinstance(at, int) and at < paid_at) else at
                refunds.append((origin, {"id": f"{order_id}:refund", "order_id": order_id,
                                         "amount_fen": refund_fen, "at": at}))  # fmt: skip
        except v.CellError as exc:
            reasons[origin].append(f"eb_store_order: {exc}")
    _ensure_products(job, lines, carts)
    parts = [_step(job, "orders", lines, reasons, "orders", status)]
    parts.append(_step(job, "refunds", refunds, reasons, "refunds", status))
    return _finish("crmeb orders", path, table, reasons, status, parts, skipped, started)


def _yuan(value: Any, name: str) -> int:
    try:
        return v.money(value, "yuan")
    except v.CellError as exc:
        raise v.CellError(f"{name}: {exc}") from None


def _carts(path: Path, options: Options) -> dict[str, list[tuple[str, int, int]]]:
    """``eb_store_order_cart_info``: per order id (``oid``), its lines as (product, quantity,
    weight), the weight being the line's true price × quantity in fen (``cart_info`` JSON's
    ``truePrice``), used to split the order's paid amount over its lines."""
    frame = reader.read(path, encoding=options.encoding).frame
    _cells(frame, ("oid", "product_id"), "eb_store_order_cart_info")
    out: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for row in frame.to_dict("records"):
        qty = _flag(row, "cart_num", 1) or 1
        weight = 0
        info = _get(row, "cart_info")
        if info is not None:
            try:
                price = json.loads(info).get("truePrice")
                weight = v.money(str(price), "yuan") * qty if price is not None else 0
            except (ValueError, AttributeError, v.CellError):
                weight = 0
        out[v.text(_get(row, "oid"))].append((v.text(_get(row, "product_id")), qty, weight))
    return out


def _ensure_products(job: Job, lines: Rows, carts: Any) -> None:
    """The products orders refer to: ``crmeb`` (or the cart's product ids) are created
    without a reward of their own (the level default applies) when the shop lacks them."""
    wanted = {r["product_id"] for _, r in lines}
    have = job.by_id("products", wanted)
    for pid in sorted(wanted - set(have)):
        name = "CRMEB order" if pid == PRODUCT else f"CRMEB product {pid}"
        job.shop.upsert_product(pid, name=name, now=job.now)
