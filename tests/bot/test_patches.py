"""bot/patches.py and the entry point: every Rasa method we replace is replaced when Rasa starts through
bot/server.py, whatever the endpoints configure, and a Rasa without those methods or of another version refuses to
start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import rasa
from rasa.core.processor import MessageProcessor

from bot import patches, server
from bot.patches import PATCHES, Patch, PatchError, install_all, not_in_place
from scripts.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_every_patch_names_a_method_of_this_rasa() -> None:
    """Each listed method exists in the installed Rasa, so installing it replaces Rasa's code, not adds a name."""
    assert len({patch.target for patch in PATCHES}) == 10
    assert [patch.target for patch in PATCHES if not callable(getattr(patch.owner, patch.method, None))] == []


def test_install_all_puts_every_patch_in_place_and_says_so() -> None:
    """After installation every Rasa method is ours (wrappers included), one log line each, and a second call is a
    no-op."""
    lines = install_all()
    assert not_in_place() == []
    assert len(lines) == len(PATCHES)
    for patch, line in zip(PATCHES, lines, strict=True):
        assert line.startswith(f"replaced Rasa's {patch.target} ({patch.by}: ")
    handle_message = MessageProcessor.handle_message
    assert install_all() == lines
    assert MessageProcessor.handle_message is handle_message


def test_a_rasa_method_that_is_not_ours_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rasa's own method back in place (another module reassigned it): the check names it."""
    install_all()
    monkeypatch.setattr(PATCHES[0].owner, PATCHES[0].method, lambda *args: None)
    assert not_in_place() == [f"{PATCHES[0].target} ({PATCHES[0].by})"]


def test_a_rasa_without_the_method_refuses_every_patch() -> None:
    """Another Rasa that renamed a method: nothing is installed and the error names the method."""

    class OtherRasa:
        def renamed(self) -> None: ...

    installed: list[str] = []
    patch = Patch(OtherRasa, "_validate_action_result", "bot.speedups.action_response", installed.append, "x")
    with pytest.raises(PatchError, match=r"OtherRasa\._validate_action_result"):
        install_all((patch,))
    assert installed == []


def test_an_install_that_does_not_take_is_an_error() -> None:
    """An install function that leaves Rasa's method as it was fails loudly instead of running unpatched."""

    class Target:
        def method(self) -> None: ...

    with pytest.raises(PatchError, match="not in place"):
        install_all((Patch(Target, "method", "bot.speedups.tf_predict", lambda: None, "nothing"),))


def test_the_entry_point_refuses_another_rasa_version(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot.server` under another Rasa stops with exit code 2 and says which version it supports."""
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    monkeypatch.setattr(patches, "install_all", lambda: pytest.fail("patches installed under another Rasa"))
    assert server.main(["--model", "missing.tar.gz"]) == 2
    assert "Rasa 3.7.0 is installed, but this server supports only rasa==3.6.21" in capsys.readouterr().err


def test_the_server_process_replaces_every_method_whatever_the_tracker_store(tmp_path: Path) -> None:
    """The real server, started with endpoints that configure no tracker store of ours (Rasa's in-memory one): it
    logs one `replaced Rasa's ...` line per patch before it serves HTTP."""
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:9/webhook\n", encoding="utf-8")
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("bot.channels.rest.RestMailboxInput:\n", encoding="utf-8")
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "NIMBUS_MODE": "demo",
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    log = tmp_path / "rasa.log"
    command = [sys.executable, "-m", "bot.server", "--port", str(port), "--model", str(tmp_path / "none.tar.gz")]
    command += ["--endpoints", str(endpoints), "--credentials", str(credentials)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not answers(f"http://127.0.0.1:{port}/nimbus/ready"):
            assert process.poll() is None, log.read_text(encoding="utf-8")[-3000:]
            assert time.monotonic() < deadline, "the server did not answer within 120 s"
            time.sleep(0.5)
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text(encoding="utf-8")
    replaced = [
        line.split("replaced Rasa's ", 1)[1].split(" ", 1)[0] for line in text.splitlines() if "replaced Rasa's" in line
    ]
    assert sorted(replaced) == sorted(patch.target for patch in PATCHES)
    assert f"Rasa {rasa.__version__}" in text


def answers(url: str) -> bool:
    """Whether an HTTP server answers at `url` (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
