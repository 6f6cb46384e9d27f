"""``GET /v1/health``: no key; which engine is in use and whether it answers."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from teamgraph import __version__
from teamgraph.api.deps import EngineDep

router = APIRouter(prefix="/v1", tags=["health"])


class HealthPublic(BaseModel):
    status: str
    engine: str
    answers: bool
    version: str


@router.get("/health", response_model=HealthPublic)
def health(engine: EngineDep) -> JSONResponse:
    answers = engine.ping()
    body = HealthPublic(
        status="ok" if answers else "unavailable",
        engine=engine.kind,
        answers=answers,
        version=__version__,
    )
    return JSONResponse(body.model_dump(), status_code=200 if answers else 503)
