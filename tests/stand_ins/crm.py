"""A local stand-in for a company's CRM answering the handoff service's customer-data lookups.

It serves ``POST /customers/lookup`` exactly as :mod:`handoff.customers.http_provider` documents: it refuses a
missing or wrong bearer token (401), a wrong content type or a body that is not ``{"channel", "id"}`` (400) and
any identifier in the URL query (400), answers known customers from its table and others with 404, records every
call, and can be told to be slow (a timeout for the service) or to fail.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.stand_ins.json_server import Call, JsonStandIn

PATH = "/customers/lookup"


@dataclass
class CrmStandIn(JsonStandIn):
    """Use as a context manager; ``url`` is the lookup URL."""

    token: str = "crm-test-token"
    customers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (channel, id) -> answer
    calls: list[Call] = field(default_factory=list)
    delay_seconds: float = 0.0
    fail_with: int | None = None

    def __post_init__(self) -> None:
        self.start_server()

    @property
    def url(self) -> str:
        return f"{self.base_url}{PATH}"

    def answer(self, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        if path != PATH:
            return (400, {"error": "identifiers never travel in the URL"}) if "?" in path else (404, {})
        if headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": "bad token"}
        if not headers.get("content-type", "").startswith("application/json"):
            return 400, {"error": "JSON only"}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {"error": "not JSON"}
        if (
            not isinstance(body, dict)
            or set(body) != {"channel", "id"}
            or not all(isinstance(v, str) and v for v in body.values())
        ):
            return 400, {"error": "expected exactly channel and id"}
        if self.fail_with is not None:
            return self.fail_with, {"error": "down"}
        found = self.customers.get((body["channel"], body["id"]))
        return (200, found) if found is not None else (404, {"error": "unknown customer"})
