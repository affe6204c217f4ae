"""Secrets generated once and kept in owner-only files: one helper (handoff/secrets_store.py) for the launcher and
the handoff service."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from handoff.errors import StartupRefusedError
from handoff.secrets_store import LoadedSecret, SecretFileError, load_or_create_secret
from scripts.run import load_internal_secrets, main


def test_generated_once_kept_private_and_reused(tmp_path: Path) -> None:
    """The first call creates a 0600 file in a 0700 directory; later calls read the same value back."""
    path = tmp_path / "var" / "token"
    first = load_or_create_secret(None, path)
    assert first.generated is True
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert len(first.value) >= 32
    assert load_or_create_secret(None, path) == LoadedSecret(first.value, generated=False)


def test_value_from_the_environment_wins_and_writes_nothing(tmp_path: Path) -> None:
    """A secret given by the operator is used as is."""
    path = tmp_path / "token"
    assert load_or_create_secret("given", path) == LoadedSecret("given", generated=False)
    assert not path.exists()


@pytest.mark.parametrize("content", ["", "\n", "  \n\t"])
def test_an_empty_secret_file_is_an_error_and_stays_as_it_is(tmp_path: Path, content: str) -> None:
    """An empty file is neither an empty secret nor silently replaced: the error says which file and what to do."""
    path = tmp_path / "handoff_service_key"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SecretFileError, match=rf"{path} is empty: write the secret into it, or delete it"):
        load_or_create_secret(None, path)
    assert path.read_text(encoding="utf-8") == content
    assert issubclass(SecretFileError, StartupRefusedError)


def test_the_launcher_refuses_an_empty_secret_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make run` with an emptied secret file stops before starting anything, naming the file."""
    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    monkeypatch.delenv("NIMBUS_MODE", raising=False)
    (tmp_path / "rasa_api_token").write_text("", encoding="utf-8")
    assert main(["--data-dir", str(tmp_path), "--model", str(tmp_path / "missing.tar.gz")]) == 2
    assert f"{tmp_path / 'rasa_api_token'} is empty" in capsys.readouterr().err


def test_internal_secrets_come_from_the_same_files(tmp_path: Path) -> None:
    """The launcher's internal secrets are generated once and read back unchanged."""
    first = load_internal_secrets(tmp_path, {})
    assert load_internal_secrets(tmp_path, {}) == first
