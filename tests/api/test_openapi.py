"""The OpenAPI document lists every error an operation can answer, with the error body the API
sends (``{"error": {code, rule, message, field?}}``), never FastAPI's ``HTTPValidationError``
(teamgraph/api/openapi.py). tests/api/test_schemathesis.py checks the real answers against it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import Api

ERROR = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture
def spec(api: Api) -> dict[str, Any]:
    return httpx.get(f"{api.url}/openapi.json", timeout=30).json()


def operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", op)
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
    ]


def test_every_error_answer_has_the_error_body(spec: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    detail = spec["components"]["schemas"]["ErrorDetail"]
    assert detail["required"] == ["code", "rule", "message"]
    assert set(detail["properties"]) == {"code", "rule", "message", "field"}
    for name, op in operations(spec):
        for status, answer in op["responses"].items():
            if int(status) >= 400 and name != "GET /v1/health":
                assert answer["content"]["application/json"]["schema"] == ERROR, (name, status)


def test_each_operation_lists_what_it_can_answer(spec: dict[str, Any]) -> None:
    for name, op in operations(spec):
        answers = set(op["responses"])
        assert "503" in answers, name  # every operation reads the engine
        assert "Retry-After" in op["responses"]["503"]["headers"], name
        if name == "GET /v1/health":
            assert "security" not in op and answers == {"200", "503"}
            continue
        assert "401" in answers and op["security"] == [{"HTTPBearer": []}], name
        assert "WWW-Authenticate" in op["responses"]["401"]["headers"], name
        if "{" in name:
            assert {"404", "422"} <= answers, name
        if op.get("parameters") or "requestBody" in op:
            assert "422" in answers, name
        if "requestBody" in op:  # request.too_large
            assert "413" in answers, name
        if "201" in answers:  # an event sent again answers 200 with the first result
            assert "200" in answers, name


@pytest.mark.parametrize(
    ("operation", "statuses"),
    [
        ("GET /v1/settings", "200 401 403 503"),
        ("PUT /v1/settings", "200 401 403 409 413 422 503"),
        ("POST /v1/orders", "200 201 401 403 404 409 413 422 503"),
        ("GET /v1/leaderboard", "200 401 422 503"),  # any key: no 403
        ("GET /v1/withdrawals", "200 401 403 422 503"),
        ("GET /v1/withdrawals/{withdrawal_id}", "200 401 404 422 503"),
        ("POST /v1/withdrawals/{withdrawal_id}/paid", "200 401 403 404 409 413 422 503"),
        ("GET /v1/distributors/{distributor_id}/ledger", "200 401 403 404 422 503"),
        ("POST /v1/rings/{ring_id}/freeze", "200 401 403 404 413 422 503"),
    ],
)
def test_some_operations_exactly(spec: dict[str, Any], operation: str, statuses: str) -> None:
    assert set(dict(operations(spec))[operation]["responses"]) == set(statuses.split())
