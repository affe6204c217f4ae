"""One conversation's review (pure): run the enabled checks of its queue's rules and score the result.

The score is the share of the applicable checks' weight that passed, 0-100; a conversation no check applies to
(nobody answered, nothing to judge) scores 100 with no findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handoff.qa.checks import CHECKS
from handoff.qa.conversation import Conversation
from handoff.qa.enums import Check, Severity
from handoff.qa.language import LanguageGuesser
from handoff.qa.rules import RuleSet


@dataclass(frozen=True, slots=True)
class FindingDraft:
    """A failed check, before it is stored."""

    check: Check
    severity: Severity
    message_ids: tuple[int, ...]
    detail: str


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """How one check went: ``passed`` is None when it did not apply (or is disabled for the queue)."""

    check: Check
    enabled: bool
    applicable: bool
    passed: bool | None
    weight: float


@dataclass(frozen=True, slots=True)
class ReviewResult:
    """The score, what each check did, and the findings of the failed ones."""

    score: int
    checks: tuple[CheckSummary, ...]
    findings: tuple[FindingDraft, ...] = field(default_factory=tuple)


def score_of(checks: tuple[CheckSummary, ...]) -> int:
    """Passed weight over applicable weight, as a whole percentage (100 when nothing applied)."""
    applicable = sum(c.weight for c in checks if c.applicable)
    if applicable <= 0:
        return 100
    passed = sum(c.weight for c in checks if c.applicable and c.passed)
    return round(100 * passed / applicable)


def review(conversation: Conversation, rules: RuleSet, detector: LanguageGuesser) -> ReviewResult:
    """Run every enabled check and score the conversation."""
    summaries: list[CheckSummary] = []
    findings: list[FindingDraft] = []
    for check, run in CHECKS.items():
        rule = rules.rule(check)
        if not rule.enabled:
            summaries.append(CheckSummary(check, False, False, None, rule.weight))
            continue
        outcome = run(conversation, rules, detector)
        passed = None if not outcome.applicable else not outcome.failed
        summaries.append(CheckSummary(check, True, outcome.applicable, passed, rule.weight))
        if outcome.failed:
            findings.append(FindingDraft(check, rule.severity, outcome.message_ids, outcome.detail))
    checks = tuple(summaries)
    return ReviewResult(score_of(checks), checks, tuple(findings))
