"""The customer directory: the one trusted source of VIP status and priority (``HANDOFF_CUSTOMERS_FILE``).

A YAML file keyed by conversation id (``whatsapp:+34600000000``, ``line:U4af…``, or a REST integration's own
sender id)::

    customers:
      "whatsapp:+34600000000": {vip: true, tier: gold}

or listing ``channel`` + ``id`` pairs::

    customers:
      - {channel: messenger, id: "6543210987654321", vip: true, priority: urgent}

or, for a file whose name ends in ``.csv``, a header ``channel,id,vip,tier,priority`` and one customer a row
(``channel`` empty or ``rest`` for a REST sender id; ``vip`` is ``true``/``yes``/``1`` or empty).

The bot's payload may claim anything about the customer; only this file (or the HTTP customer-data provider,
:mod:`handoff.customers.http_provider`) makes one a VIP, and the bot may ask for ``high`` priority only for
frustration it observed itself.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PRIORITIES = ("normal", "high", "urgent")


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """What the directory says about one customer."""

    vip: bool = False
    tier: str | None = None
    priority: str = "normal"


class DirectoryError(ValueError):
    """The directory file is malformed; the message says where."""


def _entry(raw: Any, where: str) -> DirectoryEntry:
    if not isinstance(raw, dict):
        raise DirectoryError(f"{where}: expected a mapping")
    vip = bool(raw.get("vip", False))
    priority = str(raw.get("priority", "high" if vip else "normal"))
    if priority not in PRIORITIES:
        raise DirectoryError(f"{where}: priority must be one of {', '.join(PRIORITIES)}")
    tier = raw.get("tier")
    return DirectoryEntry(vip=vip, tier=str(tier) if tier is not None else None, priority=priority)


def parse_directory(document: Any) -> dict[str, DirectoryEntry]:
    """Entries by conversation id from the parsed YAML (a mapping, or a list of ``channel``/``id`` items)."""
    customers = (document or {}).get("customers") if isinstance(document, dict) else None
    entries: dict[str, DirectoryEntry] = {}
    if isinstance(customers, dict):
        for key, raw in customers.items():
            entries[str(key)] = _entry(raw, f"customers[{key!r}]")
    elif isinstance(customers, list):
        for index, raw in enumerate(customers):
            if not isinstance(raw, dict) or "id" not in raw:
                raise DirectoryError(f"customers[{index}]: expected a mapping with 'id' (and 'channel')")
            key = f"{raw['channel']}:{raw['id']}" if raw.get("channel") and raw["channel"] != "rest" else str(raw["id"])
            entries[key] = _entry(raw, f"customers[{index}]")
    elif customers is not None:
        raise DirectoryError("customers: expected a mapping or a list")
    return entries


_TRUE = frozenset({"true", "yes", "1", "y"})


def parse_csv_directory(text: str) -> dict[str, DirectoryEntry]:
    """Entries by conversation id from a CSV file with the columns ``channel,id,vip,tier,priority``."""
    rows = list(csv.DictReader(io.StringIO(text)))
    items: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        if not (row.get("id") or "").strip():
            raise DirectoryError(f"row {index + 2}: expected an 'id' column with a value")
        item: dict[str, Any] = {
            "channel": (row.get("channel") or "").strip() or None,
            "id": row["id"].strip(),
            "vip": (row.get("vip") or "").strip().lower() in _TRUE,
        }
        if (row.get("tier") or "").strip():
            item["tier"] = row["tier"].strip()
        if (row.get("priority") or "").strip():
            item["priority"] = row["priority"].strip()
        items.append(item)
    return parse_directory({"customers": items})


def more_urgent(a: str, b: str) -> str:
    """The more urgent of two priorities."""
    return a if PRIORITIES.index(a) >= PRIORITIES.index(b) else b


def trusted_priority(requested: str, reason: str, entry: DirectoryEntry | None) -> tuple[str, bool]:
    """(priority, vip) from what the bot may ask and what the directory says; customer claims count for nothing."""
    asked = "high" if requested in ("high", "urgent") and reason == "frustration" else "normal"
    if entry is None:
        return asked, False
    return more_urgent(asked, entry.priority), entry.vip


class CustomerDirectory:
    """The file's entries, re-read when the file changes (so an edit takes effect without a restart)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._stamp: float | None = None
        self._entries: dict[str, DirectoryEntry] = {}

    def lookup(self, conversation_id: str) -> DirectoryEntry | None:
        """The entry for a conversation id, if any."""
        if self._path is None:
            return None
        # Every request looks at the file's time stamp; only a changed file takes the lock, so requests never queue.
        stamp = _mtime(self._path)
        if stamp == self._stamp:
            return self._entries.get(conversation_id)
        with self._lock:
            stamp = _mtime(self._path)
            if stamp != self._stamp:
                text = self._path.read_text(encoding="utf-8") if stamp is not None else ""
                if not text:
                    self._entries = {}
                elif self._path.suffix.lower() == ".csv":
                    self._entries = parse_csv_directory(text)
                else:
                    self._entries = parse_directory(yaml.safe_load(text))
                self._stamp = stamp
            return self._entries.get(conversation_id)


def _mtime(path: Path) -> float | None:
    """The file's modification time, or None when it does not exist."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return None


_directories: dict[Path | None, CustomerDirectory] = {}


def directory_for(path: Path | None) -> CustomerDirectory:
    """The process's directory for ``path`` (one per path, so its cache is shared by every request)."""
    if path not in _directories:
        _directories[path] = CustomerDirectory(path)
    return _directories[path]
