"""Phone numbers: one form for every number (E.164), and the keyed digest the graph keeps of it.

A phone enters teamgraph through the API (a customer's ``phone``), an import (a customer's
``phone``, a ``phone`` signal), a CRMEB export or the demo generator; each passes it through
:meth:`PhoneKey.digest`, so ``17300000001``, ``+86 17300000001`` and ``173-0000-0001`` are one
number and one digest (docs/choices.md P-1 to P-4):

- :func:`normalize` reads the text with ``phonenumbers`` (region CN when it has no country code),
  refuses what it cannot read or what cannot be a number (``phone.invalid``, the field named),
  and answers the E.164 text (``+8617300000001``).
- :class:`PhoneKey` is the installation's secret: the digest is HMAC-SHA256 of the E.164 text
  under it, written as 43 characters of unpadded base64url. Without the secret a digest cannot
  be turned back into a number by trying every number, which an unkeyed SHA-256 could
  (the whole Chinese mobile range in hours).
- :func:`load_key` reads the secret once per process, when the process connects to its graph
  (``teamgraph.graph.connect``): ``TEAMGRAPH_PHONE_KEY`` (64 hex digits) when set, else the file
  ``phone.key`` of the data directory, made with 0600 rights by the first process that needs it.
- :func:`legacy_digest` is how phones were kept before (SHA-256 hex of the text as written), for
  ``teamgraph shop rekey-phones`` alone; :func:`is_legacy` tells such a digest by its form.
  :meth:`PhoneKey.seal` keys an old digest whose number nobody gave back (``legacy:`` and 43
  characters, :func:`is_sealed`): no longer reversible, still equal for equal old digests.

Imports ``teamgraph.errors`` and ``teamgraph.logs`` only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

import phonenumbers

from teamgraph import logs
from teamgraph.errors import TeamgraphError, ValidationError

DEFAULT_REGION = "CN"
"""The region of a number written without a country code (+86)."""
KEY_FILE = "phone.key"
"""The secret's file in the data directory."""
KEY_ENV = "TEAMGRAPH_PHONE_KEY"
KEY_BYTES = 32
MAX_PHONE_LENGTH = 64
_SHAPE = re.compile(r"\+?[\d\s\-().]+")
"""What a phone may be written with: digits (full-width ones too), spaces, ``-``, ``.``,
brackets and a leading ``+``; letters (``ext. 5``, vanity numbers) are refused."""
_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64,}$")
_LEGACY = re.compile(r"^[0-9a-f]{64}$")
PSEUDONYM = "h:"
"""How a pseudonymised signal value starts (:meth:`PhoneKey.pseudonym`)."""
SEALED = "legacy:"
"""How a sealed old digest starts (:meth:`PhoneKey.seal`)."""


def normalize(phone: str, *, field: str = "phone") -> str:
    """``phone`` in E.164 (``+8617300000001``); :class:`ValidationError` ``phone.invalid``
    naming ``field`` when it cannot be read or cannot be a number (too short, too long)."""
    text = phone.strip() if isinstance(phone, str) else ""
    if not text or len(text) > MAX_PHONE_LENGTH or not _SHAPE.fullmatch(text):
        raise _invalid(phone, field, "write it with digits, spaces, '-' and a leading '+'")
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise _invalid(phone, field, _PARSE_PROBLEMS.get(exc.error_type, "not a number")) from None
    if not phonenumbers.is_possible_number(number):
        raise _invalid(phone, field, "not a possible number (wrong length for its country)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_PARSE_PROBLEMS = {
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.NOT_A_NUMBER: "too few digits, or none",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too short",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too short",
    phonenumbers.NumberParseException.TOO_LONG: "too long",
}


def _invalid(phone: object, field: str, why: str) -> ValidationError:
    shown = phone if isinstance(phone, str) and len(phone) <= MAX_PHONE_LENGTH else "…"
    return ValidationError("phone.invalid", f"{shown!r} is not a phone number: {why}", field=field)


class PhoneKey:
    """The installation's phone secret; :meth:`digest` is the only way a phone is stored."""

    __slots__ = ("_secret",)

    def __init__(self, secret: bytes) -> None:
        if len(secret) < KEY_BYTES:
            raise TeamgraphError("phone.key_invalid", f"a phone key has at least {KEY_BYTES} bytes")
        self._secret = secret

    def digest(self, phone: str, *, field: str = "phone") -> str:
        """The stored form of ``phone``: its E.164 text (:func:`normalize`) keyed."""
        return self.digest_e164(normalize(phone, field=field))

    def digest_e164(self, e164: str) -> str:
        return self._mac(e164.encode("ascii"))

    def seal(self, legacy: str) -> str:
        """An old digest (:func:`legacy_digest`) keyed as it is, for a phone whose number is
        not known: ``legacy:`` and its keyed digest. Equal old digests stay equal (old links
        hold), and the number cannot be found from it without the key."""
        return SEALED + self._mac(b"sha256:" + legacy.encode("ascii"))

    def pseudonym(self, kind: str, value: str) -> str:
        """An identity signal's value (R-6.1) replaced by its keyed pseudonym (docs/choices.md
        PD-2, PD-4): ``h:`` and the HMAC of the kind and the value as stored. Equal values stay
        equal, so ties between customers hold; without the key nothing can be found from it."""
        return PSEUDONYM + self._mac(f"signal:{kind}:{value}".encode())

    def _mac(self, message: bytes) -> str:
        mac = hmac.new(self._secret, message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")

    def __repr__(self) -> str:  # never the secret, in a log or a traceback
        return "PhoneKey(<secret>)"


def legacy_digest(text: str) -> str:
    """How a phone was kept before keyed digests: SHA-256 hex of the text as written."""
    return hashlib.sha256(text.encode()).hexdigest()


def is_legacy(digest: str) -> bool:
    """Whether a stored digest is a :func:`legacy_digest` (64 hex digits), not a keyed one
    (43 base64url characters)."""
    return bool(_LEGACY.match(digest))


def is_sealed(digest: str) -> bool:
    """Whether a stored digest is a sealed old one (:meth:`PhoneKey.seal`)."""
    return digest.startswith(SEALED)


def load_key(data_dir: Path, override: str | None = None) -> PhoneKey:
    """The installation's key: ``override`` (``TEAMGRAPH_PHONE_KEY``, hex) when given, else
    ``data_dir/phone.key``, created (0600, 32 random bytes as hex) when there is none. Two
    processes starting together make one key: the file appears whole or not at all."""
    if override is not None:
        return PhoneKey(_from_hex(override, KEY_ENV))
    path = data_dir / KEY_FILE
    if not path.exists():
        _create(path)
    return PhoneKey(_read(path))


def _from_hex(text: str, where: str) -> bytes:
    value = text.strip()
    if not _HEX_KEY.match(value) or len(value) % 2:
        raise TeamgraphError(
            "phone.key_invalid",
            f"{where} is not a phone key: write {KEY_BYTES} bytes or more as hex "
            "(`openssl rand -hex 32`)",
        )
    return bytes.fromhex(value)


def _read(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & 0o077:
        logs.get(__name__).warning(
            "phone.key_readable",
            path=str(path),
            mode=oct(mode & 0o777),
            advice=f"chmod 600 {path}: with the key, trying numbers finds the ones phone "
            "digests hold",
        )
    return _from_hex(path.read_text("ascii"), str(path))


def _create(path: Path) -> None:
    """Write a new key beside ``path`` with 0600 rights and link it into place; when another
    process linked its key first, that one stays (and this one is dropped)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)  # whatever the umask
        os.write(fd, (secrets.token_bytes(KEY_BYTES).hex() + "\n").encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass
    else:
        logs.get(__name__).info("phone.key_created", path=str(path))
    finally:
        temp.unlink()
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
