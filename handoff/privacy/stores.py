"""The stores outside the handoff database that hold a customer, behind one small port each.

- Rasa (tracker store, in-memory tracker cache, REST mailbox, web-chat session state) through its internal
  ``/nimbus/...`` endpoints, authenticated with a short-lived admin JWT;
- the action server (its outbox of handoffs and relayed messages) through ``/privacy/export|erase``;
- Redis: keys named after the conversation (Rasa's lock store ``lock:<id>``, a Redis tracker store, ...).

Every call raises :class:`StoreUnavailable` when the store cannot answer, so erasure can retry it later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from handoff.errors import HandoffServiceError
from handoff.rasa_jwt import rasa_auth_headers


class StoreUnavailable(HandoffServiceError):
    """A store did not answer, or answered with an error; ``store`` names it."""

    def __init__(self, store: str, message: str) -> None:
        super().__init__(f"{store}: {message}")
        self.store = store


class RemoteStore(Protocol):
    """A store that can export and erase what it holds about one conversation."""

    name: str

    def export(self, conversation_id: str) -> dict[str, Any] | None:
        """What the store holds about the conversation; None when it holds nothing."""

    def erase(self, conversation_id: str) -> dict[str, Any]:
        """Delete everything about the conversation; answers what was deleted (counts)."""


def holds_data(answer: Any, conversation_id: str) -> bool:
    """Whether a store's export answer holds anything beyond echoing the id: empty lists, dicts of empty lists,
    zero counts and the id itself are nothing."""
    if isinstance(answer, dict):
        return any(holds_data(value, conversation_id) for key, value in answer.items() if key != "counts")
    if isinstance(answer, list):
        return bool(answer)
    if isinstance(answer, str):
        return answer not in ("", conversation_id)
    return answer not in (None, False, 0)


def _json_or_raise(store: str, response: httpx.Response, *, missing_ok: bool) -> dict[str, Any] | None:
    if missing_ok and response.status_code == 404:
        return None
    if response.status_code >= 400:
        raise StoreUnavailable(store, f"answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as e:
        raise StoreUnavailable(store, "answered something other than JSON") from e
    return body if isinstance(body, dict) else {"data": body}


class RasaStore:
    """Rasa's tracker store, mailbox and web-chat state via ``/nimbus/conversations/{id}`` (H1's endpoints)."""

    name = "rasa"

    def __init__(self, client: httpx.Client, base_url: str, jwt_secret: str) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._secret = jwt_secret

    def _headers(self) -> dict[str, str]:
        return rasa_auth_headers(self._secret)

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._client.request(method, self._base_url + path, headers=self._headers(), **kwargs)
        except httpx.HTTPError as e:
            raise StoreUnavailable(self.name, f"unreachable ({type(e).__name__})") from e

    def export(self, conversation_id: str) -> dict[str, Any] | None:
        """``GET /nimbus/conversations/{id}/export``; 404 means nothing stored."""
        response = self._call("GET", f"/nimbus/conversations/{quote(conversation_id, safe='')}/export")
        return _json_or_raise(self.name, response, missing_ok=True)

    def erase(self, conversation_id: str) -> dict[str, Any]:
        """``DELETE /nimbus/conversations/{id}``; 404 means there was nothing to delete."""
        response = self._call("DELETE", f"/nimbus/conversations/{quote(conversation_id, safe='')}")
        return _json_or_raise(self.name, response, missing_ok=True) or {}

    def purge_older_than(self, seconds: int) -> int:
        """``POST /nimbus/retention``: deletes trackers whose last event is older; how many went."""
        response = self._call("POST", "/nimbus/retention", json={"older_than_seconds": seconds})
        body = _json_or_raise(self.name, response, missing_ok=False) or {}
        return int(body.get("purged", 0))


class ActionServerStore:
    """The action server's outbox via ``POST /privacy/export`` and ``POST /privacy/erase`` (H2's endpoints)."""

    name = "actions"

    def __init__(self, client: httpx.Client, base_url: str, token: str) -> None:
        self._client = client
        self._base_url = base_url.rstrip("/")
        self._token = token

    def _post(self, path: str, conversation_id: str) -> httpx.Response:
        try:
            return self._client.post(
                self._base_url + path,
                json={"conversation_id": conversation_id},
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except httpx.HTTPError as e:
            raise StoreUnavailable(self.name, f"unreachable ({type(e).__name__})") from e

    def export(self, conversation_id: str) -> dict[str, Any] | None:
        """What the outbox holds about the conversation."""
        return _json_or_raise(self.name, self._post("/privacy/export", conversation_id), missing_ok=True)

    def erase(self, conversation_id: str) -> dict[str, Any]:
        """Drop the conversation's pending handoff and messages."""
        return _json_or_raise(self.name, self._post("/privacy/erase", conversation_id), missing_ok=True) or {}


def key_is_about(key: str, conversation_id: str) -> bool:
    """Whether a Redis key names the conversation: the id itself, or as a whole ``:``-separated part of the key."""
    return key == conversation_id or key.endswith(":" + conversation_id) or f":{conversation_id}:" in key


class RedisStore:
    """Keys named after the conversation on one or more Redis servers."""

    name = "redis"

    def __init__(self, clients: list[Any], describe: Callable[[int], str] = str) -> None:
        self._clients = clients
        self._describe = describe

    def _keys(self, client: Any, conversation_id: str) -> list[bytes]:
        # Redis MATCH is a glob: escape the id's own glob characters.
        pattern = "*" + "".join(f"[{c}]" if c in "*?[]\\" else c for c in conversation_id)
        return [
            key
            for key in client.scan_iter(match=pattern, count=500)
            if key_is_about(key.decode("utf-8", "replace"), conversation_id)
        ]

    def _each(self, action: Callable[[Any], int | list[str]]) -> dict[str, Any]:
        import redis  # the service depends on it; imported here so the module loads without a server

        results: dict[str, Any] = {}
        for index, client in enumerate(self._clients):
            try:
                results[self._describe(index)] = action(client)
            except redis.RedisError as e:
                raise StoreUnavailable(self.name, f"server {self._describe(index)} failed ({type(e).__name__})") from e
        return results

    def export(self, conversation_id: str) -> dict[str, Any] | None:
        """The names of the keys about the conversation, per server; None when there are none."""
        found = self._each(lambda c: [k.decode("utf-8", "replace") for k in self._keys(c, conversation_id)])
        return {"keys": found} if any(found.values()) else None

    def erase(self, conversation_id: str) -> dict[str, Any]:
        """Delete those keys; how many went, per server."""

        def delete(client: Any) -> int:
            keys = self._keys(client, conversation_id)
            return int(client.delete(*keys)) if keys else 0

        return {"deleted_keys": self._each(delete)}
