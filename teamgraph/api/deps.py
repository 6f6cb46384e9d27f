"""Dependencies: the engine of the process, the caller's key, and the shop it opens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from teamgraph.errors import AuthError, Forbidden, ValidationError
from teamgraph.graph import Engine
from teamgraph.shop import Principal, Role, Shop, split_key

_bearer = HTTPBearer(auto_error=False, description="A shop key: `teamgraph key create`")


def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def _caller(
    engine: EngineDep,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> tuple[Shop, Principal]:
    if creds is None or creds.scheme.lower() != "bearer":
        raise AuthError("auth.missing_key", "send `Authorization: Bearer <key>`")
    shop_id, _ = split_key(creds.credentials)
    try:
        shop = Shop(engine.open(shop_id))
    except ValidationError:  # an id that cannot name a shop cannot be a key
        raise AuthError("auth.invalid_key", "unknown key") from None
    return shop, shop.authenticate(creds.credentials)


CallerDep = Annotated[tuple[Shop, Principal], Depends(_caller)]


def require(*roles: Role) -> Callable[[tuple[Shop, Principal]], tuple[Shop, Principal]]:
    """A dependency admitting only ``roles``; 403 ``auth.forbidden`` otherwise."""

    def check(caller: CallerDep) -> tuple[Shop, Principal]:
        if caller[1].role not in roles:
            raise Forbidden(
                "auth.forbidden",
                f"a {caller[1].role} key may not do this (needs {'/'.join(roles)})",
            )
        return caller

    return check


MerchantDep = Annotated[tuple[Shop, Principal], Depends(require("merchant"))]
ReaderDep = Annotated[tuple[Shop, Principal], Depends(require("merchant", "analyst"))]


def _distributor_reader(distributor_id: str, caller: CallerDep) -> tuple[Shop, Principal]:
    """Team views: merchant and analyst read any distributor, a distributor key only its own."""
    role, own = caller[1].role, caller[1].distributor_id
    if role == "distributor" and own != distributor_id:
        raise Forbidden("auth.forbidden", "a distributor key reads only its own distributor")
    return caller


DistributorReaderDep = Annotated[tuple[Shop, Principal], Depends(_distributor_reader)]
"""For routes under ``/v1/distributors/{distributor_id}``: the id in the path is checked."""
