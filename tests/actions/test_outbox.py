"""The SQLite outbox that keeps handoffs while the handoff service is down."""

from __future__ import annotations

import time
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


def filled_outbox(tmp_path: Path) -> Outbox:
    """An outbox holding something of every kind for conversation c1, and a handoff of c2."""
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    outbox.put("c1", {"conversation_id": "c1", "transcript": [{"text": "my email is ana@example.com"}]}, "down")
    outbox.put_message("c1", "m1", {"message_id": "m1", "text": "hello?"}, "down")
    outbox.add_dead_message("c1", "m0", {"message_id": "m0", "text": "too long"}, 413, "rejected")
    outbox.mark_relayed("c1", ["m-1"])
    outbox.put("c2", {"conversation_id": "c2"}, "down")
    return outbox


def test_export_returns_every_record_of_the_conversation_and_nothing_else(tmp_path: Path) -> None:
    """Kept handoff, kept message, dead letter and relay record of c1, payloads decoded; nothing of c2."""
    records = filled_outbox(tmp_path).export("c1")
    assert {table: len(rows) for table, rows in records.items()} == {
        "pending_handoff": 1,
        "pending_message": 1,
        "dead_letter": 1,
        "relayed_message": 1,
    }
    assert "ana@example.com" in records["pending_handoff"][0]["payload"]["transcript"][0]["text"]
    assert records["dead_letter"][0]["payload"]["text"] == "too long"
    assert all(row["conversation_id"] == "c1" for rows in records.values() for row in rows)


def test_erase_deletes_every_record_of_the_conversation_only(tmp_path: Path) -> None:
    """Erasure answers counts per table; afterwards nothing of c1 is left, c2 is untouched."""
    outbox = filled_outbox(tmp_path)
    assert outbox.erase("c1") == {"pending_handoff": 1, "pending_message": 1, "dead_letter": 1, "relayed_message": 1}
    assert all(rows == [] for rows in outbox.export("c1").values())
    assert [item.conversation_id for item in outbox.pending()] == ["c2"]


def test_outbox_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    """The outbox holds customer messages: the file is created 0600, a directory it creates 0700."""
    path = tmp_path / "var" / "outbox.sqlite3"
    Outbox(path)
    assert (path.stat().st_mode & 0o777, path.parent.stat().st_mode & 0o777) == (0o600, 0o700)


def test_retention_purges_old_dead_letters_and_relay_records_only(tmp_path: Path) -> None:
    """Dead letters and relay records past the period go; kept handoffs and messages still waiting stay."""
    outbox = filled_outbox(tmp_path)
    assert outbox.purge_older_than(3600) == {"dead_letter": 0, "relayed_message": 0}
    assert outbox.purge_older_than(3600, now=time.time() + 7200) == {"dead_letter": 1, "relayed_message": 1}
    counts = {table: len(rows) for table, rows in outbox.export("c1").items()}
    assert counts == {"pending_handoff": 1, "pending_message": 1, "dead_letter": 0, "relayed_message": 0}
