"""Quality-review rules (defaults, per-queue overrides, validation, version) and the score of a review (pure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from handoff.errors import InvalidInputError
from handoff.qa.enums import Check
from handoff.qa.language import ProjectDetector
from handoff.qa.reviewer import review
from handoff.qa.rules import load_rules, parse_rules
from language_registry import codes
from tests.handoff.qa_kit import agent, conversation, customer, demo_rules


def test_a_queue_override_changes_only_what_it_names() -> None:
    """Overriding one check's weight, one limit and one language's list keeps everything else of the defaults."""
    rules = parse_rules(
        {
            "defaults": {
                "limits": {"silence_seconds": 300},
                "phrases": {"greeting": {"en": ["hello"], "es": ["hola"]}},
            },
            "queues": {
                "vip": {
                    "checks": {"greeting": {"weight": 40}},
                    "limits": {"closing_window": 1},
                    "phrases": {"greeting": {"es": ["buenas"]}},
                }
            },
        }
    )
    vip = rules.for_queue("vip")
    assert (vip.rule(Check.GREETING).weight, vip.rule(Check.GREETING).enabled) == (40, True)
    assert (vip.limits.silence_seconds, vip.limits.closing_window) == (300, 1)
    assert vip.phrases.greeting == {"en": ["hello"], "es": ["buenas"]}
    assert rules.for_queue("unknown-queue") == rules.defaults
    assert rules.defaults.rule(Check.TONE).weight == 15  # the built-in default of a check the file does not name


@pytest.mark.parametrize(
    ("data", "field"),
    [
        # an unknown check name
        ({"defaults": {"checks": {"politeness": {"weight": 1}}}}, "defaults.checks.politeness"),
        # a language the assistant does not speak
        ({"defaults": {"phrases": {"tone": {"de": ["ruhig"]}}}}, "defaults.phrases.tone"),
        # a negative weight in a queue override
        ({"queues": {"emea": {"checks": {"tone": {"weight": -1}}}}}, "queues.emea.checks.tone.weight"),
        # a misspelt limit
        ({"defaults": {"limits": {"silence": 10}}}, "defaults.limits.silence"),
        # an unknown top-level key
        ({"default": {}}, "qa rules.default"),
    ],
)
def test_invalid_rules_are_refused_with_the_field_to_fix(data: dict[str, object], field: str) -> None:
    """Every mistake names where it is."""
    with pytest.raises(InvalidInputError) as raised:
        parse_rules(data)
    assert raised.value.field.startswith(field)


def test_the_file_loads_and_its_version_follows_its_content(tmp_path: Path) -> None:
    """The shipped file has phrase lists for every language; editing a rule changes the version; a configured
    file that is missing is an error, the default one missing means built-in defaults."""
    shipped = demo_rules()
    for kind in ("greeting", "closing", "tone", "question_words", "password"):
        assert set(getattr(shipped.phrases, kind)) == set(codes()), kind
    path = tmp_path / "qa_rules.yml"
    path.write_text("defaults:\n  limits:\n    silence_seconds: 100\n", encoding="utf-8")
    first = load_rules(path).version
    path.write_text("defaults:\n  limits:\n    silence_seconds: 200\n", encoding="utf-8")
    assert load_rules(path).version != first
    with pytest.raises(InvalidInputError):
        load_rules(tmp_path / "missing.yml")
    assert load_rules(tmp_path / "missing.yml", required=False).defaults.phrases.greeting == {}
    path.write_text("defaults: [not, a, mapping\n", encoding="utf-8")
    with pytest.raises(InvalidInputError):
        load_rules(path)


def test_score_is_the_passed_share_of_the_applicable_weight() -> None:
    """Late first reply (15) and no closing (5) fail out of the applicable weight; disabling a check drops it."""
    conv = conversation(
        "en",
        [customer("My order is late", -5), agent("Hello, I am sorry to hear that, let me check", 400),
         agent("It arrives tomorrow", 500), customer("Great, thanks", 520)],
    )  # fmt: skip
    rules = demo_rules()
    result = review(conv, rules, ProjectDetector())
    applicable = {c.check: c.weight for c in result.checks if c.applicable}
    failed = {f.check for f in result.findings}
    assert failed == {Check.FIRST_RESPONSE, Check.CLOSING}
    expected = round(100 * (sum(applicable.values()) - 15 - 5) / sum(applicable.values()))
    assert expected == result.score
    off = rules.model_copy(
        update={
            "checks": {**rules.checks, Check.CLOSING: rules.checks[Check.CLOSING].model_copy(update={"enabled": False})}
        }
    )
    result_off = review(conv, off, ProjectDetector())
    assert {f.check for f in result_off.findings} == {Check.FIRST_RESPONSE}
    assert [c.passed for c in result_off.checks if c.check is Check.CLOSING] == [None]


def test_a_conversation_nobody_answered_scores_100_without_findings() -> None:
    """A handoff closed from the queue (spam) has nothing an agent did to judge."""
    result = review(
        conversation("en", [customer("buy cheap stuff", -5)], agent_id=None), demo_rules(), ProjectDetector()
    )
    assert (result.score, result.findings) == (100, ())
