"""Operator commands that need no running service: ``python -m handoff.manage revoke-demo-tokens``.

The service refuses to start outside demo mode while an agent still has a documented demo token; this command
disables those agents and replaces their tokens (audited), so a database that once ran the demo can go live.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import select

from handoff.adapters.config_loader import DEMO_DIR, agents_with_documented_tokens
from handoff.secrets_store import hash_token
from handoff.services.agent_lifecycle import new_token
from handoff.services.context import utc_now
from handoff.services.transitions import audit
from handoff.settings import Settings
from handoff.store.db import make_engine, make_session_factory, upgrade_schema
from handoff.store.models import Agent


def revoke_demo_tokens(settings: Settings) -> list[str]:
    """Disable every agent with a documented demo token and give it a random token nobody knows."""
    engine = make_engine(settings.database_url)
    try:
        upgrade_schema(engine)
        with make_session_factory(engine)() as session:
            ids = agents_with_documented_tokens(session, [DEMO_DIR, settings.demo_dir])
            now = utc_now()
            for agent in session.scalars(select(Agent).where(Agent.id.in_(ids))):
                agent.token_hash = hash_token(new_token())
                agent.disabled = True
                agent.status = "offline"
                agent.token_rotated_at = now
                audit(session, at=now, actor="cli", action="agent_disabled", handoff_id=None,
                      details={"agent_id": agent.id, "reason": "documented demo token revoked"})  # fmt: skip
            session.commit()
            return ids
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one command."""
    parser = argparse.ArgumentParser(prog="python -m handoff.manage", description=__doc__)
    parser.add_argument("command", choices=["revoke-demo-tokens"])
    parser.parse_args(argv)
    ids = revoke_demo_tokens(Settings())
    print(f"disabled and re-keyed {len(ids)} agents: {', '.join(ids) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
