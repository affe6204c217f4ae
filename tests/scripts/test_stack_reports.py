"""`make run` points the handoff service's reports at the tracker store Rasa writes: the SQLite file by default,
the shared PostgreSQL database when the stores are scaled."""

from __future__ import annotations

from pathlib import Path

from scripts.scaling import Scaling
from scripts.stack import StackConfig, build_services


def _handoff_env(config: StackConfig) -> dict[str, str]:
    return next(service.env for service in build_services(config) if service.name == "handoff")


def test_reports_read_rasa_sqlite_tracker_store(tmp_path: Path) -> None:
    """The same file as Rasa's ``RASA_TRACKER_DB``."""
    env = _handoff_env(StackConfig.throwaway(tmp_path, "test"))
    assert env["HANDOFF_REPORTS_TRACKER_DB_URL"] == f"sqlite:///{env['RASA_TRACKER_DB']}"


def test_reports_read_the_shared_postgresql_tracker_store_when_scaled(tmp_path: Path) -> None:
    """Rasa's database in PostgreSQL (the one bot/endpoints-scaled.yml names)."""
    scaling = Scaling(workers=2)
    env = _handoff_env(StackConfig.throwaway(tmp_path, "test", scaling=scaling))
    assert env["HANDOFF_REPORTS_TRACKER_DB_URL"] == "postgresql://postgres@127.0.0.1:5432/nimbus_rasa"
    assert env["RASA_TRACKER_PG_DB"] == "nimbus_rasa"
