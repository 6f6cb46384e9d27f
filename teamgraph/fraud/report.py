"""A scan's report: ``rings.csv`` (one row per ring) and ``rings.html``, one self-contained page
(no script, no CDN) with each ring's picture as inline SVG, its score contributions, members
and shared signals."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from teamgraph import sheets
from teamgraph.rules.money import yuan

EDGE_COLOURS = {
    "shares_signal": "#d62728",
    "bound_to": "#1f77b4",
    "invited_by": "#2ca02c",
    "earned_from": "#ff7f0e",
}
_MONEY = ("pending_fen", "held_fen", "settled_fen", "total_fen")
_COUNTS = {
    "score", "members", "distributors", "inside_fen",
    *(f"at_stake_{m}" for m in _MONEY), *(f"outside_{m}" for m in _MONEY),
}  # fmt: skip
CSV_COLUMNS = [
    sheets.Column(name, "int" if name in _COUNTS else "str")
    for name in ("id", "score", "status", "kinds", "members", "distributors", "inside_fen",
                 *(f"at_stake_{m}" for m in _MONEY), *(f"outside_{m}" for m in _MONEY),
                 "hold", "top_signals", "member_ids")
]  # fmt: skip
"""``rings.csv``, written by :mod:`teamgraph.sheets` (member ids and signals are the shop's
data: formula-like text is defused, X-1). The money is F-3's, in fen, net of clawbacks:
``at_stake_*`` what flowed inside the group (rewards its distributor members earned from its
members' orders), ``outside_*`` the same members' other earnings; ``inside_fen`` the scan's
gross measure of the first; ``hold`` what a frozen ring holds (F-2)."""


def _money(r: Mapping[str, Any], part: str) -> list[int]:
    got = r.get(part) or {}
    return [int(got.get(m, 0)) for m in _MONEY]


def write(
    rings: Sequence[Mapping[str, Any]], out_dir: Path, *, shop: str, summary: str
) -> dict[str, Path]:
    """Write ``rings.csv`` and ``rings.html`` into ``out_dir``; rings as ``Shop.ring`` gives
    them. Returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = out_dir / "rings.csv", out_dir / "rings.html"
    rows = (
        [
            r["id"], r["score"], r["status"], ";".join(r["kinds"]), r["members"],
            r["distributors"], r["at_stake"]["inside_fen"], *_money(r, "at_stake"),
            *_money(r, "outside"), r.get("hold") or "", " | ".join(r["top_signals"]),
            ";".join(m["id"] for m in r["member_list"]),
        ]
        for r in rings
    )  # fmt: skip
    sheets.write_table(csv_path, "csv", CSV_COLUMNS, rows)
    html_path.write_text(page(rings, shop=shop, summary=summary), encoding="utf-8")
    return {"csv": csv_path, "html": html_path}


def svg(ring: Mapping[str, Any], size: int = 360) -> str:
    """The ring as a picture: members on a circle (distributors as squares), edges coloured by
    kind (shared signal, binding, invitation, commission)."""
    members = [m["id"] for m in ring["member_list"]]
    n = max(len(members), 1)
    c, radius = size / 2, size / 2 - 40
    pos = {
        m: (c + radius * math.cos(2 * math.pi * i / n - math.pi / 2),
            c + radius * math.sin(2 * math.pi * i / n - math.pi / 2))
        for i, m in enumerate(members)
    }  # fmt: skip
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img" aria-label="ring {html.escape(ring["id"])}">'
    ]
    for e in ring["edges"]:
        if e["source"] in pos and e["target"] in pos:
            (x1, y1), (x2, y2) = pos[e["source"]], pos[e["target"]]
            colour = EDGE_COLOURS.get(e["kind"], "#999")
            dash = ' stroke-dasharray="4 3"' if e["kind"] == "shares_signal" else ""
            parts.append(
                f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                f'stroke="{colour}" stroke-width="1.6" opacity="0.75"{dash}>'
                f"<title>{html.escape(e['kind'])}: {html.escape(e['detail'])}</title></line>"
            )
    for m in ring["member_list"]:
        x, y = pos[m["id"]]
        label = html.escape(m["id"])
        title = html.escape(f"{m['id']} {m.get('name') or ''}")
        if m["is_distributor"]:
            shape = (
                f'<rect x="{x - 8:.1f}" y="{y - 8:.1f}" width="16" height="16" fill="#4a4a8a">'
                f"<title>{title}</title></rect>"
            )
        else:
            shape = (
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#8c8c8c">'
                f"<title>{title}</title></circle>"
            )
        parts.append(shape)
        if n <= 24:
            parts.append(
                f'<text x="{x:.1f}" y="{y + 20:.1f}" font-size="10" '
                f'text-anchor="middle">{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _parts(money: list[int]) -> str:
    pending, held, settled, total = money
    return (
        f"¥{yuan(total)} — pending ¥{yuan(pending)}, held ¥{yuan(held)}, settled ¥{yuan(settled)}"
    )


def page(rings: Sequence[Mapping[str, Any]], *, shop: str, summary: str) -> str:
    e = html.escape
    legend = " ".join(
        f'<span style="color:{colour}">━ {e(kind)}</span>' for kind, colour in EDGE_COLOURS.items()
    )
    rows = "".join(
        f"<tr><td><a href='#{e(r['id'])}'>{e(r['id'])}</a></td><td>{r['score']}</td>"
        f"<td>{e(r['status'])}</td><td>{e(', '.join(r['kinds']))}</td><td>{r['members']}</td>"
        f"<td>{r['distributors']}</td><td>¥{yuan(r['at_stake']['inside_fen'])}</td>"
        f"<td>¥{yuan(_money(r, 'at_stake')[3])}</td><td>¥{yuan(_money(r, 'outside')[3])}</td>"
        "</tr>"
        for r in rings
    )
    sections = []
    for r in rings:
        contribs = "".join(
            f"<tr><td>{e(c['signal'])}</td><td>{c['points']}</td><td>{e(c['detail'])}</td></tr>"
            for c in r["contributions"]
        )
        members = ", ".join(
            f"{'<b>' if m['is_distributor'] else ''}{e(m['id'])}"
            f"{'</b>' if m['is_distributor'] else ''}"
            for m in r["member_list"]
        )
        shared = "".join(
            f"<li>{e(s['kind'])} {e(s['value'])}: {e(', '.join(s['members']))}</li>"
            for s in r["signals"]
        )
        shared_block = (
            f"<ul>{shared}</ul>"
            if shared
            else "<p>none: the evidence is the cycle of bindings itself</p>"
            if "circular" in r["kinds"]
            else "<p>none</p>"
        )
        sections.append(
            f"<section id='{e(r['id'])}'><h2>{e(r['id'])} — score {r['score']} "
            f"({e(r['status'])})</h2><div class='ring'>{svg(r)}<div>"
            f"<table><tr><th>signal</th><th>points</th><th>evidence</th></tr>{contribs}</table>"
            f"<p><b>members</b> ({r['members']}, distributors in bold): {members}</p>"
            f"<p><b>at stake</b> (commission paid to the member distributors from members' "
            f"orders, net of refunds): {_parts(_money(r, 'at_stake'))}; as issued, before "
            f"refunds, ¥{yuan(r['at_stake']['inside_fen'])}</p>"
            f"<p><b>members' other earnings</b> (outside the group, net of refunds): "
            f"{_parts(_money(r, 'outside'))}"
            + (f"; <b>frozen, holding</b> {e(str(r['hold']))}" if r["status"] == "frozen" else "")
            + "</p>"
            f"<p><b>shared signals</b></p>{shared_block}</div></div></section>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>teamgraph rings — {e(shop)}</title><style>"
        "body{font-family:system-ui,'WenQuanYi Micro Hei',sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:left;vertical-align:top}.ring{display:flex;gap:2em;align-items:flex-start}"
        "section{border-top:1px solid #ddd;margin-top:1.5em}</style></head><body>"
        f"<h1>Fraud rings of shop {e(shop)}</h1><p>{e(summary)}</p><p>{legend}</p>"
        "<table><tr><th>ring</th><th>score</th><th>status</th><th>kinds</th><th>members</th>"
        "<th>distributors</th><th>at stake (inside, net)</th><th>other earnings (net)</th></tr>"
        f"{rows}</table>{''.join(sections)}</body></html>"
    )
