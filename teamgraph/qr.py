"""QR codes of share links (推广二维码), rendered as SVG or PNG in memory.

The link itself is the rules' business (:func:`teamgraph.rules.share.share_link`); this module
only draws it: a regular QR code (never Micro QR) with error correction level M exactly and a
4-module quiet zone. ``Shop.share`` embeds the SVG; the API serves the PNG at a scale the
caller picks (1 to :data:`MAX_SCALE` pixels per module).
"""

from __future__ import annotations

import io

import segno

from teamgraph.errors import ValidationError

QR_ERROR = "m"
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules
MAX_SCALE = 32


def _qr(url: str) -> segno.QRCode:
    """The QR symbol of ``url``: a regular QR code (never Micro QR), error correction exactly M."""
    if not isinstance(url, str) or not url:
        raise ValidationError("share.bad_url", "a QR code needs a non-empty URL", field="url")
    return segno.make_qr(url, error=QR_ERROR, boost_error=False)


def _scale(scale: int) -> int:
    if not isinstance(scale, int) or isinstance(scale, bool) or not 1 <= scale <= MAX_SCALE:
        raise ValidationError(
            "share.bad_scale",
            f"a QR scale is an integer from 1 to {MAX_SCALE} pixels per module (got {scale!r})",
            field="scale",
        )
    return scale


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as a complete SVG document (no XML declaration), 8 px per module."""
    buf = io.BytesIO()
    _qr(url).save(buf, kind="svg", xmldecl=False, border=QR_BORDER, scale=8)
    return buf.getvalue().decode("utf-8")


def qr_png(url: str, scale: int = 8) -> bytes:
    """The QR code of ``url`` as PNG bytes, ``scale`` pixels per module (1-32)."""
    buf = io.BytesIO()
    _qr(url).save(buf, kind="png", border=QR_BORDER, scale=_scale(scale))
    return buf.getvalue()
