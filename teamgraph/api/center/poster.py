"""The share poster (推广海报): a PNG a distributor saves and posts in WeChat — the shop's name,
the distributor's name and share code, and the QR code of its share link.

Drawn with Pillow at 750×1334 (a phone screen at 2×), on the shop's own background when it has
uploaded one (C-5: :func:`background_jpeg` makes any PNG, JPEG or WebP fit the poster), else on
a gradient. Chinese text needs a CJK font: WenQuanYi
Micro Hei (Debian's ``fonts-wqy-microhei``) or the file named by ``TEAMGRAPH_POSTER_FONT``;
without one the text is drawn in Pillow's own font, which has no Chinese glyphs.
"""

from __future__ import annotations

import io
import os
from functools import cache
from pathlib import Path
from typing import Final

from PIL import Image, ImageDraw, ImageFont, ImageOps

from teamgraph.errors import ValidationError
from teamgraph.qr import qr_png

SIZE: Final = (750, 1334)
FONTS: Final = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
TOP, BOTTOM = (255, 247, 237), (254, 215, 170)  # a warm gradient, the center's accent colours
INK, ACCENT = (31, 35, 40), (194, 65, 12)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@cache
def _font_path() -> str | None:
    for path in (os.environ.get("TEAMGRAPH_POSTER_FONT"), *FONTS):
        if path and Path(path).is_file():
            return path
    return None


def _font(size: int) -> Font:
    path = _font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default(size)


def _centered(
    draw: ImageDraw.ImageDraw, y: int, text: str, font: Font, fill: tuple[int, ...]
) -> None:
    width = draw.textlength(text, font=font)
    draw.text(((SIZE[0] - width) / 2, y), text, font=font, fill=fill)


def _fit(draw: ImageDraw.ImageDraw, text: str, size: int, width: int) -> Font:
    """The largest font up to ``size`` in which ``text`` fits ``width`` pixels."""
    while size > 16 and draw.textlength(text, font=_font(size)) > width:
        size -= 4
    return _font(size)


MAX_UPLOAD_PIXELS: Final = 4096 * 4096
"""The largest background accepted (pixels): more is refused before it is decoded."""
FORMATS: Final = ("PNG", "JPEG", "WEBP")


def _refused(message: str) -> ValidationError:
    return ValidationError("poster.invalid", message, field="image")


def background_jpeg(data: bytes) -> bytes:
    """C-5: an uploaded background as the poster uses it: cropped to the poster's shape and
    size, a JPEG. ValidationError ``poster.invalid`` for anything but a PNG, JPEG or WebP
    image of at most :data:`MAX_UPLOAD_PIXELS` pixels."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in FORMATS:
                raise _refused("the image is not a PNG, JPEG or WebP")
            if probe.width * probe.height > MAX_UPLOAD_PIXELS:
                raise _refused("the image is larger than 4096×4096 pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            fitted = ImageOps.fit(image.convert("RGB"), SIZE, Image.Resampling.LANCZOS)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise _refused("the file is not an image that can be read") from None
    buf = io.BytesIO()
    fitted.save(buf, format="JPEG", quality=82, optimize=True)
    return buf.getvalue()


def _gradient() -> Image.Image:
    image = Image.new("RGB", SIZE, TOP)
    draw = ImageDraw.Draw(image)
    for y in range(SIZE[1]):  # vertical gradient, one line at a time
        t = y / (SIZE[1] - 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(TOP, BOTTOM, strict=True))
        draw.line([(0, y), (SIZE[0], y)], fill=colour)
    return image


def poster_png(
    shop: str, name: str, code: str, link: str, caption: str, background: bytes | None = None
) -> bytes:
    """The poster as PNG bytes: ``shop`` on top, then ``name``, the QR code of ``link`` and
    ``caption`` (e.g. "长按识别二维码") with the share ``code`` under it; on ``background`` (a
    JPEG from :func:`background_jpeg`) when given."""
    if background is None:
        image = _gradient()
    else:
        image = Image.open(io.BytesIO(background)).convert("RGB").resize(SIZE)
        band = image.crop((0, 80, SIZE[0], 1210))  # the text and the code stay legible
        image.paste(Image.blend(band, Image.new("RGB", band.size, (255, 255, 255)), 0.72), (0, 80))
    draw = ImageDraw.Draw(image)
    _centered(draw, 120, shop, _fit(draw, shop, 56, 650), ACCENT)
    _centered(draw, 230, name, _fit(draw, name, 44, 650), INK)
    qr = Image.open(io.BytesIO(qr_png(link, scale=12))).convert("RGB")
    qr = qr.resize((460, 460), Image.Resampling.NEAREST)
    card = Image.new("RGB", (500, 500), (255, 255, 255))
    card.paste(qr, (20, 20))
    image.paste(card, ((SIZE[0] - 500) // 2, 380))
    _centered(draw, 930, caption, _font(34), INK)
    _centered(draw, 990, code, _font(40), ACCENT)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return buf.getvalue()
