"""Identity values as a reviewer sees them: enough to tell two apart, not enough to reuse
(F-11). IPs keep their first two octets, addresses their first six characters, the others a
few characters at each end.

Phones are stored as their keyed digest (P-2), never as numbers, so a reviewer sees a short
fingerprint of the digest, ``#``, its first six characters and ``…``: it tells two phones of a ring
apart and, without the installation's key, says nothing of the number; an old digest sealed
without its number (P-4) the same, marked ``legacy#``. An old digest not yet sealed (unkeyed
SHA-256, P-4) can be turned back into its number by trying every number, so it shows three
characters only, marked ``sha256#``. A number as written (the generator's tables, F-12) keeps
its first three and last four digits.
"""

from __future__ import annotations

from teamgraph.phones import SEALED, is_legacy, is_sealed


def mask(kind: str, value: str) -> str:
    v = str(value)
    if kind == "phone":
        if v.isdigit() and len(v) >= 7:
            return f"{v[:3]}****{v[-4:]}"
        if is_legacy(v):
            return f"sha256#{v[:3]}…"
        if is_sealed(v):
            return f"legacy#{v[len(SEALED) : len(SEALED) + 6]}…"
        return f"#{v[:6]}…"
    if kind == "ip" and v.count(".") == 3:
        a, b, _, _ = v.split(".")
        return f"{a}.{b}.*.*"
    if kind == "address":
        return v[:6] + "…" if len(v) > 6 else v[:2] + "…"
    if len(v) <= 6:
        return v[:1] + "…"
    return f"{v[:6]}…{v[-2:]}"
