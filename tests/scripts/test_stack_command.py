"""The command lines and environments the launcher gives the three processes."""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

from scripts.stack import CHILD_UMASK, Service, StackConfig, build_services


def all_secrets(config: StackConfig) -> list[str]:
    """Every secret the launcher hands to the processes."""
    internal = [getattr(config.internal, name) for name in config.internal.NAMES]
    return [config.rasa_api_token, config.handoff_service_key, config.handoff_admin_token or "", *internal]


def test_no_secret_in_any_command_line_or_readiness_url(tmp_path: Path) -> None:
    """Command lines are visible to every user of the machine (`ps`) and URLs end up in access logs: secrets travel
    in the environment only."""
    config = dataclasses.replace(StackConfig.throwaway(tmp_path, "test"), rasa_api_token="-Xy3_generated+token/=")
    for service in build_services(config):
        exposed = " ".join([*service.command, service.ready_url])
        leaked = [secret for secret in all_secrets(config) if secret in exposed]
        assert leaked == [], f"{service.name} exposes {leaked}"


def test_every_process_gets_the_secrets_and_the_mode_in_its_environment(tmp_path: Path) -> None:
    """Each process reads what it needs from the environment; test systems run in demo mode like `make run`."""
    config = StackConfig.throwaway(tmp_path, "test")
    for service in build_services(config):
        assert service.env["NIMBUS_MODE"] == "demo"
        assert service.env["RASA_API_TOKEN"] == config.rasa_api_token
        assert service.env["ACTION_SERVER_TOKEN"] == config.internal.action_server_token
        assert service.env["RASA_JWT_SECRET"] == config.internal.rasa_jwt_secret
        assert service.env["NIMBUS_SESSION_SECRET"] == config.internal.session_secret
        assert service.env["RASA_CORS_ORIGINS"].split(",") == config.handoff_origins
    production = dataclasses.replace(config, demo=False)
    assert {service.env["NIMBUS_MODE"] for service in build_services(production)} == {"production"}


def test_the_rasa_server_starts_through_our_entry_point(tmp_path: Path) -> None:
    """`bot.server` installs our extensions and guards; stock `rasa run` would silently skip them."""
    rasa = next(
        service for service in build_services(StackConfig.throwaway(tmp_path, "test")) if service.name == "rasa"
    )
    assert rasa.command[1:3] == ["-m", "bot.server"]
    assert "*" not in rasa.command


def test_logs_and_the_log_directory_are_private(tmp_path: Path) -> None:
    """A log may carry customer data: only the owner reads it, and children create their files the same way."""
    service = Service(
        name="echo",
        command=["/bin/sh", "-c", f"echo hi > {tmp_path / 'child-file'}"],
        env={},
        ready_url="",
        log_path=tmp_path / "log" / "echo.log",
    )
    service.start()
    assert service.process is not None
    service.process.wait(timeout=10)
    assert stat.S_IMODE(os.stat(tmp_path / "log").st_mode) == 0o700
    assert stat.S_IMODE(os.stat(tmp_path / "log" / "echo.log").st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "child-file").st_mode) == 0o666 & ~CHILD_UMASK
