"""Relays read receipts to the handoff service (`POST /api/v1/conversations/{id}/read`).

Credentials (per channel): `handoff_url`, `handoff_service_key`; without them receipts are dropped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.channels.read_receipts import Read

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiptRelay:
    """Posts reads to `POST {handoff_url}/api/v1/conversations/{id}/read` with the bot's service key."""

    handoff_url: str
    service_key: str
    timeout_seconds: float = 5.0

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any]) -> ReceiptRelay:
        return cls(
            str(credentials.get("handoff_url") or "").rstrip("/"), str(credentials.get("handoff_service_key") or "")
        )

    @property
    def enabled(self) -> bool:
        return bool(self.handoff_url and self.service_key)

    async def relay(self, reads: list[Read]) -> None:
        """Send each read; failures are logged (without ids) and dropped: a receipt is informative only."""
        if not self.enabled or not reads:
            return
        headers = {"Authorization": f"Bearer {self.service_key}", "Content-Type": "application/json"}
        timeout = aiohttp.ClientTimeout(total=self.timeout_seconds)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as session:
                for read in reads:
                    url = f"{self.handoff_url}/api/v1/conversations/{quote(read.conversation_id, safe=':')}/read"
                    payload = json.dumps({"read_at": read.read_at.isoformat()})
                    async with session.post(url, data=payload, headers=headers) as response:
                        if response.status not in (200, 404):  # 404: no handoff open, nothing to mark
                            logger.warning("read receipt refused by the handoff service (%s)", response.status)
        except (aiohttp.ClientError, TimeoutError) as error:
            logger.warning("read receipt not relayed: %s", type(error).__name__)
