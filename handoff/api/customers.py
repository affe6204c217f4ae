"""Per-customer export and erasure across every store, the retention pass (admin only), and customer records:
the customer beside a conversation (agents), a record with its history, and an agent's audited identity link."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status

from handoff.access import can_see
from handoff.api.deps import Admin, AgentOrManager, Context, Manager
from handoff.customers.schemas import CustomerContext, IdentityLinkIn, IdentityLinkOut
from handoff.privacy.retention import run_privacy_pass
from handoff.privacy.runtime import PrivacyRuntime
from handoff.schemas import CustomerExport, ErasureResult, RetentionResult
from handoff.services import customer_views, customers
from handoff.services.handoffs import load_handoff

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


RecordId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-f-]+$", description="customer record id")]
HandoffId = Annotated[str, Path(min_length=1, max_length=36)]


@router.get("/handoffs/{handoff_id}/customer", response_model=CustomerContext)
def handoff_customer(handoff_id: HandoffId, ctx: Context, caller: AgentOrManager) -> CustomerContext:
    """The conversation's customer: their record (profile, identities, VIP, tier) and their other handoffs."""
    if not can_see(caller, load_handoff(ctx, handoff_id)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "not in your queues")
    return customer_views.customer_context(ctx, handoff_id)


@router.get("/customer-records/{record_id}", response_model=CustomerContext)
def get_customer_record(record_id: RecordId, ctx: Context, caller: Manager) -> CustomerContext:
    """A customer record with its identities and every handoff of theirs, newest first (supervisors, admins)."""
    return customer_views.get_record(ctx, record_id)


@router.post("/customer-records/{record_id}/identities", response_model=IdentityLinkOut)
def link_identity(
    record_id: RecordId, body: IdentityLinkIn, ctx: Context, privacy: Privacy, caller: AgentOrManager
) -> IdentityLinkOut:
    """Link a conversation's customer (agents: one assigned to them) or a channel id (managers) to the record."""
    return customer_views.link(ctx, privacy, caller, record_id, body)
