"""WhatsApp Cloud API media download: `GET {graph}/{version}/{media id}` gives a short-lived `url`, which is fetched
with the same access token (Meta's documented two-step download)."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.channels.media_relay import Fetched, Fetcher, MediaFetchError, read_capped


def whatsapp_fetcher(graph_base: str, api_version: str, access_token: str) -> Fetcher:
    """A fetcher of WhatsApp media ids for `MediaRelay`."""
    headers = {"Authorization": f"Bearer {access_token}"}

    async def fetch(session: aiohttp.ClientSession, attachment: dict[str, Any], max_bytes: int) -> Fetched:
        media_id = str(attachment.get("id") or "")
        if not media_id.isalnum():
            raise MediaFetchError("a WhatsApp media message without a usable media id")
        async with session.get(f"{graph_base.rstrip('/')}/{api_version}/{media_id}", headers=headers) as response:
            if response.status != 200:
                raise MediaFetchError(f"media lookup answered {response.status}")
            info = await response.json(content_type=None)
        url = str(info.get("url") or "") if isinstance(info, dict) else ""
        if not url.startswith(("https://", "http://")):
            raise MediaFetchError("media lookup gave no download url")
        async with session.get(url, headers=headers) as response:
            if response.status != 200:
                raise MediaFetchError(f"media download answered {response.status}")
            content = await read_capped(response, max_bytes)
        return Fetched(content, attachment.get("filename"))

    return fetch
