"""``teamgraph shop rekey-phones``: the phones of import files, as they were written, for
:meth:`Shop.rekey_phones <teamgraph.shop.rekey.Rekey.rekey_phones>` (docs/choices.md P-4).

The old digest of a phone was the SHA-256 of its text as it reached the shop: an import's cell
trimmed (a number cell as its digits), an API body's text as sent. :func:`phone_texts` reads
every file given (any format :mod:`teamgraph.etl.read` reads) and gives each phone cell in both
forms: the ``phone`` column (a customers file, CRMEB's ``eb_user``) and the ``value`` of the
rows whose ``kind`` is ``phone`` (a signals file); ``--map`` renames a column first, as for
``teamgraph load``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from teamgraph.errors import ValidationError
from teamgraph.etl import read as reader
from teamgraph.etl import values as v
from teamgraph.etl.importer import rename
from teamgraph.shop import RekeyReport, Shop


def phone_texts(
    paths: Iterable[Path], *, mapping: Mapping[str, str] | None = None, encoding: str | None = None
) -> set[str]:
    """Every phone of ``paths`` as it may have been hashed (see the module docstring)."""
    out: set[str] = set()
    for path in paths:
        frame = rename(reader.read(path, encoding=encoding).frame, mapping or {})
        cells: list[Any] = []
        if "phone" in frame.columns:
            cells += frame["phone"].tolist()
        if {"kind", "value"} <= set(frame.columns):
            kinds = frame["kind"].astype(str).str.strip().str.lower()
            cells += frame.loc[kinds == "phone", "value"].tolist()
        elif "phone" not in frame.columns:
            raise ValidationError(
                "import.columns",
                f"{path.name} has no phone column (a customers file or CRMEB eb_user: phone; "
                "a signals file: kind and value); rename one with --map SRC=phone",
                field="file",
                params={"columns": "phone"},
            )
        for cell in cells:
            if not v.given(cell):
                continue
            if isinstance(cell, str):
                out.add(cell)
            out.add(v.text(cell))
    return out


def rekey_phones(
    shop: Shop,
    paths: Iterable[Path],
    *,
    mapping: Mapping[str, str] | None = None,
    encoding: str | None = None,
    apply: bool = False,
) -> RekeyReport:
    """Re-key ``shop``'s old phone digests from the phones of ``paths``, seal the others."""
    texts = phone_texts(paths, mapping=mapping, encoding=encoding)
    return shop.rekey_phones(texts, apply=apply)
