"""A tiny NLU model trained from inline YAML, saved and loaded from its archive as the Rasa server does."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from typing import Any

from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.model_training import train_nlu


def train_tiny(folder: Path, config: str, nlu: str) -> Agent:
    """Train on `nlu` with `config` (both YAML text) in `folder` and load the archive."""
    (folder / "config.yml").write_text(textwrap.dedent(config), encoding="utf-8")
    (folder / "nlu.yml").write_text(textwrap.dedent(nlu), encoding="utf-8")
    model_path = train_nlu(
        str(folder / "config.yml"), str(folder / "nlu.yml"), str(folder / "models"), fixed_model_name="tiny"
    )
    assert model_path is not None and Path(model_path).is_file()
    return Agent.load(model_path)


def parse(agent: Agent, text: str, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Parse one message the way the Rasa server does, with channel metadata."""
    assert agent.processor is not None
    return asyncio.run(agent.processor.parse_message(UserMessage(text, metadata=metadata)))
