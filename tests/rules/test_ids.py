"""The id rule (docs/choices.md I-1): what an id may hold, checked before any engine sees it."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.rules.ids import MAX_ID_LENGTH, id_problem, normal_id

# what the issue found killing FalkorDB 4.16, and its neighbours
INVISIBLE = (
    [chr(c) for c in range(0x00, 0x20)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x2028, 0x202F)]
    + ["\ufeff", "\u2066", "\u2069", "\u00ad"]
)


@pytest.mark.parametrize("value", ["c000123", "王小明", "o-2025/06/01#1", "a b", "Ünïcödé"])
def test_ids_people_type_are_ids(value: str) -> None:
    assert id_problem(value) is None
    assert normal_id(value) == unicodedata.normalize("NFC", value)


@pytest.mark.parametrize("ch", INVISIBLE)
def test_no_id_holds_a_control_or_invisible_character(ch: str) -> None:
    assert id_problem(f"a{ch}") is not None
    with pytest.raises(ValueError, match="invisible or control"):
        normal_id(f"c1{ch}")


@pytest.mark.parametrize("value", ["", " ", "   ", "\u3000", "\t"])
def test_no_id_is_blank(value: str) -> None:
    with pytest.raises(ValueError):
        normal_id(value)


def test_an_id_is_bounded_and_text() -> None:
    assert normal_id("x" * MAX_ID_LENGTH) == "x" * MAX_ID_LENGTH
    with pytest.raises(ValueError, match="at most"):
        normal_id("x" * (MAX_ID_LENGTH + 1))
    assert id_problem("x" * 1000, max_length=None) is None  # ids built from ids (the stores)
    with pytest.raises(ValueError, match="text"):
        normal_id(7)  # type: ignore[arg-type]


def test_the_same_text_typed_two_ways_is_one_id() -> None:
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    assert composed != decomposed
    assert normal_id(composed) == normal_id(decomposed) == composed


@given(st.text(alphabet=st.sampled_from([*INVISIBLE, " ", "a", "王", "-"]), max_size=12))
def test_an_accepted_id_is_visible_text_and_stays_itself(value: str) -> None:
    try:
        ok = normal_id(value)
    except ValueError:
        return
    assert ok.strip() and not any(ch in INVISIBLE for ch in ok)
    assert normal_id(ok) == ok
