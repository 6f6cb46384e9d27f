"""``GET /v1/health``: no key; which engine serves the shops (kind, version, edition, the
database and how shops are kept apart in it) and whether it answers: 200, or 503 with the same
report and ``Retry-After`` as every 503 of the API."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from teamgraph import __version__
from teamgraph.api.deps import EngineDep
from teamgraph.api.errors import RETRY_AFTER_S

router = APIRouter(prefix="/v1", tags=["health"])


class EnginePublic(BaseModel):
    version: str | None
    edition: str | None
    database: str
    shops: str


class HealthPublic(BaseModel):
    status: str
    engine: str
    answers: bool
    version: str
    engine_info: EnginePublic | None


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "the engine does not answer"}},
)
def health(engine: EngineDep) -> JSONResponse:
    answers = engine.ping()
    info = engine.describe() if answers else None
    body = HealthPublic(
        status="ok" if answers else "unavailable",
        engine=engine.kind,
        answers=answers,
        version=__version__,
        engine_info=EnginePublic.model_validate(info) if info else None,
    )
    if answers:
        return JSONResponse(body.model_dump())
    return JSONResponse(
        body.model_dump(), status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)}
    )
