"""bot/admission.py: at most `limit` turns in work at once, in arrival order, and nothing lost on errors."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.processor import MessageProcessor

from bot import admission


def test_the_limit_comes_from_the_environment() -> None:
    assert admission.configured_limit({}) == admission.DEFAULT_LIMIT
    assert admission.configured_limit({admission.LIMIT_VARIABLE: " 7 "}) == 7
    assert admission.configured_limit({admission.LIMIT_VARIABLE: "0"}) == 0
    with pytest.raises(ValueError, match="whole number"):
        admission.configured_limit({admission.LIMIT_VARIABLE: "four"})
    with pytest.raises(ValueError, match="0 \\(no bound\\) or more"):
        admission.configured_limit({admission.LIMIT_VARIABLE: "-1"})


def test_turns_beyond_the_limit_wait_and_all_are_answered() -> None:
    """Ten turns at once with a limit of 3: never more than 3 in work, every turn answered, started in order."""
    in_work = 0
    most = 0
    started: list[int] = []

    async def handler(_processor: Any, message: Any) -> list[str]:
        nonlocal in_work, most
        started.append(message)
        in_work += 1
        most = max(most, in_work)
        await asyncio.sleep(0.01)  # the action server, the database
        in_work -= 1
        return [f"answer {message}"]

    handle = admission.bounded(handler, 3)

    async def scenario() -> list[Any]:
        return await asyncio.gather(*(handle(None, number) for number in range(10)))  # type: ignore[arg-type]

    answers = asyncio.run(scenario())
    assert answers == [[f"answer {number}"] for number in range(10)]
    assert most == 3
    assert started == list(range(10))


def test_a_failing_turn_gives_its_slot_back() -> None:
    async def handler(_processor: Any, message: Any) -> str:
        if message == "bad":
            raise RuntimeError("action server down")
        return "ok"

    handle = admission.bounded(handler, 1)

    async def scenario() -> list[Any]:
        return await asyncio.gather(
            handle(None, "bad"),  # type: ignore[arg-type]
            handle(None, "good"),  # type: ignore[arg-type]
            return_exceptions=True,
        )

    failed, answered = asyncio.run(scenario())
    assert isinstance(failed, RuntimeError) and answered == "ok"


def test_install_bounds_rasas_processor_once(monkeypatch: pytest.MonkeyPatch) -> None:
    rasas = MessageProcessor.handle_message
    monkeypatch.setattr(admission, "_original", None)
    monkeypatch.setattr(MessageProcessor, "handle_message", rasas)
    admission.install(limit=2)
    bounded = MessageProcessor.handle_message
    assert bounded is not rasas and "at most 2" in (bounded.__doc__ or "")
    admission.install(limit=5)
    assert MessageProcessor.handle_message is bounded


def test_a_limit_of_zero_leaves_rasa_as_it_is(monkeypatch: pytest.MonkeyPatch) -> None:
    rasas = MessageProcessor.handle_message
    monkeypatch.setattr(admission, "_original", None)
    monkeypatch.setattr(MessageProcessor, "handle_message", rasas)
    admission.install(limit=0)
    assert MessageProcessor.handle_message is rasas
