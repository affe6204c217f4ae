"""The process's customer-data provider, chosen from settings: HTTP when a URL is set, else the directory file."""

from __future__ import annotations

import logging

from handoff.customers.http_provider import http_provider
from handoff.customers.identity import Identity
from handoff.customers.provider import CustomerDataProvider, CustomerDataUnavailable, FileCustomerData
from handoff.privacy.directory import DirectoryEntry
from handoff.settings import Settings

logger = logging.getLogger(__name__)

_providers: dict[tuple[object, ...], CustomerDataProvider] = {}


def provider_for(settings: Settings) -> CustomerDataProvider:
    """One provider per configuration, so the HTTP client's connections and the file's cache are shared."""
    key: tuple[object, ...] = (
        settings.customer_data_url,
        settings.customer_data_token,
        settings.customer_data_timeout_seconds,
        settings.customer_directory_path,
    )
    if key not in _providers:
        if settings.customer_data_url:
            _providers[key] = http_provider(
                settings.customer_data_url, settings.customer_data_token, settings.customer_data_timeout_seconds
            )
        else:
            _providers[key] = FileCustomerData(settings.customer_directory_path)
    return _providers[key]


def lookup_soft(provider: CustomerDataProvider, identity: Identity) -> DirectoryEntry | None:
    """The provider's answer, or None when it cannot answer: routing never waits on or fails for the CRM."""
    try:
        return provider.lookup(identity)
    except CustomerDataUnavailable as error:
        # Only the provider and the kind of failure: the identity is personal data.
        logger.warning("customer data lookup failed (%s: %s); routing without CRM data", error.provider, error.reason)
        return None
