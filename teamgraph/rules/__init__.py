"""Pure program rules (docs/rules.md): settings model, binding, attribution, commission, levels,
withdrawals.

No I/O, no graph, no clock, no presentation (QR codes are :mod:`teamgraph.qr`, files
:mod:`teamgraph.sheets`): time comes in as an argument (integer epoch ms, UTC). Imports nothing
of the project except ``teamgraph.errors`` and its own modules (``tests/rules/test_imports.py``
checks it); values are ints, strings and dataclasses or pydantic models.
"""
