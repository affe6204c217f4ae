"""A short soak: customers on REST, the web chat and WhatsApp talk to scripted agents while the action server and the
handoff service are SIGKILLed and restarted; nothing may be lost, duplicated, reordered or left in an outbox.

Regressions found by the full soak (bench/soak/results.md): replies and relays dropped while the action server
restarted (Rasa answered 200 without running the action)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.soak.run import Plan, soak
from bench.soak.system import default_system
from scripts.stack import KB_INDEX_DIR, MODEL_PATH, ROOT
from tests.channels.standin import StandIn

pytestmark = pytest.mark.e2e

SMALL = Plan(customers=6, messages=36, window=3, rounds=1, interval=4.0, deadline=240.0, settle=60.0)


@pytest.fixture(scope="module")
def model_and_index() -> None:
    """Whatever model and KB index `make train kb` built last (the soak checks delivery, not answers); built only
    when missing."""
    if not (MODEL_PATH.exists() and (KB_INDEX_DIR / "index.faiss").exists()):
        subprocess.run(["make", "-s", "train", "kb"], cwd=ROOT, check=True)


def test_processes_killed_mid_conversation_lose_nothing(model_and_index: None, tmp_path: Path) -> None:
    with StandIn() as standin, default_system(tmp_path, standin) as system:
        system = type(system)(**{**system.__dict__, "faults": ("actions", "handoff")})
        outcome = soak(system, standin, SMALL)
    ledger = outcome.ledger
    assert outcome.fault_error is None
    assert [fault.process for fault in outcome.recoveries] == ["actions", "handoff"]
    assert outcome.info.finished, ledger.problems
    assert (ledger.lost, ledger.duplicated, ledger.out_of_order) == (0, 0, 0), ledger.problems
    assert (ledger.handoffs_missing, ledger.handoffs_duplicated) == (0, 0)
    assert sum(ledger.stuck.values()) == 0, ledger.stuck
    assert ledger.to_agents.delivered == ledger.to_customers.delivered == SMALL.messages
