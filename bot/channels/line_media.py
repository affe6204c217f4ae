"""LINE message content download: `GET {data api}/v2/bot/message/{message id}/content` with the channel access token
(the documented endpoint for images, videos, audio and files a user sent)."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.channels.media_relay import Fetched, Fetcher, MediaFetchError, read_capped

DEFAULT_DATA_API_BASE = "https://api-data.line.me"


def line_fetcher(data_api_base: str, access_token: str) -> Fetcher:
    """A fetcher of LINE message contents for `MediaRelay`."""
    headers = {"Authorization": f"Bearer {access_token}"}

    async def fetch(session: aiohttp.ClientSession, attachment: dict[str, Any], max_bytes: int) -> Fetched:
        message_id = str(attachment.get("id") or "")
        if attachment.get("type") == "sticker" or not message_id.isdigit():
            raise MediaFetchError("LINE has no content to download for this message")
        url = f"{data_api_base.rstrip('/')}/v2/bot/message/{message_id}/content"
        async with session.get(url, headers=headers) as response:
            if response.status != 200:
                raise MediaFetchError(f"content download answered {response.status}")
            return Fetched(await read_capped(response, max_bytes), attachment.get("filename"))

    return fetch
