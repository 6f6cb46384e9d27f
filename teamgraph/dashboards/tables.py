"""Tables as plain functions: the rows and the dash-ag-grid column definitions of each list the
pages show, the distributor filter, and the files the pages offer (the distributor list as CSV,
the withdrawal batch as CSV / Excel, both written by :mod:`teamgraph.sheets`).

Rows keep money as integer fen (for sorting) next to its ``¥`` text; times are shown in the
shop's time zone. No Dash callbacks and no shop here: tests call these directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from teamgraph.dashboards.i18n import DEFAULT_LANG, money, t, when
from teamgraph.rules.money import yuan
from teamgraph.sheets import Cell, Column, Kind, batch_columns, batch_row, table_bytes

Row = dict[str, Any]


def _col(field: str, header: str, **extra: Any) -> dict[str, Any]:
    return {"field": field, "headerName": header, **extra}


def _money_col(field: str, header: str) -> dict[str, Any]:
    """Sorted by the fen value, shown as ``¥`` text (``<field>_text``)."""
    return _col(
        field,
        header,
        type="rightAligned",
        valueFormatter={"function": f"params.data['{field}_text']"},
        filter="agNumberColumnFilter",
    )


# -- distributors ---------------------------------------------------------------------------------
STATUSES = ("active", "dormant", "frozen")


def distributor_rows(rows: Iterable[Mapping[str, Any]], tz: str, lang: str) -> list[Row]:
    return [
        {
            "id": r["id"],
            "name": r.get("name") or "",
            "level": int(r["level"]),
            "status": r["status"],
            "status_text": t(f"status.{r['status']}", lang),
            "became": when(r.get("became_at"), tz, time=False),
            "direct_clients": r["direct_clients"],
            "indirect_clients": r["indirect_clients"],
            "invitees": r["invitees"],
            "team_size": r["team_size"],
            "paid_orders": r["paid_orders"],
            "received_fen": r["received_fen"],
            "received_fen_text": money(int(r["received_fen"])),
        }
        for r in rows
    ]


def distributor_columns(lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    return [
        _col("id", t("col.id", lang), pinned="left", minWidth=110, cellClass="link-cell"),
        _col("name", t("col.name", lang), width=120),
        _col("level", t("col.level", lang), width=90, filter="agNumberColumnFilter"),
        _col("status_text", t("col.status", lang), width=100),
        _col("became", t("col.became", lang), minWidth=110),
        _col("direct_clients", t("col.direct_clients", lang), type="numericColumn"),
        _col("indirect_clients", t("col.indirect_clients", lang), type="numericColumn"),
        _col("invitees", t("col.invitees", lang), type="numericColumn"),
        _col("team_size", t("col.team_size", lang), type="numericColumn"),
        _col("paid_orders", t("col.paid_orders", lang), type="numericColumn"),
        _money_col("received_fen", t("col.sales", lang)),
    ]


_DISTRIBUTOR_KINDS: dict[str, Kind] = {
    "level": "int",
    "direct_clients": "int",
    "indirect_clients": "int",
    "invitees": "int",
    "team_size": "int",
    "paid_orders": "int",
    "received_fen": "decimal",
}


def distributor_csv(rows: Iterable[Mapping[str, Any]], lang: str = DEFAULT_LANG) -> bytes:
    """The distributor list as CSV (the page's export): the grid's columns under their
    headers, the rows as the grid shows them (filtered and sorted), written by
    :mod:`teamgraph.sheets` (UTF-8 with a BOM, formula-like names defused, X-1); sales as yuan
    numbers (``1234.50``, never ``¥1,234.50`` text) under a header that names the unit."""
    cols = distributor_columns(lang)
    names = {"received_fen": t("col.sales_yuan", lang)}  # the unit in the header (issue 17)
    header = [
        Column(names.get(c["field"], c["headerName"]), _DISTRIBUTOR_KINDS.get(c["field"], "str"))
        for c in cols
    ]

    def cell(row: Mapping[str, Any], field: str) -> Cell:
        value = row.get(field)
        if field == "received_fen" and value is not None:
            return yuan(int(value))
        return value if value is None or isinstance(value, str | int) else str(value)

    return table_bytes("csv", header, [[cell(r, c["field"]) for c in cols] for r in rows])


# -- the team view's lists ------------------------------------------------------------------------
def client_rows(items: Iterable[Mapping[str, Any]], tz: str) -> list[Row]:
    return [
        {
            "id": c["id"],
            "name": c.get("name") or "",
            "since": when(c.get("since"), tz),
            "expires": when(c.get("expires_at"), tz) if c.get("expires_at") else "∞",
            "via": c.get("via") or "",
        }
        for c in items
    ]


def client_columns(lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    return [
        _col("id", t("col.id", lang)),
        _col("name", t("col.name", lang)),
        _col("since", t("col.since", lang)),
        _col("expires", t("col.expires", lang)),
        _col("via", t("col.via", lang)),
    ]


def invitee_rows(items: Iterable[Mapping[str, Any]], tz: str, lang: str) -> list[Row]:
    return [
        {
            "id": m["id"],
            "name": m.get("name") or "",
            "level": int(m.get("level") or 1),
            "status_text": t(f"status.{m['status']}", lang),
            "invited": when(m.get("invited_at"), tz),
            "direct_clients": int(m.get("direct_clients") or 0),
            "team_size": int(m.get("team_size") or 0),
        }
        for m in items
    ]


def invitee_columns(lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    return [
        _col("id", t("col.id", lang)),
        _col("name", t("col.name", lang)),
        _col("level", t("col.level", lang)),
        _col("status_text", t("col.status", lang)),
        _col("invited", t("col.invited", lang)),
        _col("direct_clients", t("col.direct_clients", lang), type="numericColumn"),
        _col("team_size", t("col.team_size", lang), type="numericColumn"),
    ]


def ledger_rows(items: Iterable[Mapping[str, Any]], tz: str, lang: str) -> list[Row]:
    return [
        {
            "at": when(e.get("at"), tz),
            "kind": t(f"kind.{e['kind']}", lang),
            "amount_fen": int(e["amount"]) if e.get("unit", "fen") == "fen" else 0,
            "amount_fen_text": money(int(e["amount"]))
            if e.get("unit", "fen") == "fen"
            else t("ledger.points", lang, n=int(e["amount"])),
            "status": t(f"entry.{e['status']}", lang),
            "settle": when(e.get("settle_at"), tz) if e.get("settle_at") else "",
            "order_id": e.get("order_id") or "",
        }
        for e in items
    ]


def ledger_columns(lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    return [
        _col("at", t("col.at", lang), width=150),
        _col("kind", t("col.kind", lang), width=110),
        _money_col("amount_fen", t("col.amount", lang)),
        _col("status", t("col.status", lang), width=110),
        _col("settle", t("col.settle_at", lang), width=150),
        _col("order_id", t("col.order", lang)),
    ]


# -- leaderboards ---------------------------------------------------------------------------------
def board_rows(items: Iterable[Mapping[str, Any]], metric: str) -> list[Row]:
    return [
        {
            "rank": r["rank"],
            "id": r["distributor_id"],
            "name": r.get("name") or "",
            "level": r["level"],
            "value": r["value"],
            "value_text": money(int(r["value"])) if metric != "clients" else f"{r['value']:,}",
        }
        for r in items
    ]


def board_columns(metric: str, lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    return [
        _col("rank", t("col.rank", lang), width=80),
        _col("id", t("col.id", lang), width=120),
        _col("name", t("col.name", lang)),
        _col("level", t("col.level", lang), width=90),
        _money_col("value", t(f"board.metric.{metric}", lang)),
    ]


# -- withdrawals ----------------------------------------------------------------------------------
def withdrawal_rows(items: Iterable[Mapping[str, Any]], tz: str, lang: str) -> list[Row]:
    return [
        {
            "id": w["id"],
            "distributor_id": w["distributor_id"],
            "distributor_name": w.get("distributor_name") or "",
            "amount_fen": int(w["amount_fen"]),
            "amount_fen_text": money(int(w["amount_fen"])),
            "tax_fen": int(w["tax_fen"]),
            "tax_fen_text": money(int(w["tax_fen"])),
            "net_fen": int(w["net_fen"]),
            "net_fen_text": money(int(w["net_fen"])),
            "method": t(f"method.{w['method']}", lang) if w["method"] in METHODS else w["method"],
            "account": short_mask(w.get("account_masked") or ""),
            "status": w["status"],
            "status_text": t(f"wstatus.{w['status']}", lang),
            "requested": when(w.get("requested_at"), tz),
        }
        for w in items
    ]


def short_mask(masked: str) -> str:
    """A masked account as the grid shows it: its last four characters after ``****``
    (issue 17: ``************7890`` left only asterisks in the column)."""
    return "****" + masked[-4:] if len(masked) > 4 else masked


METHODS = ("bank", "alipay", "wechat")


def withdrawal_columns(lang: str = DEFAULT_LANG) -> list[dict[str, Any]]:
    """Headers wrap rather than cut off, and each column keeps room for its values (issue 17:
    request times and English headers were cut off)."""
    wrap = {"wrapHeaderText": True, "autoHeaderHeight": True}
    money_cols = [
        _money_col(f, t(k, lang)) | {"minWidth": 96, "filter": False} | wrap
        for f, k in (("amount_fen", "col.amount"), ("tax_fen", "col.tax"), ("net_fen", "col.net"))
    ]
    return [
        _col("id", t("col.withdrawal", lang), minWidth=110) | wrap,
        _col("distributor_id", t("col.distributor", lang), minWidth=110) | wrap,
        _col("distributor_name", t("col.name", lang), minWidth=90) | wrap,
        *money_cols,
        _col("method", t("col.method", lang), minWidth=100) | wrap,
        _col("account", t("col.account", lang), minWidth=110) | wrap,
        _col("status_text", t("col.status", lang), minWidth=100) | wrap,
        _col("requested", t("col.requested_at", lang), minWidth=160) | wrap,
    ]


_EXPORT = batch_columns(leave_out={"account_masked", "tax_yuan"})
EXPORT_COLUMNS: tuple[str, ...] = tuple(c.name for c in _EXPORT)
"""The batch file's columns: the API's export (``GET /v1/withdrawals?format=csv``) without the
masked account; amounts in fen and in yuan (numbers), the full account the bank needs (R-5.3),
the request, approval and payment times."""


def export_header(lang: str) -> list[Column]:
    """The batch file's header in the UI's language, one language per row (issue 17): zh-CN
    names the columns in Chinese, English by the API's field names."""
    return [Column(t(f"wdx.{c.name}", lang), c.kind) for c in _EXPORT]


def export_table(items: Iterable[Mapping[str, Any]], tz: str) -> list[list[str | int | None]]:
    rows = (
        batch_row(
            w,
            when(w.get("requested_at"), tz),
            _when_or_none(w.get("approved_at"), tz),
            _when_or_none(w.get("paid_at"), tz),
        )
        for w in items
    )
    return [[row[c] for c in EXPORT_COLUMNS] for row in rows]


def _when_or_none(ms: int | None, tz: str) -> str | None:
    return None if ms is None else when(ms, tz)


def export_csv(items: Iterable[Mapping[str, Any]], tz: str, lang: str = DEFAULT_LANG) -> bytes:
    """The batch file as CSV (:mod:`teamgraph.sheets`: UTF-8 with a BOM, formula-like text
    guarded in every column, the account's too: X-4)."""
    return table_bytes("csv", export_header(lang), export_table(items, tz))


def export_xlsx(items: Iterable[Mapping[str, Any]], tz: str, lang: str = DEFAULT_LANG) -> bytes:
    """The batch file as one xlsx sheet; strings stay text (long accounts keep every digit),
    fen and yuan are numbers."""
    return table_bytes("xlsx", export_header(lang), export_table(items, tz), sheet="withdrawals")
