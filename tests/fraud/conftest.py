"""Fraud tests: shops on the real embedded engine (the shop-level factory of tests/shop)."""

from __future__ import annotations

from tests.shop.conftest import make_shop  # noqa: F401  (the fixture, shared)
