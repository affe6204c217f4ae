"""Fixtures for the handoff service: a database per backend (SQLite and PostgreSQL), a frozen clock,
a stand-in for Rasa built on ``httpx.MockTransport``, and an app with a test client."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from handoff.main import create_app
from handoff.settings import Settings
from tests.handoff.testkit import (
    ADMIN_TOKEN,
    MONDAY_AFTERNOON_UTC,
    POSTGRES_ADMIN_DSN,
    RASA_JWT_SECRET,
    SERVICE_KEY,
    FrozenClock,
    RasaStandIn,
    port_factory,
)


def _postgres_available() -> bool:
    try:
        with psycopg.connect(POSTGRES_ADMIN_DSN, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A uniquely named PostgreSQL database for this test run, dropped afterwards."""
    if not _postgres_available():
        pytest.skip("PostgreSQL not reachable at 127.0.0.1:5432")
    name = f"handoff_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(POSTGRES_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend: a fresh SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'handoff.sqlite3'}"
        return
    with _fresh_schema(request.getfixturevalue("postgres_database"), "t") as url:
        yield url


@pytest.fixture
def tracker_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty Rasa tracker database on the same backend as the handoff store (PostgreSQL: a schema of its own)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'rasa_tracker.sqlite3'}"
        return
    with _fresh_schema(database_url.split("/")[-1].split("?")[0], "rasa") as url:
        yield url


@contextmanager
def _fresh_schema(database: str, prefix: str) -> Iterator[str]:
    """A SQLAlchemy URL whose search path is a new, uniquely named schema of `database`, dropped afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{database}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture
def clock() -> FrozenClock:
    """Monday afternoon UTC unless a test moves it."""
    return FrozenClock(MONDAY_AFTERNOON_UTC)


@pytest.fixture
def rasa() -> RasaStandIn:
    """The Rasa stand-in."""
    return RasaStandIn()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for one test: fixed secrets, no background delivery worker (tests drive the outbox)."""
    return Settings(
        _env_file=None,
        database_url=database_url,
        var_dir=tmp_path / "var",
        service_key=SERVICE_KEY,
        admin_token=ADMIN_TOKEN,
        delivery_interval_seconds=0,
        inactivity_check_seconds=0,
        retention_check_seconds=0,
        qa_interval_seconds=0,
        rasa_url="http://rasa.test:5005",
        rasa_jwt_secret=RASA_JWT_SECRET,
        mode="demo",
    )


@pytest.fixture
def app(settings: Settings, clock: FrozenClock, rasa: RasaStandIn) -> FastAPI:
    """The application under test."""
    return create_app(settings, clock=clock, delivery_port_factory=port_factory(rasa))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A started app (lifespan ran: migrations, demo data, secrets)."""
    with TestClient(app) as test_client:
        yield test_client
