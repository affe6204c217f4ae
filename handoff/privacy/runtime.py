"""What the privacy features need at run time, built once in the app's lifespan: the pseudonym key and the stores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from handoff.privacy.pseudonym import load_key, pseudonym
from handoff.privacy.stores import ActionServerStore, RasaStore, RedisStore, RemoteStore
from handoff.settings import Settings

STORE_NAMES = ("rasa", "actions", "redis")


@dataclass
class PrivacyRuntime:
    """The pseudonym key, the configured stores, and why the others are not configured."""

    key: str
    stores: dict[str, RemoteStore] = field(default_factory=dict)
    not_configured: dict[str, str] = field(default_factory=dict)
    rasa: RasaStore | None = None

    def pseudonym(self, identifier: str) -> str:
        """The customer's keyed pseudonym."""
        return pseudonym(self.key, identifier)


def build_runtime(
    settings: Settings, transport: httpx.BaseTransport | None = None
) -> tuple[PrivacyRuntime, Callable[[], None]]:
    """The runtime and a close callback; ``transport`` lets tests answer for Rasa and the action server."""
    client = httpx.Client(timeout=settings.delivery_timeout_seconds, transport=transport)
    runtime = PrivacyRuntime(key=load_key(settings.pseudonym_key, settings.var_dir))
    if settings.rasa_jwt_secret:
        runtime.rasa = RasaStore(client, settings.rasa_url, settings.rasa_jwt_secret)
        runtime.stores["rasa"] = runtime.rasa
    else:
        runtime.not_configured["rasa"] = "RASA_JWT_SECRET is not set"
    if settings.action_server_url and settings.action_server_token:
        runtime.stores["actions"] = ActionServerStore(client, settings.action_server_url, settings.action_server_token)
    else:
        runtime.not_configured["actions"] = "ACTION_SERVER_URL or ACTION_SERVER_TOKEN is not set"
    redis_clients = []
    urls = settings.redis_urls_for_erasure
    if urls:
        import redis

        redis_clients = [redis.Redis.from_url(url, socket_timeout=5) for url in urls]
        # Describe servers by position, never by URL: a Redis URL may carry a password.
        runtime.stores["redis"] = RedisStore(redis_clients, describe=lambda index: f"redis#{index}")

    def close() -> None:
        client.close()
        for redis_client in redis_clients:
            redis_client.close()

    return runtime, close
