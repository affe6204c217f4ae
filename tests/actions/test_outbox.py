"""The SQLite outbox that keeps handoffs while the handoff service is down."""

from __future__ import annotations

from pathlib import Path

from actions.outbox import Outbox


def test_kept_handoff_survives_a_new_outbox_on_the_same_file(tmp_path: Path) -> None:
    """What one process kept, the next one (after a restart) still delivers."""
    path = tmp_path / "outbox.sqlite3"
    Outbox(path).put("c1", {"conversation_id": "c1"}, "down")
    pending = Outbox(path).pending()
    assert [(item.conversation_id, item.payload, item.attempts) for item in pending] == [
        ("c1", {"conversation_id": "c1"}, 1)
    ]


def test_one_entry_per_conversation_latest_payload_wins(tmp_path: Path) -> None:
    """A second failure for the same conversation replaces the payload and counts the attempt."""
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.put("c1", {"v": 1}, "down")
    outbox.put("c1", {"v": 2}, "still down")
    outbox.record_failure("c1", "again")
    [item] = outbox.pending()
    assert (item.payload, item.attempts) == ({"v": 2}, 3)


def test_removed_handoff_is_gone(tmp_path: Path) -> None:
    """Delivered handoffs leave the outbox."""
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.put("c1", {}, "down")
    outbox.put("c2", {}, "down")
    outbox.remove("c1")
    assert [item.conversation_id for item in outbox.pending()] == ["c2"]
    assert outbox.has("c2") and not outbox.has("c1")
