"""The demo canned replies file: validated like the API validates, so a typo stops the start with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.adapters.config_loader import DEMO_DIR
from handoff.errors import InvalidInputError
from handoff.macros.seed import read_macros
from handoff.macros.template import placeholders


def test_the_shipped_demo_replies_cover_six_languages_and_use_only_known_fields() -> None:
    """Every demo reply parses; the six languages each have a greeting and an order-status reply."""
    macros = read_macros(DEMO_DIR / "macros.yml")
    for macro in macros:
        placeholders(macro.text)
    pairs = {(m.shortcut, m.language) for m in macros}
    for language in ("en", "fr", "es", "pt", "ar", "zh"):
        assert {("greet", language), ("order-status", language)} <= pairs


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        ("macros:\n  - {shortcut: hi, language: en, title: Hi, text: 'Hi {name}'}\n", "macros.0.text", "unknown"),
        (
            "macros:\n  - {shortcut: hi, language: de, title: Hi, text: Hi}\n",
            "macros.0.language",
            "unknown language 'de'",
        ),
        ("macros:\n  - {shortcut: 'Hi There', language: en, title: Hi, text: Hi}\n", "macros.0.shortcut", "pattern"),
    ],
)
def test_a_bad_demo_file_names_the_entry_and_the_file(tmp_path: Path, content: str, field: str, message: str) -> None:
    """The error names the entry's field, what is wrong and the file."""
    path = tmp_path / "macros.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInputError) as raised:
        read_macros(path)
    assert field == raised.value.field
    assert message in raised.value.message
    assert str(path) in raised.value.message


def test_no_file_means_no_demo_replies(tmp_path: Path) -> None:
    """A demo directory without ``macros.yml`` starts with none."""
    assert read_macros(tmp_path / "macros.yml") == []
