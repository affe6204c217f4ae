"""Read receipts parsed from Meta's webhook bodies: only reads count, the latest per customer, malformed parts
skipped."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.channels.read_receipts import Read, messenger_reads, whatsapp_reads


def test_whatsapp_read_statuses_latest_per_customer() -> None:
    statuses = [
        {"id": "wamid.1", "status": "delivered", "timestamp": "1765100000", "recipient_id": "34600000001"},
        {"id": "wamid.1", "status": "read", "timestamp": "1765100010", "recipient_id": "34600000001"},
        {"id": "wamid.2", "status": "read", "timestamp": "1765100020", "recipient_id": "34600000001"},
        {"id": "wamid.3", "status": "read", "timestamp": "not a time", "recipient_id": "34600000002"},
        "junk",
    ]
    body = {"entry": [{"changes": [{"value": {"statuses": statuses}}]}]}
    assert whatsapp_reads(body) == [Read("whatsapp:34600000001", datetime.fromtimestamp(1765100020, tz=timezone.utc))]
    assert whatsapp_reads({"entry": "x"}) == [] and whatsapp_reads(None) == []


def test_messenger_read_watermark_in_milliseconds() -> None:
    messaging = [
        {"sender": {"id": "psid-1"}, "recipient": {"id": "page"}, "read": {"watermark": 1765100000500}},
        {"sender": {"id": "psid-2"}, "message": {"mid": "m1", "text": "hi"}},
        {"sender": {"id": "psid-3"}, "read": {"watermark": "soon"}},
    ]
    assert messenger_reads({"object": "page", "entry": [{"messaging": messaging}]}) == [
        Read("messenger:psid-1", datetime.fromtimestamp(1765100000.5, tz=timezone.utc))
    ]
