"""One kept HTTP client session per endpoint, and fast JSON request bodies.

Rasa opens a new HTTP client session, and so a new TCP connection, for every call to the action server (and every
other endpoint), and encodes each request body (tracker and domain, tens of kB) with the standard library's json.
Here each endpoint keeps one client session per event loop, whose idle connections are closed after 2 s (before the
5 s after which Sanic servers close them, so a request never goes out on a connection the server is closing), and
bodies are encoded with ujson (a Rasa dependency) where it can, json otherwise. Requests, headers, errors and returned
values are as with Rasa's `EndpointConfig.request`.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import time
import weakref
from typing import Any

import aiohttp
import ujson
from aiohttp.client_exceptions import ContentTypeError
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

from bot.observability import outgoing_headers

IDLE_CONNECTION_SECONDS = 2.0
DEFAULT_CONNECTION_RETRY_SECONDS = 30.0
CONNECTION_RETRY_PAUSE = 0.5

Sessions = dict[int, tuple[EndpointConfig, aiohttp.ClientSession]]  # id(endpoint) -> (endpoint, its session)
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Sessions] = weakref.WeakKeyDictionary()
_unreachable_since: dict[str | None, float] = {}  # endpoint URL -> when calls to it began to fail to connect


def encode_json(value: Any) -> str:
    """JSON text of a request body: ujson's, or the standard library's (and its error) for anything ujson refuses."""
    try:
        return ujson.dumps(value)
    except (OverflowError, TypeError, ValueError):
        return json.dumps(value)


def endpoint_session(endpoint: EndpointConfig) -> aiohttp.ClientSession:
    """The endpoint's client session on the running event loop, created on first use."""
    loop = asyncio.get_running_loop()
    sessions = _sessions.setdefault(loop, {})
    entry = sessions.get(id(endpoint))
    if entry is not None and entry[0] is endpoint and not entry[1].closed:
        return entry[1]
    auth = (
        aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
        if endpoint.basic_auth
        else None
    )
    session = aiohttp.ClientSession(
        headers=endpoint.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS),
        json_serialize=encode_json,
    )
    sessions[id(endpoint)] = (endpoint, session)
    return session


async def endpoint_request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    """Drop-in for ``EndpointConfig.request`` on the endpoint's kept session: the JSON answer, or None."""
    headers: dict[str, str] = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers or {})
    headers.update(outgoing_headers())  # the channel request's X-Request-ID, so the callee logs the same id
    ssl_context = None
    if self.cafile:
        try:
            ssl_context = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as error:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
            ) from error
    params = self.combine_parameters(kwargs)
    url = concat_url(self.url, subpath)
    while True:
        try:
            async with endpoint_session(self).request(
                method, url, headers=headers, params=params, compress=compress, ssl=ssl_context, **kwargs
            ) as response:
                _unreachable_since.pop(self.url, None)
                if response.status >= 400:
                    raise ClientResponseError(response.status, response.reason, await response.content.read())
                try:
                    return await response.json()
                except ContentTypeError:
                    return None
        except aiohttp.ClientConnectionError:
            # The action server is restarting or died mid-call: Rasa sends nothing to the customer before it has the
            # answer, and the actions' own calls are idempotent, so asking again keeps a relay or an agent's reply
            # that Rasa would otherwise drop (it logs the error and goes on without the action's events).
            # The time counts from the endpoint's first failure, not each call's: in a long outage calls fail fast.
            since = _unreachable_since.setdefault(self.url, time.monotonic())
            if time.monotonic() - since >= connection_retry_seconds():
                raise
            await asyncio.sleep(CONNECTION_RETRY_PAUSE)


def connection_retry_seconds() -> float:
    """How long a call is tried again while its endpoint cannot be reached (`RASA_ACTION_RETRY_SECONDS`, 0 = off)."""
    try:
        return max(0.0, float(os.environ.get("RASA_ACTION_RETRY_SECONDS", DEFAULT_CONNECTION_RETRY_SECONDS)))
    except ValueError:
        return DEFAULT_CONNECTION_RETRY_SECONDS


def install() -> None:
    EndpointConfig.request = endpoint_request
