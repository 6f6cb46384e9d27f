"""Cursors round-trip every position a list can hand out, and refuse whatever they did not make
(teamgraph/shop/cursors.py; the rule over HTTP: tests/api/test_cursors.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.errors import ValidationError
from teamgraph.rules.ids import id_problem
from teamgraph.shop import cursors

ids = st.text(min_size=1, max_size=300).filter(lambda s: id_problem(s, max_length=None) is None)


@given(at=st.integers(min_value=0, max_value=2**62), entry=ids)
def test_a_cursor_gives_back_its_position(at: int, entry: str) -> None:
    cursor = cursors.encode("ledger", at, entry)
    assert len(cursor) <= cursors.MAX_LENGTH
    assert cursors.decode("ledger", cursor, int, str) == (at, entry)
    with pytest.raises(ValidationError) as err:
        cursors.decode("withdrawals", cursor, str)
    assert (err.value.code, err.value.field) == ("request.cursor", "cursor")


@given(text=st.text(max_size=40))
def test_text_a_list_did_not_hand_out_is_refused(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        cursors.decode("clients", text, str)
    assert err.value.code == "request.cursor"


def test_no_cursor_is_the_first_page() -> None:
    assert cursors.decode("rings", None, int) is None
