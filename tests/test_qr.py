"""QR codes of share links (推广二维码, teamgraph/qr.py): exactly segno's rendering of the link
at error correction M with a 4-module quiet zone; strings in, SVG text and PNG bytes out."""

from __future__ import annotations

import io
import struct
from typing import Any

import pytest
import segno

from teamgraph import qr as S
from teamgraph.errors import ValidationError
from teamgraph.rules import share


def test_rules_share_no_longer_draws() -> None:
    assert not hasattr(share, "qr_svg") and not hasattr(share, "qr_png")
    assert "segno" not in vars(share)


URL = "https://shop.example/p/sku%201?tg=4QT3EAKT&ch=poster"


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def _expected() -> segno.QRCode:
    return segno.make_qr(URL, error="m", boost_error=False)


def test_qr_encodes_the_url_with_error_correction_m() -> None:
    qr = _expected()
    assert qr.designator.endswith("-M") and qr.mode == "byte" and not qr.is_micro
    # What we render is exactly segno's rendering of that symbol, so the URL is what is encoded.
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=8, border=4)
    assert S.qr_png(URL) == buf.getvalue()
    other = io.BytesIO()
    segno.make_qr(URL + "x", error="m").save(other, kind="png", scale=8, border=4)
    assert S.qr_png(URL) != other.getvalue()


def test_qr_png_is_a_png_with_a_quiet_zone() -> None:
    png = S.qr_png(URL)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 0
    modules = _expected().symbol_size(scale=1, border=0)[0]
    assert _png_size(png) == ((modules + 2 * 4) * 8,) * 2
    assert _png_size(S.qr_png(URL, scale=2)) == ((modules + 2 * 4) * 2,) * 2


def test_qr_svg_is_a_complete_svg_document() -> None:
    svg = S.qr_svg(URL)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert 'xmlns="http://www.w3.org/2000/svg"' in svg
    assert not svg.startswith("<?xml")
    modules = _expected().symbol_size(scale=1, border=0)[0]
    assert f'width="{(modules + 8) * 8}"' in svg


def test_qr_output_is_deterministic() -> None:
    assert S.qr_png(URL) == S.qr_png(URL)
    assert S.qr_svg(URL) == S.qr_svg(URL)
    assert S.qr_svg(URL) != S.qr_svg(URL + "x")


@pytest.mark.parametrize("scale", [0, 33, -1, True])
def test_qr_png_bad_scale(scale: Any) -> None:
    with pytest.raises(ValidationError) as info:
        S.qr_png(URL, scale=scale)
    assert info.value.code == "share.bad_scale"


def test_qr_needs_a_url() -> None:
    with pytest.raises(ValidationError) as info:
        S.qr_svg("")
    assert info.value.code == "share.bad_url"
