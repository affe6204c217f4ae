"""The customer-data provider over HTTP (``HANDOFF_CUSTOMER_DATA_URL``): one POST per lookup.

Request: ``POST {url}`` with ``Authorization: Bearer {token}`` and ``{"channel": "whatsapp", "id": "+34600000000"}``
(identifiers travel in the body, never in the URL, so access logs do not hold them). Answer: 200 with
``{"vip": true, "tier": "gold", "priority": "high"}`` (every field optional) or 404 for an unknown customer.
Anything else, a timeout included, raises :class:`CustomerDataUnavailable`.
"""

from __future__ import annotations

from typing import Any

import httpx

from handoff.customers.identity import Identity
from handoff.customers.provider import CustomerDataUnavailable
from handoff.privacy.directory import DirectoryEntry, DirectoryError, parse_directory


class HttpCustomerData:
    """A CRM reached through an injected ``httpx.Client`` (its base URL, timeout and token set by the caller)."""

    name = "http"

    def __init__(self, http: httpx.Client, url: str, token: str | None = None) -> None:
        self._http = http
        self._url = url
        self._headers = {"Accept": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"

    def lookup(self, identity: Identity) -> DirectoryEntry | None:
        """The CRM's answer for the identity; None on 404."""
        body = {"channel": identity.channel, "id": identity.external_id}
        try:
            response = self._http.post(self._url, json=body, headers=self._headers)
        except httpx.HTTPError as error:
            raise CustomerDataUnavailable(self.name, type(error).__name__) from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise CustomerDataUnavailable(self.name, f"HTTP {response.status_code}")
        try:
            answer: Any = response.json()
            return parse_directory({"customers": {"crm": answer}})["crm"]
        except (ValueError, DirectoryError) as error:
            raise CustomerDataUnavailable(self.name, f"malformed answer ({type(error).__name__})") from error


def http_provider(url: str, token: str | None, timeout_seconds: float) -> HttpCustomerData:
    """An adapter with its own client; one per process (see :func:`handoff.customers.runtime.provider_for`)."""
    return HttpCustomerData(httpx.Client(timeout=timeout_seconds), url, token)
