"""Who may see and act on a handoff: the rules every route and use case asks, written once.

Supervisors and admins (managers) may do everything an agent may. The bot's service key sees every handoff but acts
on none as an agent.
"""

from __future__ import annotations

from collections.abc import Collection

from handoff.auth import Principal
from handoff.errors import PermissionDeniedError
from handoff.store.models import Handoff


def owns(caller: Principal, handoff: Handoff) -> bool:
    """Whether the caller holds the handoff (is its agent) or manages."""
    return caller.is_manager or (caller.agent_id is not None and handoff.agent_id == caller.agent_id)


def can_see(caller: Principal, handoff: Handoff) -> bool:
    """Service and managers see every handoff; agents those of their queues and their own conversations."""
    return caller.is_service or owns(caller, handoff) or handoff.queue in caller.queues


def require_visible(caller: Principal, handoff: Handoff) -> None:
    """Refuse a caller who may not see the handoff (agents outside its queue who do not hold it)."""
    if not can_see(caller, handoff):
        raise PermissionDeniedError("not in your queues")


def require_owner(caller: Principal, handoff: Handoff, refusal: str) -> None:
    """Refuse a caller who neither holds the handoff nor manages."""
    if not owns(caller, handoff):
        raise PermissionDeniedError(refusal)


def require_queue(caller: Principal, queue: str, agent_queues: Collection[str]) -> None:
    """Refuse an agent who takes work from a queue that is not theirs (managers may take from any)."""
    if queue not in agent_queues and not caller.is_manager:
        raise PermissionDeniedError(f"queue {queue} is not one of your queues")
