"""Pure program rules (RULES.md): settings model, binding, attribution, commission, levels,
withdrawals.

No I/O, no graph, no clock: time comes in as an argument (integer epoch ms, UTC). Imports
nothing of the project except ``teamgraph.errors``; values are ints, strings and dataclasses or
pydantic models.
"""
