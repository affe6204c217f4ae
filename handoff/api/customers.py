"""Per-customer export and erasure across every store, and the retention pass (admin only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, status

from handoff.api.deps import Admin, Context
from handoff.privacy.retention import run_privacy_pass
from handoff.privacy.runtime import PrivacyRuntime
from handoff.schemas import CustomerExport, ErasureResult, RetentionResult
from handoff.services import customers

router = APIRouter(tags=["customers"])


def get_privacy(request: Request) -> PrivacyRuntime:
    """The privacy runtime created in the lifespan."""
    runtime: PrivacyRuntime = request.app.state.privacy
    return runtime


Privacy = Annotated[PrivacyRuntime, Depends(get_privacy)]
# The ids the stores hold: at most 256 characters, no control characters (PostgreSQL refuses NUL in text).
CustomerId = Annotated[
    str, Path(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$", description="conversation or customer id")
]


@router.get("/customers/{customer_id}/export", response_model=CustomerExport)
def export_customer(customer_id: CustomerId, ctx: Context, privacy: Privacy, caller: Admin) -> CustomerExport:
    """Everything stored about the customer: handoff database, Rasa, the action server's outbox, Redis."""
    return customers.export_customer(ctx, privacy, caller, customer_id)


@router.delete(
    "/customers/{customer_id}",
    response_model=ErasureResult,
    responses={202: {"model": ErasureResult, "description": "erased here; some store has not confirmed yet"}},
)
def erase_customer(
    customer_id: CustomerId, ctx: Context, privacy: Privacy, caller: Admin, response: Response
) -> ErasureResult:
    """Erase the customer from every store; 202 with ``complete: false`` while a store still has to confirm."""
    result = customers.erase_customer(ctx, privacy, caller, customer_id)
    if not result.complete:
        response.status_code = status.HTTP_202_ACCEPTED
    return result


@router.post("/privacy/retention", response_model=RetentionResult)
def run_retention(ctx: Context, privacy: Privacy, caller: Admin) -> RetentionResult:
    """Run the retention and erasure-retry pass now (it also runs in the background)."""
    return run_privacy_pass(ctx, privacy)
