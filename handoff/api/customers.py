"""Per-customer export and erasure (admin only)."""

from __future__ import annotations

from fastapi import APIRouter

from handoff.api.deps import Admin, Context
from handoff.schemas import CustomerExport, ErasureResult
from handoff.services import customers

router = APIRouter(tags=["customers"])


@router.get("/customers/{customer_id}/export", response_model=CustomerExport)
def export_customer(customer_id: str, ctx: Context, caller: Admin) -> CustomerExport:
    """Everything stored about the customer."""
    return customers.export_customer(ctx, customer_id)


@router.delete("/customers/{customer_id}", response_model=ErasureResult)
def erase_customer(customer_id: str, ctx: Context, caller: Admin) -> ErasureResult:
    """Erase the customer's messages, profile and identifiers."""
    return customers.erase_customer(ctx, caller, customer_id)
