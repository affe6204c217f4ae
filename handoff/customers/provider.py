"""The customer-data provider port (a CRM lookup by identity) and its file adapter.

A provider answers what the company's own records say about a customer: VIP status, tier and priority
(:class:`~handoff.privacy.directory.DirectoryEntry`). ``lookup`` returns None for a customer it does not know and
raises :class:`CustomerDataUnavailable` when it cannot answer; the caller then routes without CRM data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from handoff.customers.identity import Identity
from handoff.privacy.directory import DirectoryEntry, DirectoryError, directory_for


class CustomerDataUnavailable(Exception):
    """The provider could not answer (timeout, connection error, bad answer); ``reason`` is safe to log."""

    def __init__(self, provider: str, reason: str) -> None:
        super().__init__(f"customer data provider {provider} unavailable: {reason}")
        self.provider = provider
        self.reason = reason


class CustomerDataProvider(Protocol):
    """What routing asks the CRM about one customer identity."""

    name: str

    def lookup(self, identity: Identity) -> DirectoryEntry | None:
        """What the provider knows about ``identity``; None when it does not know the customer."""
        ...


class FileCustomerData:
    """The customer directory file (YAML or CSV, ``HANDOFF_CUSTOMERS_FILE``), re-read when it changes."""

    name = "file"

    def __init__(self, path: Path | None) -> None:
        self._directory = directory_for(path)

    def lookup(self, identity: Identity) -> DirectoryEntry | None:
        """The directory's entry for the identity's conversation id."""
        try:
            return self._directory.lookup(identity.directory_key)
        except (DirectoryError, OSError) as error:
            raise CustomerDataUnavailable(self.name, type(error).__name__) from error
