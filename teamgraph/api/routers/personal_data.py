"""A customer's personal data (PIPL/GDPR, issue 16; docs/api.md "Personal data",
docs/integration.md "Personal data", docs/choices.md PD-1..PD-6): the export of everything
stored about one customer, and its erasure. Merchant keys only; both are audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from teamgraph.api.deps import MerchantDep

router = APIRouter(prefix="/v1/customers", tags=["personal data"])


class PersonalDataPublic(BaseModel):
    """Everything stored about the customer, each object with every property it has, values as
    stored: times in epoch ms (UTC), money in fen, phones as their keyed digest, signal values
    as stored (``h:…`` once pseudonymised), withdrawal accounts masked."""

    model_config = ConfigDict(extra="allow")

    customer_id: str
    customer: dict[str, Any]
    is_distributor: bool
    bindings: list[dict[str, Any]]
    shares: list[dict[str, Any]]
    orders: list[dict[str, Any]]
    signals: list[dict[str, Any]]
    rings: list[dict[str, Any]]
    distributor: dict[str, Any] | None
    changes: list[dict[str, Any]]
    access: dict[str, list[dict[str, Any]]]


class ErasurePublic(BaseModel):
    customer_id: str
    erased_at: int
    signals_pseudonymised: int
    withdrawals_masked: int


@router.get("/{customer_id}/personal-data", response_model=PersonalDataPublic)
def export_personal_data(customer_id: str, caller: MerchantDep) -> Any:
    """Everything stored about the customer (PD-1): its profile (name, phone digest, joined,
    application, distributor status, level and counters), every binding (current and past) and
    share visit, its orders with lines and refunds, its identity signals (value as stored, first
    and last seen), the rings it is a member of, and for a distributor its inviter, invitees
    count and ledger entries (rewards, clawbacks, bonuses, withdrawals with masked accounts),
    its access to the distributor center (sign-in links and keys, without their secrets), and
    the audit log's records of decisions about it (`changes`, this export's own among them).
    Recorded in the audit log (`personal_data.export`)."""
    return caller.shop.personal_data(customer_id, actor=caller.actor)


@router.delete("/{customer_id}/personal-data", response_model=ErasurePublic)
def erase_personal_data(
    customer_id: str,
    caller: MerchantDep,
    reason: Annotated[str, Query(min_length=1, max_length=500)],
) -> Any:
    """Erase the customer's personal fields (PD-2): name and phone digest removed, its identity
    signal values replaced by keyed pseudonyms (ties kept for fraud detection), withdrawal
    accounts masked and holder names removed. Every amount, balance, count, level and
    relationship stays as it was, and so does the customer's id (PD-3). Idempotent; audited
    with its reason (`personal_data.erase`). 409 `personal_data.payout_pending` while a
    withdrawal of the customer awaits payout (PD-5)."""
    return caller.shop.erase_personal_data(customer_id, reason=reason, actor=caller.actor)
