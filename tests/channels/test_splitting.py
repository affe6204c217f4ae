"""Splitting long messages on sentence boundaries within a platform's limit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.channels.splitting import sentences, split_message


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_short_text_is_one_part() -> None:
    """A text within the limit is sent as it is (stripped)."""
    assert split_message("  Hello there.  ", 20) == ["Hello there."]
    assert split_message("   ", 20) == []


def test_parts_end_on_sentence_boundaries() -> None:
    """Sentences are packed greedily and never cut when they fit."""
    text = "First sentence here. Second one! Third? Fourth sentence."
    assert split_message(text, 35) == ["First sentence here. Second one!", "Third? Fourth sentence."]


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        # Chinese full stops need no space after them
        ("你好。我们已收到。谢谢！", 6, ["你好。", "我们已收到。", "谢谢！"]),
        # Arabic question mark ends a sentence
        ("هل طلبك جاهز؟ نعم هو جاهز.", 15, ["هل طلبك جاهز؟", "نعم هو جاهز."]),
        # line breaks end a sentence
        ("Line one\nLine two", 10, ["Line one", "Line two"]),
        # a sentence longer than the limit is cut at a space
        ("aaaa bbbb cccc dddd.", 10, ["aaaa bbbb", "cccc dddd."]),
        # text without spaces is cut hard at the limit
        ("https://nimbus.example/a-very-long-path", 16, ["https://nimbus.e", "xample/a-very-lo", "ng-path"]),
    ],
)
def test_split_table(text: str, limit: int, expected: list[str]) -> None:
    """Scripts and edge cases split where a reader expects."""
    assert split_message(text, limit) == expected


def test_sentences_concatenate_back() -> None:
    """Sentence pieces keep every character."""
    text = "Hola. ¿Qué tal?\n\n你好。Bye!"
    assert "".join(sentences(text)) == text


def test_limit_must_be_positive() -> None:
    """A zero limit is a programming error."""
    with pytest.raises(ValueError):
        split_message("x", 0)


@given(st.text(alphabet=st.sampled_from(list("ab .!?。؟\n你好مر")), max_size=400), st.integers(1, 60))
def test_parts_fit_and_keep_every_character(text: str, limit: int) -> None:
    """Every part fits the limit, none is blank, and together they keep every non-space character in order."""
    parts = split_message(text, limit)
    assert all(0 < len(part) <= limit and part == part.strip() for part in parts)
    assert squeeze("".join(parts)) == squeeze(text)
