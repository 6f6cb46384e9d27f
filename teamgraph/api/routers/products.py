"""``POST /v1/products`` (merchant): a product and its own reward setting (docs/api.md "Events and
idempotency"; docs/rules.md R-3.2, R-3.3, R-3.5, R-3.8); ``GET /v1/products`` (paged by id) and
``GET /v1/products/{product_id}`` (merchant and analyst): what the Products page shows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictInt, StrictStr

from teamgraph.api.deps import MerchantDep, ReaderDep
from teamgraph.api.schemas import (
    MAX_FEN,
    CursorQuery,
    Fen,
    Id,
    LimitQuery,
    Page,
    RequestBody,
)

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


@router.get("", response_model=Page[ProductPublic])
def list_products(caller: ReaderDep, limit: LimitQuery = 50, cursor: CursorQuery = None) -> Any:
    """The shop's products by id, each with its own reward (null: the level's default applies,
    R-3.5). After a switch of the reward kind every own reward reads 0 (R-3.1)."""
    return caller.shop.products(limit=limit, cursor=cursor)


@router.get("/{product_id}", response_model=ProductPublic)
def get_product(product_id: str, caller: ReaderDep) -> Any:
    """One product; 404 `product.not_found`."""
    return caller.shop.product(product_id)
