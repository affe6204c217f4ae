"""Scripted agents: soak agents created through the admin API, each human-mode conversation served by one of them,
which claims its handoff and answers every numbered customer message, in order, through the handoff API."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import httpx

from bench.soak import script
from bench.soak.timeline import Conversation, Timeline

API = "/api/v1"
SKILLS = ["general", "orders", "billing"]


class AgentDesk:
    """The soak's agents: demo agents set offline (so routing only offers handoffs to soak agents), `count` soak
    agents online in every queue and language."""

    def __init__(self, handoff_url: str, admin_token: str, count: int) -> None:
        self.handoff_url = handoff_url
        self.admin = httpx.Client(
            base_url=handoff_url, timeout=30.0, headers={"Authorization": f"Bearer {admin_token}"}
        )
        self.count = count
        self.tokens: dict[str, str] = {}

    def open(self) -> None:
        queues = self.admin.get(f"{API}/queues").raise_for_status().json()
        languages = sorted({language for queue in queues for language in queue.get("languages") or []}) or ["en"]
        for agent in self.admin.get(f"{API}/agents").raise_for_status().json():
            if not agent["id"].startswith("soak-"):
                self.admin.patch(f"{API}/agents/{agent['id']}", json={"status": "offline"}).raise_for_status()
        for number in range(self.count):
            body = {
                "id": f"soak-agent-{number}",
                "display_name": f"Soak Agent {number}",
                "languages": languages,
                "skills": SKILLS,
                "queues": [queue["name"] for queue in queues],
                "max_concurrent": 100,
                "status": "online",
            }
            created = self.admin.post(f"{API}/agents", json=body).raise_for_status().json()
            self.tokens[created["id"]] = created["token"]

    def close(self) -> None:
        self.admin.close()

    def handoffs_for(self, conversation_id: str) -> list[dict[str, Any]]:
        answer = self.admin.get(f"{API}/handoffs", params={"conversation_id": conversation_id})
        answer.raise_for_status()
        return list(answer.json())

    def handoff(self, handoff_id: str) -> dict[str, Any]:
        return dict(self.admin.get(f"{API}/handoffs/{handoff_id}").raise_for_status().json())


class AgentAtWork:
    """Serves one human-mode conversation until every message of the customer's quota is answered."""

    def __init__(self, desk: AgentDesk, timeline: Timeline, conversation: Conversation, agent_id: str, quota: int):
        self.desk = desk
        self.timeline = timeline
        self.conversation = conversation
        self.agent_id = agent_id
        self.quota = quota
        self.http = httpx.Client(base_url=desk.handoff_url, timeout=30.0)
        self.handoff_id: str | None = None

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.desk.tokens[self.agent_id]}"}

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set() and not self._done():
                with contextlib.suppress(httpx.HTTPError):  # the service is down or restarting: try again
                    self._round()
                stop.wait(0.4)
        finally:
            self.http.close()

    def _done(self) -> bool:
        """Every message of the quota answered, or of what the customer sent when it stopped early."""
        if len(self.conversation.replied) >= self.quota:
            return True
        return self.conversation.finished_sending and set(self.conversation.sent) <= set(self.conversation.replied)

    def _round(self) -> None:
        if self.handoff_id is None:
            if not self.conversation.conversation_id:
                return
            found = self.desk.handoffs_for(self.conversation.conversation_id)
            if not found:
                return
            self.handoff_id = str(found[0]["id"])
        answer = self.http.get(f"{API}/handoffs/{self.handoff_id}", headers=self._headers())
        answer.raise_for_status()
        record = answer.json()
        if record.get("agent_id") != self.agent_id:
            if record.get("agent_id") in self.desk.tokens:
                self.agent_id = str(record["agent_id"])  # routing gave it to another soak agent: that one answers
            else:
                claimed = self.http.post(f"{API}/handoffs/{self.handoff_id}/claim", headers=self._headers())
                if claimed.status_code >= 400:
                    return
                record = claimed.json()
        seen = []
        for message in record.get("messages") or []:
            parsed = script.parse(str(message.get("text") or "")) if message.get("role") == "customer" else None
            if parsed is not None and parsed[0] == self.conversation.tag and parsed[1] == "m":
                seen.append(parsed[2])
                self.timeline.seen(self.conversation.tag, parsed[2])
        for number in sorted(set(seen)):
            if number in self.conversation.replied:
                continue
            body = {
                "text": script.agent_text(self.conversation.tag, number),
                "message_id": script.reply_id(self.conversation.conversation_id, number),
            }
            posted = self.http.post(f"{API}/handoffs/{self.handoff_id}/replies", json=body, headers=self._headers())
            if posted.status_code >= 400:
                return  # answered in order: a later reply waits for this one
            self.timeline.replied(self.conversation.tag, number)
