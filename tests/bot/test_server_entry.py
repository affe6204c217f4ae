"""bot/server.py and what it installs: the Rasa version check, the edge handed to the channels, and the guard on
customer '/' text in Rasa's message handling."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.domain import Domain

from bot.channels.rest import RestMailboxInput
from bot.channels.webchat import WebChatInput
from bot.security import processor_guard
from bot.security.edge import Edge
from bot.security.settings import EdgeSettings
from bot.server import StartupError, check_rasa_version, parse_args, secure_channels, supported_rasa

DOMAIN = Domain.from_dict(
    {
        "intents": ["affirm", "deny", "agent_close"],
        "responses": {
            "utter_offer_human": [
                {
                    "text": "A person?",
                    "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
                }
            ]
        },
    }
)


def test_only_the_rasa_of_the_requirements_is_supported() -> None:
    """The patches replace methods of the Rasa that bot/requirements.txt pins; any other Rasa refuses to start."""
    assert str(supported_rasa()) == "rasa==3.6.21"
    assert check_rasa_version() == "3.6.21"
    for other in ("3.6.20", "3.7.0", "3.6.21rc1"):
        with pytest.raises(
            StartupError, match=rf"Rasa {other} is installed, but this server supports only rasa==3\.6\.21"
        ):
            check_rasa_version(other)


def test_the_supported_range_is_read_from_the_requirements(tmp_path: Path) -> None:
    """A range in bot/requirements.txt is honoured; a file without a rasa line is a clear error."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pytest>=8  # tests\nrasa>=3.6.20,<3.7  # a range\n", encoding="utf-8")
    assert check_rasa_version("3.6.20", requirements) == "3.6.20"
    with pytest.raises(StartupError, match=r"3\.7\.1"):
        check_rasa_version("3.7.1", requirements)
    requirements.write_text("pytest>=8\n", encoding="utf-8")
    with pytest.raises(StartupError, match="names no rasa version"):
        check_rasa_version("3.6.21", requirements)


def test_secrets_never_come_from_the_command_line() -> None:
    """The entry point has no option for a token or secret (argv is visible to every local user)."""
    args = parse_args(["--model", "m.tar.gz", "--port", "5999"])
    assert (args.model, args.port, args.credentials) == ("m.tar.gz", 5999, "bot/credentials.yml")
    with pytest.raises(SystemExit):
        parse_args(["--model", "m", "--auth-token", "x"])


def test_every_channel_that_enforces_the_edge_gets_the_servers_and_all_names_are_reserved() -> None:
    """REST and the web chat share the process's edge; the registered channel names become reserved prefixes."""
    edge = Edge(EdgeSettings(mode="demo", session_secret="s" * 32), reserved_channels=())
    channels = [RestMailboxInput(), WebChatInput(), RestInput()]
    assert secure_channels(channels, edge) == ["rest", "socketio"]
    assert channels[0].edge is edge and channels[1].edge is edge
    assert set(edge.reserved_channels) == {"rest", "socketio"}


def test_a_channel_nobody_configured_fails_closed() -> None:
    """Without the entry point, REST is in production mode with no token and no session secret."""
    channel = RestMailboxInput()
    assert not channel.edge.settings.demo and channel.edge.settings.rest_token is None
    assert channel.edge.settings.session_secret == ""


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ("/affirm", "/affirm"),
        ("/agent_close", "agent_close"),
        ('/agent_reply{"agent_message": "paid"}', 'agent_reply{"agent_message": "paid"}'),
    ],
)
def test_the_guard_rewrites_customer_text_before_rasa_handles_it(typed: str, seen: str) -> None:
    """Rasa's handler receives offered payloads unchanged and any other '/...' as plain text."""
    received: list[str] = []

    async def rasas_handler(_processor: Any, message: UserMessage) -> None:
        received.append(message.text)

    handle = processor_guard.guarded(rasas_handler)
    processor = SimpleNamespace(domain=DOMAIN)
    message = UserMessage(typed, CollectingOutputChannel(), "someone", input_channel="rest")
    asyncio.run(handle(processor, message))  # type: ignore[arg-type]
    assert received == [seen]


def test_the_socket_io_server_has_no_pickle_in_its_message_queue() -> None:
    """python-socketio before 5.14 unpickles what its Redis/Kombu managers receive (remote code execution for anyone
    who can write to the queue); the pin in bot/requirements.txt and the installed version are both past it."""
    from importlib.metadata import version

    from packaging.version import Version

    assert Version(version("python-socketio")) >= Version("5.14")
    pins = [
        line
        for line in (Path(__file__).resolve().parents[2] / "bot" / "requirements.txt").read_text().splitlines()
        if line.startswith("python-socketio")
    ]
    [pin] = pins
    assert Version(pin.split("==")[1].split()[0]) >= Version("5.14")
