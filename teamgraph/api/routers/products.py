"""``POST /v1/products`` (merchant): a product and its own reward setting (docs/api.md "Events and
idempotency"; docs/rules.md R-3.2, R-3.3, R-3.5, R-3.8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictInt, StrictStr

from teamgraph.api.deps import MerchantDep
from teamgraph.api.schemas import MAX_FEN, Fen, Id, RequestBody

router = APIRouter(prefix="/v1/products", tags=["products"])

Price = Annotated[StrictInt, Field(ge=0, le=MAX_FEN, description="integer fen (分)")]


class ProductCreate(RequestBody):
    """A product, created or replaced as a whole. Its own reward (R-3.5) is a rate
    (``reward_bp``, counted on the ``rate`` basis) or a per-unit amount (``reward_fen``, on the
    ``fixed`` basis), not both; without one the distributor level's default applies.
    ``cost_fen`` is its unit cost: cost protection (R-3.8) counts qty × it for an order line
    that gives no cost of its own."""

    id: Id
    name: Annotated[StrictStr, Field(min_length=1, max_length=200)]
    price_fen: Price
    cost_fen: Price | None = None
    reward_bp: StrictInt | None = Field(default=None, description="0-5000 (R-3.3)")
    reward_fen: Fen | None = None


class ProductPublic(BaseModel):
    id: str
    name: str | None
    price_fen: int
    cost_fen: int | None
    reward_bp: int | None
    reward_fen: int | None


@router.post("", response_model=ProductPublic)
def upsert_product(body: ProductCreate, caller: MerchantDep) -> Any:
    """Creates the product or replaces it (an upsert: 200 either way). A rate above 50%, or
    one that with the inviter tiers could pay more than 50% of a line, is refused (R-3.3)."""
    shop = caller.shop
    return shop.upsert_product(
        body.id,
        name=body.name,
        price_fen=body.price_fen,
        cost_fen=body.cost_fen,
        reward_bp=body.reward_bp,
        reward_fen=body.reward_fen,
    )
