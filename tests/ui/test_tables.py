"""Tables, networks and the settings form as plain functions (no browser, no graph)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from teamgraph.dashboards import networks, tables
from teamgraph.dashboards.i18n import EN, ZH, t
from teamgraph.errors import ValidationError
from teamgraph.rules import settings as rules_settings
from teamgraph.rules.settings import ProgramSettings
from tests.formulas import FORMULAS, assert_inert_csv, assert_inert_xlsx, csv_table

TZ = "Asia/Shanghai"
T0 = 1_767_196_800_000  # 2026-01-01T00:00+08:00

ROWS = [
    {"id": "c000001", "name": "王伟", "code": "AB12CD34", "level": 2, "status": "active",
     "became_at": T0, "direct_clients": 5, "indirect_clients": 1, "invitees": 2,
     "team_size": 3, "paid_orders": 4, "received_fen": 123_450},
    {"id": "c000002", "name": "Li", "code": "ZZ99ZZ99", "level": 1, "status": "dormant",
     "became_at": T0, "direct_clients": 0, "indirect_clients": 0, "invitees": 0,
     "team_size": 0, "paid_orders": 0, "received_fen": 0},
]  # fmt: skip


# -- distributors ----------------------------------------------------------------------------------
def test_distributor_rows_keep_fen_for_sorting_and_show_yuan() -> None:
    row = tables.distributor_rows(ROWS, TZ, ZH)[0]
    assert row["received_fen"] == 123_450 and row["received_fen_text"] == "¥1,234.50"
    assert row["status_text"] == "正常" and row["became"] == "2026-01-01"
    fields = {c["field"] for c in tables.distributor_columns(EN)}
    assert set(tables.distributor_rows(ROWS, TZ, EN)[0]) >= fields
    money = next(c for c in tables.distributor_columns(EN) if c["field"] == "received_fen")
    assert money["valueFormatter"] == {"function": "params.data['received_fen_text']"}


def test_ledger_rows_show_kinds_statuses_and_points() -> None:
    rows = tables.ledger_rows(
        [
            {"at": T0, "kind": "reward", "amount": 1_000, "unit": "fen", "status": "pending",
             "settle_at": T0 + 86_400_000, "order_id": "o1"},
            {"at": T0, "kind": "clawback", "amount": -30, "unit": "fen", "status": "settled",
             "settle_at": None, "order_id": "o1"},
            {"at": T0, "kind": "reward", "amount": 7, "unit": "point", "status": "settled",
             "settle_at": None, "order_id": None},
        ],
        TZ,
        EN,
    )  # fmt: skip
    assert [(r["kind"], r["amount_fen_text"], r["status"]) for r in rows] == [
        ("Reward", "¥10.00", "Pending"),
        ("Clawback", "-¥0.30", "Settled"),
        ("Reward", "7 points", "Settled"),
    ]
    assert rows[0]["settle"] == "2026-01-02 00:00"


def test_board_rows_format_by_metric() -> None:
    items = [{"rank": 1, "distributor_id": "A", "name": "甲", "level": 2, "value": 1_234}]
    assert tables.board_rows(items, "sales")[0]["value_text"] == "¥12.34"
    assert tables.board_rows(items, "clients")[0]["value_text"] == "1,234"


WITHDRAWALS = [
    {"id": "w1", "distributor_id": "c000001", "distributor_name": "王伟", "amount_fen": 10_000,
     "tax_fen": 0, "net_fen": 10_000, "method": "bank", "account": "6222021234567890123",
     "account_masked": "************0123", "holder": "王伟", "status": "approved",
     "requested_at": T0, "approved_at": T0 + 3_600_000, "paid_at": None},
    {"id": "w2", "distributor_id": "c000002", "distributor_name": None, "amount_fen": 5_050,
     "tax_fen": 50, "net_fen": 5_000, "method": "alipay", "account": "=cmd@evil.com",
     "account_masked": "=c***@evil.com", "holder": "+SUM(A1)", "status": "approved",
     "requested_at": T0, "approved_at": T0, "paid_at": None},
]  # fmt: skip


def test_withdrawal_rows_mask_the_account_and_name_the_status() -> None:
    rows = tables.withdrawal_rows(WITHDRAWALS, TZ, ZH)
    assert rows[0]["account"] == "****0123"  # issue 17: the last four digits, not asterisks
    assert (rows[0]["method"], rows[0]["status_text"]) == ("银行卡", "已审核")
    assert rows[1]["amount_fen_text"] == "¥50.50" and rows[1]["net_fen_text"] == "¥50.00"


def test_the_batch_csv_has_full_accounts_and_defuses_formulas() -> None:
    data = tables.export_csv(WITHDRAWALS, TZ, EN)
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    header, first, second = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert header == list(tables.EXPORT_COLUMNS)  # English: the API's field names
    assert header[-2:] == ["approved_at", "paid_at"]  # issue 17: the export lacked them
    assert (first[-2], first[-1]) == ("2026-01-01 01:00", "")
    assert first[3] == "6222021234567890123" and first[5] == "100.00"
    assert second[2] == "'+SUM(A1)"  # a holder name is not run as a formula
    assert second[3] == "'=cmd@evil.com"  # the account is guarded like any text
    assert second[8] == "50.00" and first[11] == "2026-01-01 00:00"


def test_the_batch_xlsx_keeps_long_accounts_as_text() -> None:
    wb = load_workbook(io.BytesIO(tables.export_xlsx(WITHDRAWALS, TZ)))
    ws = wb.active
    assert [c.value for c in ws[1]] == [t(f"wdx.{c}", ZH) for c in tables.EXPORT_COLUMNS]
    assert ws["A1"].value == "提现单号" and ws["D1"].value == "账号"  # zh-CN: one language
    assert ws["D2"].value == "6222021234567890123" and ws["D2"].data_type == "s"
    assert ws["E2"].value == 10_000
    assert ws["F2"].data_type == "n" and ws["F2"].value == 100  # issue 17: yuan as a number
    assert ws["F2"].number_format == "0.00"
    assert ws["B3"].data_type == "s" and ws.max_row == 3


def test_every_ui_file_writes_formulas_inert() -> None:
    """X-1..X-3: the batch file (CSV and xlsx) and the distributor list (CSV), with holders and
    names a spreadsheet would run as formulas."""
    items = [WITHDRAWALS[0] | {"id": f"w{i}", "holder": text} for i, text in enumerate(FORMULAS)]
    assert_inert_csv(tables.export_csv(items, TZ))
    assert_inert_xlsx(tables.export_xlsx(items, TZ))
    rows = tables.distributor_rows([ROWS[0] | {"name": text} for text in FORMULAS], TZ, EN)
    assert_inert_csv(tables.distributor_csv(rows, EN))


def test_the_distributor_csv_is_the_grid_as_shown() -> None:
    rows = tables.distributor_rows(ROWS, TZ, ZH)
    header, *body = csv_table(tables.distributor_csv(rows[::-1], ZH))
    grid = [c["headerName"] for c in tables.distributor_columns(ZH)]
    assert header == [*grid[:-1], "销售额（元）"]  # issue 17: the unit of the numbers named
    assert body[1][:5] == ["c000001", "王伟", "2", "正常", "2026-01-01"]
    assert body[1][-1] == "1234.50" and body[0][-1] == "0.00"  # yuan as a number, not ¥ text
    assert [r[0] for r in body] == ["c000002", "c000001"]  # in the order the grid shows


# -- networks ------------------------------------------------------------------------------------
ROOT = {"id": "A", "name": "甲", "level": 2, "team_size": 3, "sales_fen": 40_000}
NODES = [
    {"id": "B", "parent_id": "A", "depth": 1, "name": "乙", "level": 1, "team_size": 1,
     "sales_fen": 10_000},
    {"id": "C", "parent_id": "A", "depth": 1, "name": None, "level": 1, "team_size": 0,
     "sales_fen": 0},
    {"id": "D", "parent_id": "B", "depth": 2, "name": "丁", "level": 3, "team_size": 4,
     "sales_fen": 0},
]  # fmt: skip


def test_tree_elements_size_by_sales_colour_by_level_and_mark_unexpanded() -> None:
    els = networks.tree_elements(ROOT, NODES, EN)
    nodes = {e["data"]["id"]: e for e in els if "source" not in e["data"]}
    edges = {(e["data"]["source"], e["data"]["target"]) for e in els if "source" in e["data"]}
    assert edges == {("A", "B"), ("A", "C"), ("B", "D")}
    assert nodes["A"]["data"]["size"] == networks.MAX_SIZE
    assert nodes["C"]["data"]["size"] == networks.MIN_SIZE
    assert networks.MIN_SIZE < nodes["B"]["data"]["size"] < networks.MAX_SIZE
    assert nodes["A"]["classes"] == "root"
    assert nodes["D"]["classes"] == "more"  # a team of 4 not shown yet
    assert nodes["B"]["classes"] == ""  # its member is shown
    assert nodes["D"]["data"]["colour"] != nodes["B"]["data"]["colour"]
    assert nodes["A"]["data"]["label"] == "甲\n¥400.00"
    assert nodes["C"]["data"]["label"].startswith("C\n")


def test_merge_elements_adds_a_subtree_once_and_clears_more() -> None:
    els = networks.tree_elements(ROOT, NODES, EN)
    sub = networks.tree_elements(
        {"id": "D", "level": 3, "team_size": 4, "sales_fen": 0},
        [{"id": "E", "parent_id": "D", "depth": 1, "name": "戊", "level": 1, "team_size": 0,
          "sales_fen": 100}],
    )  # fmt: skip
    merged = networks.merge_elements(els, [e for e in sub if e["data"].get("id") != "D"])
    again = networks.merge_elements(merged, sub)
    assert len(again) == len(merged) == len(els) + 2
    d = next(e for e in merged if e["data"].get("id") == "D")
    assert d["classes"] == ""


def test_ring_elements_draw_members_and_merge_parallel_edges() -> None:
    ring = {
        "member_list": [
            {"id": "d1", "name": "甲", "is_distributor": True, "level": 2},
            {"id": "c1", "name": None, "is_distributor": False, "level": None},
        ],
        "edges": [
            {"source": "c1", "target": "d1", "kind": "shares_signal", "detail": "device"},
            {"source": "c1", "target": "d1", "kind": "shares_signal", "detail": "phone"},
            {"source": "c1", "target": "d1", "kind": "bound_to", "detail": ""},
        ],
    }
    els = networks.ring_elements(ring, ZH)
    nodes = [e for e in els if "source" not in e["data"]]
    edges = [e for e in els if "source" in e["data"]]
    assert [(n["data"]["label"], n["classes"]) for n in nodes] == [
        ("甲", "distributor"), ("c1", "customer"),
    ]  # fmt: skip
    assert [(e["data"]["kind"], e["data"]["detail"]) for e in edges] == [
        ("shares_signal", "device, phone"),
        ("bound_to", ""),
    ]
    assert edges[0]["data"]["label"] == "共用信息"


# -- the settings form and the overview period -----------------------------------------------------
@pytest.fixture
def settings_page(dash_app: object):  # type: ignore[no-untyped-def]
    from teamgraph.dashboards.pages import settings

    return settings


def test_the_form_round_trips_without_a_change(settings_page) -> None:  # type: ignore[no-untyped-def]
    s = ProgramSettings()
    assert settings_page.build_patch(s, settings_page.form_values(s)) == {}


def test_the_form_sends_only_what_changed(settings_page) -> None:  # type: ignore[no-untyped-def]
    s = ProgramSettings()
    values = settings_page.form_values(s) | {
        "binding_days": "30",
        "withdrawal.min_fen": "¥12.5",
        "attribution_mode": "sharer",
    }
    patch = settings_page.build_patch(s, values)
    assert patch == {
        "binding_days": 30,
        "attribution_mode": "sharer",
        "withdrawal": s.withdrawal.model_dump() | {"min_fen": 1_250},
    }
    permanent = settings_page.build_patch(
        s.model_copy(update={"binding_days": 30}),
        settings_page.form_values(s.model_copy(update={"binding_days": 30})) | {"binding_days": ""},
    )
    assert permanent == {"binding_days": None}


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("withdrawal.min_fen", "12.345", "ui.yuan"),
        ("withdrawal.max_fen", "ten", "ui.yuan"),
        ("settle_days", "7.5", "ui.number"),
        ("tax_bp", "1.005", "ui.percent"),
    ],
)
def test_the_form_refuses_what_it_cannot_read(settings_page, field, value, code) -> None:  # type: ignore[no-untyped-def]
    s = ProgramSettings()
    with pytest.raises(ValidationError) as err:
        settings_page.build_patch(s, settings_page.form_values(s) | {field: value})
    assert err.value.code == code and err.value.field == field


def test_the_form_edits_levels_as_rows_and_tax_as_a_percentage(settings_page) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: levels are rows (rates in %, amounts in yuan), tax a percentage kept in bp."""
    s = ProgramSettings()
    values = settings_page.form_values(s)
    assert values["tax_bp"] == "0" and values["levels"][0]["reward_bp"] == "10"
    second = dict.fromkeys(values["levels"][0], "") | {
        "name": "Gold",
        "reward_bp": "12.5",
        "inviter_reward_bp": "3",
        "conditions.paid_orders": "10",
        "conditions.received_fen": "1000.50",
    }
    patch = settings_page.build_patch(
        s, values | {"tax_bp": "2.5", "levels": [*values["levels"], second]}
    )
    assert patch["tax_bp"] == 250
    gold = patch["levels"][1]
    assert (gold["level"], gold["reward_bp"], gold["inviter_reward_bp"]) == (2, 1250, 300)
    assert gold["conditions"]["paid_orders"] == 10
    assert gold["conditions"]["received_fen"] == 100_050
    with pytest.raises(ValidationError) as err:
        settings_page.build_patch(s, values | {"levels": [second | {"reward_bp": "ten"}]})
    assert err.value.code == "ui.percent" and err.value.field == "levels[0].reward_bp"


def test_the_overview_period_ends_with_the_chosen_day(dash_app: object) -> None:
    from teamgraph.dashboards.pages import overview

    start, end = overview.period(date(2026, 1, 2), 2, TZ)
    assert (start, end) == (T0, T0 + 2 * 86_400_000)


def test_the_form_sets_and_clears_signal_retention(settings_page) -> None:  # type: ignore[no-untyped-def]
    """PD-4 (docs/choices.md): ``signal_retention_days`` in the settings form; an empty box
    is null (values kept)."""
    s = ProgramSettings()
    values = settings_page.form_values(s) | {"signal_retention_days": "365"}
    assert settings_page.build_patch(s, values) == {"signal_retention_days": 365}
    kept = s.model_copy(update={"signal_retention_days": 365})
    cleared = settings_page.form_values(kept) | {"signal_retention_days": ""}
    assert settings_page.build_patch(kept, cleared) == {"signal_retention_days": None}


def test_the_form_reads_switches_methods_groups_and_points(settings_page) -> None:  # type: ignore[no-untyped-def]
    """Issue 17: every setting is in the form; a points program's amounts are whole points."""
    s = ProgramSettings.model_validate(
        {"reward_kind": "points", "reward_basis": "fixed",
         "withdrawal": {"methods": ["wechat", "bank"]},
         "levels": [{"level": 1, "name": "L1", "reward_fen": 20, "inviter_reward_fen": 5}]}
    )  # fmt: skip
    values = settings_page.form_values(s)
    assert values["levels"][0]["reward_fen"] == "20"
    assert settings_page.build_patch(s, values) == {}
    patch = settings_page.build_patch(
        s,
        values
        | {
            "new_customers_only": True,
            "application.groups": "vip， staff",
            "application.min_spend_fen": "99.9",
            "withdrawal.methods": ["bank", "alipay"],
            "levels": [values["levels"][0] | {"reward_fen": "30"}],
        },
    )
    assert patch["new_customers_only"] is True
    assert patch["application"]["groups"] == ["vip", "staff"]
    assert patch["application"]["min_spend_fen"] == 9_990
    assert patch["withdrawal"]["methods"] == ["bank", "alipay"]
    assert patch["levels"][0]["reward_fen"] == 30
    shown = {f.name.split(".")[0] for f in settings_page.FIELDS} | set(settings_page.TABLES)
    assert shown == set(ProgramSettings.model_fields) - {"pending", "last_mode_change_at"}


def test_the_form_turns_the_team_reward_on_and_off_and_edits_badges(settings_page) -> None:  # type: ignore[no-untyped-def]
    """R-3.14, TR-1, BG-1 in the form: invitation points are whole points, the team reward's
    amount is yuan when paid in cash, an empty threshold turns it off, badges are switches and
    whole numbers; the rules' own check accepts what the form builds."""
    s = ProgramSettings(tiers=2)
    values = settings_page.form_values(s)
    assert values["team_reward.threshold_fen"] == "" and values["team_reward.kind"] == "points"
    on = values | {
        "invitation_points": "5",
        "team_reward.threshold_fen": "1000",
        "team_reward.kind": "cash",
        "team_reward.amount": "12.5",
        "badges.clients.threshold": "20",
        "badges.month_top.enabled": False,
    }
    patch = settings_page.build_patch(s, on)
    assert patch["invitation_points"] == 5
    assert patch["team_reward"] == {"threshold_fen": 100_000, "kind": "cash", "amount": 1_250}
    assert patch["badges"]["clients"] == {"enabled": True, "threshold": 20}
    assert patch["badges"]["month_top"]["enabled"] is False
    assert patch["badges"]["first_sale"] == s.badges.first_sale.model_dump()
    new = rules_settings.change(s, patch, 0)
    assert new.team_reward is not None and new.team_reward.amount == 1_250
    again = settings_page.form_values(new)
    assert settings_page.build_patch(new, again) == {}
    assert again["team_reward.amount"] == "12.50"
    off = settings_page.build_patch(new, again | {"team_reward.threshold_fen": ""})
    assert off == {"team_reward": None}
    points = settings_page.build_patch(
        s, values | {"team_reward.threshold_fen": "500", "team_reward.amount": "300"}
    )
    assert points["team_reward"] == {"threshold_fen": 50_000, "kind": "points", "amount": 300}
