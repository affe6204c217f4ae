"""Schema-driven fuzzing of the handoff API with Schemathesis: every operation of the served ``/openapi.json`` is
called with generated path parameters, query parameters and JSON bodies, valid and invalid ones, as the admin and as
an agent. The service must never answer 5xx. Used by ``tests/security/test_handoff_fuzz.py`` (short) and
``bench/security/fuzz_handoff.py`` (long).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode


@dataclass
class FuzzReport:
    """What a fuzz run did and every 5xx it found."""

    operations: list[str] = field(default_factory=list)
    requests: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)


def api_operations(openapi_url: str) -> list[APIOperation]:
    """Every operation under ``/api/`` of the schema the service serves."""
    schema = schemathesis.openapi.from_url(openapi_url)
    found = [result.ok() for result in schema.get_all_operations()]
    return [operation for operation in found if operation.path.startswith("/api/")]


def case_strategy(operation: APIOperation, known_ids: list[str]) -> st.SearchStrategy[Case]:
    """Valid and invalid requests; with path parameters, also requests aimed at rows that exist."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    names = [p.name for p in operation.path_parameters]
    for known in known_ids:
        if names:
            strategies.append(
                operation.as_strategy(GenerationMode.POSITIVE, path_parameters=dict.fromkeys(names, known))
            )
    return st.one_of(strategies)


def fuzz(
    base_url: str,
    tokens: dict[str, str],
    known_ids: list[str],
    *,
    examples_per_operation: int,
    seconds: float,
) -> FuzzReport:
    """Fuzz every operation within ``seconds`` (split evenly between operations).

    ``tokens`` maps a caller's name to its bearer token; a caller that rotates its own token goes on with the new one.
    """
    report = FuzzReport()
    found = api_operations(f"{base_url}/openapi.json")
    budget = seconds / max(1, len(found))
    for operation in found:
        report.operations.append(f"{operation.method.upper()} {operation.path}")
        deadline = time.monotonic() + budget
        _fuzz_operation(base_url, operation, tokens, known_ids, examples_per_operation, deadline, report)
    return report


def _fuzz_operation(
    base_url: str,
    operation: APIOperation,
    tokens: dict[str, str],
    known_ids: list[str],
    examples: int,
    deadline: float,
    report: FuzzReport,
) -> None:
    """Up to ``examples`` generated requests for one operation, until ``deadline``."""

    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=case_strategy(operation, known_ids), caller=st.sampled_from(sorted(tokens)))
    def call(case: Case, caller: str) -> None:
        if time.monotonic() > deadline:
            return
        response = case.call(base_url=base_url, headers={"Authorization": f"Bearer {tokens[caller]}"}, timeout=30)
        report.requests += 1
        report.by_status[response.status_code] = report.by_status.get(response.status_code, 0) + 1
        if operation.path.endswith("/agents/me/token") and response.status_code == 200:
            tokens[caller] = response.json()["token"]
        if response.status_code >= 500:
            report.server_errors.append(
                f"{case.method} {case.formatted_path} query={case.query!r:.200} body={_body(case)!r:.300} "
                f"as {caller} -> {response.status_code} {response.text[:300]}"
            )

    call()


def _body(case: Case) -> Any:
    return getattr(case, "body", None)


def seed_ids(base_url: str, service_key: str) -> Iterator[str]:
    """Create a few handoffs so that fuzzed paths also hit existing rows; yields ids of handoffs and agents."""
    import httpx

    from tests.handoff.testkit import handoff_body

    headers = {"Authorization": f"Bearer {service_key}"}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for language in ("fr", "es"):
            created = client.post("/api/v1/handoffs", json=handoff_body(language=language), headers=headers)
            if created.status_code in (200, 201):
                yield str(created.json()["id"])
    yield from ("maria.garcia", "emea")
