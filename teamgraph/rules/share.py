"""Share codes and share links (推广码 / 推广链接).

A distributor's share link or code is what binds a customer to it (R-1.2) or records it as the
sharer (R-1.3). This module only makes and reads them; recording the visit is the binding rules'
job.

- A **share code** is 8 characters of Crockford base32 (digits and uppercase letters without
  I, L, O, U), derived from a SHA-256 digest of the distributor's id: the same id always gives the
  same code. 40 bits make collisions rare but possible; the caller stores codes under a unique
  constraint and, on a clash, asks again with ``attempt + 1``.
- :func:`normalize_code` reads what a person types: case, spaces, dashes, full-width characters
  and the look-alikes O → 0, I/L → 1 do not matter.
- A **share link** is ``<base>/p/<product>?tg=<code>&ch=<channel>`` (or ``<base>/?tg=<code>``
  without a product); the channel is an optional tag saying where the link was posted.

Pure: strings in, strings out. Drawing a link as a QR code is presentation:
:mod:`teamgraph.qr`.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import quote, urlencode, urlsplit

from teamgraph.errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32: 32 symbols, no I, L, O, U."""

CODE_LENGTH = 8
QUERY_CODE = "tg"
QUERY_CHANNEL = "ch"

_BITS = 5 * CODE_LENGTH  # 40 bits of the digest
_DOMAIN = b"teamgraph/share-code/v1\x00"
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_IGNORED = re.compile(r"[\s\-]+")
_CHANNEL = re.compile(r"[A-Za-z0-9_-]{1,32}")


def share_code(distributor_id: str, attempt: int = 0) -> str:
    """The stable 8-character share code of ``distributor_id``.

    ``attempt`` picks another code for the same id when the first one is already taken by another
    distributor (the caller retries with ``attempt + 1``). Same input, same code, always: the
    digest input is versioned and never depends on the process or platform.
    """
    if not isinstance(distributor_id, str) or not distributor_id:
        raise ValueError("distributor_id must be a non-empty string")
    if not isinstance(attempt, int) or isinstance(attempt, bool) or attempt < 0:
        raise ValueError(f"attempt must be an int >= 0, got {attempt!r}")
    payload = _DOMAIN + distributor_id.encode("utf-8") + b"\x00" + str(attempt).encode("ascii")
    digest = hashlib.sha256(payload).digest()
    number = int.from_bytes(digest[: _BITS // 8], "big")
    return "".join(ALPHABET[(number >> shift) & 31] for shift in range(_BITS - 5, -1, -5))


def _bad_code(text: object) -> ValidationError:
    return ValidationError(
        "share.bad_code",
        f"a share code is {CODE_LENGTH} characters of digits and letters (got {text!r})",
        field="code",
    )


def normalize_code(text: str) -> str:
    """The canonical share code for what a person typed or read off a poster.

    Full-width characters become ASCII (NFKC), case does not matter, spaces and dashes are
    dropped, and O → 0, I/L → 1 as Crockford base32 prescribes. Anything that is not then 8
    characters of :data:`ALPHABET` is refused with :class:`ValidationError` ``share.bad_code``.
    """
    if not isinstance(text, str):
        raise _bad_code(text)
    code = _IGNORED.sub("", unicodedata.normalize("NFKC", text)).upper().translate(_LOOKALIKES)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        raise _bad_code(text)
    return code


def _base(base_url: str) -> str:
    parts = urlsplit(base_url.strip()) if isinstance(base_url, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
    ):
        raise ValidationError(
            "share.bad_base_url",
            f"the shop's base URL is an http(s) URL without query or fragment (got {base_url!r})",
            field="base_url",
        )
    return base_url.strip().rstrip("/")


def share_link(
    base_url: str, code: str, product_id: str | None = None, channel: str | None = None
) -> str:
    """The share link of ``code``, to a product page or (without ``product_id``) the shop's home.

    ``https://shop.example/p/<product>?tg=<code>&ch=<channel>``: the product id is
    percent-encoded as one path segment, the code is normalized first (``share.bad_code``), and
    the optional channel is a tag of letters, digits, ``_`` and ``-``, at most 32 characters
    (``share.bad_channel``).
    """
    base = _base(base_url)
    query = {QUERY_CODE: normalize_code(code)}
    if channel is not None:
        if not isinstance(channel, str) or not _CHANNEL.fullmatch(channel):
            raise ValidationError(
                "share.bad_channel",
                f"a channel is 1-32 letters, digits, '_' or '-' (got {channel!r})",
                field="channel",
            )
        query[QUERY_CHANNEL] = channel
    if product_id is None:
        path = "/"
    elif isinstance(product_id, str) and product_id:
        path = "/p/" + quote(product_id, safe="")
    else:
        raise ValidationError(
            "share.bad_product",
            f"a product id is a non-empty string (got {product_id!r})",
            field="product_id",
        )
    return f"{base}{path}?{urlencode(query)}"
