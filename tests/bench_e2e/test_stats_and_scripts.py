"""Percentiles, turn windows, the REST reply parser and the scripted conversations of the benchmark."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.e2e.conversations import ASKS_FOR_A_PERSON, KB_QUESTIONS, LANGUAGES, ScriptBook, load_kb_questions
from bench.e2e.driver import reply_texts
from bench.e2e.report import Results, render
from bench.e2e.stats import Summary, format_ratio, percentile, ratio, window_latencies
from kb.articles import validate_articles
from kb.chunks import chunk_articles
from kb.evaluate import read_questions
from scripts.stack import ROOT

latencies = st.lists(st.floats(min_value=0.0, max_value=100.0, allow_nan=False), min_size=1, max_size=200)


@given(latencies)
def test_percentiles_are_ordered_and_within_range(values: list[float]) -> None:
    """p50 ≤ p95 ≤ p99, all between the fastest and the slowest turn."""
    summary = Summary.of(values)
    assert min(values) <= summary.p50 <= summary.p95 <= summary.p99 <= max(values)


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),  # even count: midpoint
        ([5.0], 99, 5.0),  # single value
        ([1.0, 2.0, 3.0, 4.0, 5.0], 100, 5.0),  # top is the maximum
        ([3.0, 1.0, 2.0], 0, 1.0),  # order of input does not matter
    ],
)
def test_percentile_interpolates(values: list[float], q: float, expected: float) -> None:
    """Linear interpolation between closest ranks."""
    assert expected == pytest.approx(percentile(values, q))


def test_empty_and_ratio_edges_are_nan() -> None:
    """Nothing measured gives NaN, shown as a dash, never a made-up number."""
    assert math.isnan(percentile([], 50))
    assert math.isnan(ratio(1.0, 0.0))
    assert format_ratio(ratio(math.nan, 1.0)) == "–"
    assert format_ratio(ratio(2.0, 1.0)) == "2.00×"


def test_throughput_is_messages_per_wall_second() -> None:
    """Ten messages in two seconds are five per second."""
    assert Summary.of([0.1] * 10, wall_seconds=2.0).throughput == 5.0


def test_windows_select_turns_inclusively() -> None:
    """Turn windows are 1-based and include both ends."""
    pairs = [(turn, float(turn)) for turn in range(1, 301)]
    assert [100.0 + i for i in range(21)] == window_latencies(pairs, 100, 120)


def test_reply_texts_reads_rest_answers() -> None:
    """Texts of the REST answer, a marker for non-text messages, nothing for an empty answer."""
    payload = [{"recipient_id": "c1", "text": "Hola"}, {"recipient_id": "c1", "buttons": [], "custom": {}}]
    assert reply_texts(payload) == ("Hola", "[buttons,custom]")
    assert reply_texts([]) == ()


@pytest.fixture(scope="module")
def book() -> ScriptBook:
    """Scripts built from the held-out KB questions."""
    return ScriptBook(load_kb_questions(KB_QUESTIONS), seed=1)


def test_kb_questions_exist_in_every_language() -> None:
    """The held-out KB questions give in-scope questions in the six languages, none of them an article's own
    sample question and none out of scope."""
    questions = load_kb_questions(KB_QUESTIONS)
    assert all(len(questions[language]) >= 20 for language in LANGUAGES)
    samples = {chunk.text for chunk in chunk_articles(validate_articles(ROOT / "kb" / "articles").articles)}
    out_of_scope = {question.text for question in read_questions(KB_QUESTIONS) if question.article is None}
    asked = {text for texts in questions.values() for text in texts}
    assert not asked & samples
    assert not asked & out_of_scope


def test_load_conversations_cover_all_languages_and_kinds(book: ScriptBook) -> None:
    """A run of 36 short conversations uses the six languages and bot-only as well as handoff scripts."""
    conversations = [book.ours_load(i) for i in range(36)]
    assert set(LANGUAGES) == {conversation.language for conversation in conversations}
    assert {"bot", "refund+human", "handoff+human"} == {conversation.kind for conversation in conversations}


def test_human_mode_messages_are_unique(book: ScriptBook) -> None:
    """Relayed messages carry a turn marker so that each can be counted exactly once."""
    conversation = book.ours_long_human("ar", 300)
    relayed = conversation.messages[2:]
    assert len(conversation.messages) == 300
    assert len(relayed) == len(set(relayed))


def test_every_message_says_what_it_is(book: ScriptBook) -> None:
    """Steps run parallel to messages; KB questions come from the held-out set, relays follow the handoff."""
    conversation = book.ours_load(6 * 5)  # variant 5: asks for a person
    assert len(conversation.steps) == len(conversation.messages)
    assert conversation.steps == ("greet", "faq", "request_human", "human_mode", "human_mode", "human_mode")
    assert conversation.messages[3].endswith("#4")


def test_bot_only_questions_feed_the_long_bot_conversation() -> None:
    """Questions that ask for a person stay out of the conversation that must stay with the bot."""
    bot_only = load_kb_questions(KB_QUESTIONS, exclude=ASKS_FOR_A_PERSON)
    book = ScriptBook(load_kb_questions(KB_QUESTIONS), seed=3, bot_only_questions=bot_only)
    conversation = book.ours_long_bot("en", 300)
    asked = {m for m, step in zip(conversation.messages, conversation.steps, strict=True) if step == "faq"}
    assert asked <= set(bot_only["en"])
    person = {q.text for q in read_questions(KB_QUESTIONS) if q.language == "en" and q.article in ASKS_FOR_A_PERSON}
    assert person and not person & set(bot_only["en"])


def test_long_bot_and_stock_conversations_have_the_requested_length(book: ScriptBook) -> None:
    """Long scripts have exactly the number of turns asked for."""
    assert len(book.ours_long_bot("zh", 300).messages) == 300
    assert len(book.stock_long(300).messages) == 300


def test_the_compared_turn_windows_ask_the_same_messages(book: ScriptBook) -> None:
    """Turns 1-20, 101-120 and 281-300 of a long conversation are the same messages in the same order, so the
    latency windows differ only in the conversation's length; the first 20 still mix every kind of step."""
    for conversation in (book.ours_long_bot("es", 300), book.stock_long(300)):
        first = conversation.messages[:20]
        assert conversation.messages[100:120] == first == conversation.messages[280:300]
        assert conversation.steps[280:300] == conversation.steps[:20]
    ours = book.ours_long_bot("es", 300)
    assert {"greet", "faq", "order_status", "thank_you"} == set(ours.steps[:20])
    assert len({m for m, step in zip(ours.messages[:20], ours.steps[:20], strict=True) if step == "faq"}) > 1


def test_report_renders_every_section() -> None:
    """The Markdown report names the command and has the four tables even with missing windows."""
    summary = Summary.of([0.02, 0.03], wall_seconds=0.1)
    text = render(
        Results(
            command="PYTHONPATH=. .venv/bin/python -m bench.e2e.run --quick",
            started_at="2026-11-23 12:00 UTC",
            mode="quick",
            machine="2 cores",
            concurrency={1: {"ours": summary, "stock": summary}},
            windows={"ours-bot": {(1, 20): summary, (100, 120): Summary.of([]), (280, 300): Summary.of([])}},
            ledgers={},
            hops={"handoff POST /api/v1/handoffs": summary},
            steps={1: {"faq": summary}},
        )
    )
    assert "--quick" in text
    assert "| 1 | 2 / 2 | 25 / 25 |" in text
    assert "| faq | 2, 25 / 30 |" in text
    assert text.count("\n## ") == 5
