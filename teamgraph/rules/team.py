"""Team counts (R-2.3) computed from the relationships, as plain values.

Shop keeps these counters on the distributor nodes and moves them in the statements that change
bindings and invitations; :func:`recount` derives them from scratch, to check those counters
and to set them after a bulk load.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def recount(
    distributors: Sequence[str],
    invitations: Iterable[tuple[str, str]],
    direct: Mapping[str, int],
) -> dict[str, dict[str, Any]]:
    """For each distributor: direct clients (``direct``), indirect clients (its invitees'
    direct clients), invitees, team size and members per depth (``by_depth[k]`` = members at
    depth k + 1) of the invitation forest given as (distributor, inviter) pairs."""
    inviter = dict(invitations)
    out: dict[str, dict[str, Any]] = {
        d: {
            "id": d,
            "direct_clients": int(direct.get(d, 0)),
            "indirect_clients": 0,
            "invitees": 0,
            "team_size": 0,
            "by_depth": [],
        }
        for d in distributors
    }
    for member, first in inviter.items():
        if member not in out or first not in out:
            continue
        out[first]["invitees"] += 1
        out[first]["indirect_clients"] += out[member]["direct_clients"]
        above, depth, seen = first, 1, {member}
        while above in out and above not in seen:  # a cycle cannot be formed; guard
            row = out[above]
            row["team_size"] += 1
            if len(row["by_depth"]) < depth:
                row["by_depth"].extend([0] * (depth - len(row["by_depth"])))
            row["by_depth"][depth - 1] += 1
            seen.add(above)
            above, depth = inviter.get(above, ""), depth + 1
    return out
