"""The OpenAPI document lists every error an operation can answer, with its schema.

FastAPI documents an operation's success and, for one with parameters, its own 422 body
(``HTTPValidationError``), which this API never sends. :func:`install` completes the document
once, here, from what each route is made of:

- **401** (``WWW-Authenticate: Bearer``), **403** and **503** (``Retry-After``) from the
  dependencies it uses (:data:`teamgraph.api.deps.ANSWERS`: a key, a role check, the engine);
- **404** for an id in its path, **422** for any parameter or body (our error body replacing
  FastAPI's), **413** for a body (larger than the API reads), and **200** beside a 201 (an
  event sent again answers the first result, R-3.12);
- and what only the route knows, :data:`ROUTE_ANSWERS`: a 404 for an id named in the body,
  409 where a state or another write can refuse it, 403 where a distributor key names another
  distributor in the query.

Every error is :class:`~teamgraph.api.errors.ErrorBody`. An answer a route declares itself
(the health check's 503 is its report, not an error) is kept as declared. The schemathesis test
(tests/api/test_schemathesis.py) checks the real answers against the document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from teamgraph.api import deps
from teamgraph.api.errors import RETRY_AFTER_S, ErrorBody
from teamgraph.api.routers import (
    backoffice,
    customers,
    distributors,
    keys,
    orders,
    personal_data,
    settings,
    visits,
    webhooks,
    withdrawals,
)

ROUTE_ANSWERS: dict[Callable[..., Any], frozenset[int]] = {
    settings.put_settings: frozenset({409}),  # settings.too_soon, settings.concurrent
    customers.create_customer: frozenset({404, 409}),  # distributor.not_found; event.conflict
    visits.create_visit: frozenset({404, 409}),  # share.unknown_code, distributor.not_found;
    # event.conflict (a visit id repeated with another body)
    distributors.apply: frozenset({404, 409}),  # customer.not_found; distributor.cycle
    distributors.approve: frozenset({409}),  # distributor.not_pending, distributor.cycle
    distributors.reject: frozenset({409}),  # distributor.not_pending
    orders.record_order: frozenset({404, 409}),  # customer.not_found; event.conflict, order.busy
    orders.refund: frozenset({409}),  # event.conflict, refund.busy
    withdrawals.request_withdrawal: frozenset({404, 409}),  # distributor.not_found; event.conflict
    withdrawals.list_withdrawals: frozenset({403}),  # a distributor key naming another
    withdrawals.approve_batch: frozenset({404, 409}),  # withdrawal.not_found; withdrawal.state
    withdrawals.reject_batch: frozenset({404, 409}),
    withdrawals.paid_batch: frozenset({404, 409}),
    withdrawals.approve: frozenset({409}),  # withdrawal.state
    withdrawals.reject: frozenset({409}),
    withdrawals.paid: frozenset({409}),
    keys.create_key: frozenset({404}),  # distributor.not_found
    keys.get_key: frozenset({404}),  # key.not_found
    keys.revoke_key: frozenset({404, 409}),  # key.not_found; key.self
    keys.rotate_key: frozenset({404, 409}),  # key.not_found; key.revoked, key.rotated, …
    webhooks.update_webhook: frozenset({409}),  # webhook.busy
    webhooks.delete_webhook: frozenset({409}),
    webhooks.rotate_secret: frozenset({409}),
    personal_data.erase_personal_data: frozenset({409}),  # personal_data.payout_pending
    # issue 17, the back office
    backoffice.adjust: frozenset({409}),  # event.conflict
}
"""What a route answers beyond what its make-up says (the module's doc), by its endpoint."""

WHY: dict[int, str] = {
    401: "no key, or a key that opens no shop (`auth.missing_key`, `auth.invalid_key`)",
    403: "the key's role may not do this (`auth.forbidden`)",
    404: "an id that does not exist (`customer.not_found`, `distributor.not_found`, …)",
    409: "the state forbids it now, or another write got there first (`event.conflict`, …)",
    413: "the body is larger than the API reads (`request.too_large`)",
    422: "the request breaks a schema or a rule (`request.invalid`, `id.invalid`, …)",
    503: "the graph engine does not answer (`graph.unavailable`): send it again after "
    "`Retry-After` seconds",
}
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
    503: {
        "Retry-After": {
            "description": f"seconds to wait before sending again ({RETRY_AFTER_S})",
            "schema": {"type": "integer"},
            "required": True,
        }
    },
}
REPEAT = "the same event sent again: the first result, nothing written (R-3.12)"
_FASTAPI_422 = ("HTTPValidationError", "ValidationError")


def answers(route: APIRoute) -> set[int]:
    """Every error status ``route`` can answer (the module's doc)."""
    parts = list(_parts(route.dependant))
    found = {status for part in parts for status in deps.ANSWERS.get(part.call, ())}  # type: ignore[arg-type]
    if any(part.path_params for part in parts):
        found |= {404, 422}
    if any(part.query_params or part.body_params for part in parts):
        found.add(422)
    if any(part.body_params for part in parts):
        found.add(413)
    return found | ROUTE_ANSWERS.get(route.endpoint, frozenset())


def _parts(dependant: Dependant) -> Iterator[Dependant]:
    """The route's own dependant and every dependency under it."""
    yield dependant
    for sub in dependant.dependencies:
        yield from _parts(sub)


def install(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """Make ``app``'s OpenAPI document list the error answers of the routes of ``routers``."""
    generate = app.openapi
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]

    def openapi() -> dict[str, Any]:
        doc = generate()  # FastAPI's, made once and kept; completing it again changes nothing
        _complete(doc, routes)
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(doc: dict[str, Any], routes: list[APIRoute]) -> None:
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body.pop("$defs", {}))
    schemas[ErrorBody.__name__] = body
    error = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ErrorBody.__name__}"}}}
    for route in routes:
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            responses = doc["paths"][route.path_format][method.lower()]["responses"]
            if route.status_code == 201 and "200" not in responses:
                responses["200"] = {"description": REPEAT, "content": responses["201"]["content"]}
            for status in sorted(answers(route)):
                declared = route.responses.get(status) or route.responses.get(str(status))
                answer = responses.setdefault(str(status), {})
                if not declared:
                    answer.update(description=WHY[status], content=error)
                if status in HEADERS:
                    answer["headers"] = HEADERS[status]
    for name in _FASTAPI_422:
        schemas.pop(name, None)
