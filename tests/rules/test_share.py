"""Share codes and links (推广码 / 推广链接), pure: strings in, strings out (QR codes:
tests/test_qr.py)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from teamgraph.errors import ValidationError
from teamgraph.rules import share as S

RFC4648 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def test_share_code_is_stable_for_a_fixed_id() -> None:
    # Computed once and frozen: changing the derivation would change every printed poster.
    assert S.share_code("A1") == "4QT3EAKT"
    assert S.share_code("d1") == "VJXYXF3A"
    assert S.share_code("d1", attempt=1) == "W7CRNFAY"
    assert S.share_code("A1") == S.share_code("A1", 0)


def test_share_code_is_crockford_base32_of_sha256() -> None:
    # An independent derivation: RFC 4648 base32 of the first 40 bits, mapped symbol by symbol.
    digest = hashlib.sha256(b"teamgraph/share-code/v1\x00A1\x000").digest()
    rfc = base64.b32encode(digest[:5]).decode()
    assert rfc.translate(str.maketrans(RFC4648, S.ALPHABET)) == S.share_code("A1")


def test_share_code_alphabet() -> None:
    assert len(S.ALPHABET) == 32 == len(set(S.ALPHABET))
    assert not set("ILOU") & set(S.ALPHABET)
    assert set("0123456789") <= set(S.ALPHABET)


@given(distributor_id=st.text(min_size=1, max_size=40), attempt=st.integers(0, 1000))
def test_share_code_shape_and_round_trip(distributor_id: str, attempt: int) -> None:
    code = S.share_code(distributor_id, attempt)
    assert len(code) == 8 and set(code) <= set(S.ALPHABET)
    assert S.share_code(distributor_id, attempt) == code
    assert S.normalize_code(code) == code
    assert S.normalize_code(code.lower()) == code
    assert S.normalize_code(f" {code[:4]}-{code[4:]} ") == code


def test_share_code_attempts_and_ids_give_different_codes() -> None:
    codes = {S.share_code("A1", attempt) for attempt in range(50)}
    codes |= {S.share_code(f"d{i}") for i in range(50)}
    assert len(codes) == 100


@pytest.mark.parametrize(("distributor_id", "attempt"), [("", 0), ("A1", -1), ("A1", True)])
def test_share_code_bad_input(distributor_id: str, attempt: Any) -> None:
    with pytest.raises(ValueError):
        S.share_code(distributor_id, attempt)


@pytest.mark.parametrize(
    "typed",
    [
        "4QT3EAKT",
        "4qt3eakt",
        "  4qt3-eakt ",
        "4QT3 EAKT",
        "4-Q-T-3-E-A-K-T",
        "４ＱＴ３ＥＡＫＴ",  # full-width, as a Chinese input method types it
        "4ＱＴ３－ＥＡＫＴ",
    ],
)
def test_normalize_code_round_trip(typed: str) -> None:
    assert S.normalize_code(typed) == "4QT3EAKT"


def test_normalize_code_maps_crockford_lookalikes() -> None:
    assert S.normalize_code("OoIiLl01") == "00111101"
    assert S.normalize_code("o0o0-iIlL") == "00001111"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "   ",
        "4QT3EAK",  # 7
        "4QT3EAKTX",  # 9
        "4QT3EAKU",  # U is not Crockford
        "4QT3EAK*",
        "4QT3EAK.",
        "4QT3_EAKT",
        "ÄQT3EAKT",
        "https://shop.example/?tg=4QT3EAKT",
    ],
)
def test_normalize_code_bad_codes(bad: str) -> None:
    with pytest.raises(ValidationError) as info:
        S.normalize_code(bad)
    assert info.value.code == "share.bad_code" and info.value.field == "code"


def test_normalize_code_refuses_non_strings() -> None:
    with pytest.raises(ValidationError):
        S.normalize_code(12345678)  # type: ignore[arg-type]


def test_share_link_with_product_and_channel() -> None:
    url = S.share_link("https://shop.example", "4qt3-eakt", "sku-1", "wechat_moments")
    assert url == "https://shop.example/p/sku-1?tg=4QT3EAKT&ch=wechat_moments"


def test_share_link_without_product() -> None:
    assert S.share_link("https://shop.example/", "4QT3EAKT") == "https://shop.example/?tg=4QT3EAKT"
    assert (
        S.share_link("https://shop.example/store", "4QT3EAKT", channel="poster-2")
        == "https://shop.example/store/?tg=4QT3EAKT&ch=poster-2"
    )


@pytest.mark.parametrize("product_id", ["a b", "x/../y", "红茶?&=#", "%41", "100%"])
def test_share_link_encodes_odd_product_ids(product_id: str) -> None:
    url = S.share_link("https://shop.example", "4QT3EAKT", product_id)
    parts = urlsplit(url)
    assert url.isascii()
    assert parts.path.startswith("/p/") and parts.path.count("/") == 2  # one path segment
    assert unquote(parts.path[len("/p/") :]) == product_id
    assert parse_qs(parts.query) == {"tg": ["4QT3EAKT"]}
    assert parts.fragment == ""


@pytest.mark.parametrize("channel", ["", "a" * 33, "we chat", "朋友圈", "a&b=c", "x\n"])
def test_share_link_bad_channel(channel: str) -> None:
    with pytest.raises(ValidationError) as info:
        S.share_link("https://shop.example", "4QT3EAKT", channel=channel)
    assert info.value.code == "share.bad_channel" and info.value.field == "channel"


def test_share_link_accepts_a_32_character_channel() -> None:
    url = S.share_link("https://shop.example", "4QT3EAKT", channel="A_-9" * 8)
    assert parse_qs(urlsplit(url).query)["ch"] == ["A_-9" * 8]


def test_share_link_bad_inputs() -> None:
    with pytest.raises(ValidationError) as info:
        S.share_link("https://shop.example", "4QT3EAKU")
    assert info.value.code == "share.bad_code"
    for base in ["shop.example", "ftp://shop.example", "https://shop.example/?a=1", "https://"]:
        with pytest.raises(ValidationError) as info:
            S.share_link(base, "4QT3EAKT")
        assert info.value.code == "share.bad_base_url"
    with pytest.raises(ValidationError) as info:
        S.share_link("https://shop.example", "4QT3EAKT", "")
    assert info.value.code == "share.bad_product"
