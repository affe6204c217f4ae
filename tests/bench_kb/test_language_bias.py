"""The XQuAD-R benchmark's language-bias remedies, metrics and dev/test split, on small synthetic data."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

BENCH_KB = Path(__file__).resolve().parents[2] / "bench" / "kb"
sys.path.insert(0, str(BENCH_KB))

from language_bias import language_subspace, pivot, ranking_metrics, remove_subspace  # noqa: E402
from xquad_r import load_language  # noqa: E402


def normalised(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def test_removing_the_language_direction_matches_translations_across_languages() -> None:
    """Two languages share meanings but each adds its own strong offset: LIR 1 makes translations nearest again."""
    rng = np.random.default_rng(0)
    meanings = rng.normal(size=(40, 16))
    offset_a, offset_b = rng.normal(size=16) * 6, rng.normal(size=16) * 6
    lang_a = normalised(meanings + offset_a + rng.normal(scale=0.05, size=(40, 16)))
    lang_b = normalised(meanings + offset_b + rng.normal(scale=0.05, size=(40, 16)))

    def translations_found(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.mean(np.argmax(a @ b.T, axis=1) == np.arange(40)))

    clean_a = remove_subspace(lang_a, language_subspace(lang_a, 1))
    clean_b = remove_subspace(lang_b, language_subspace(lang_b, 1))
    assert translations_found(clean_a, clean_b) > translations_found(lang_a, lang_b)
    assert translations_found(clean_a, clean_b) >= 0.9
    assert np.allclose(np.linalg.norm(clean_a, axis=1), 1.0, atol=1e-5)
    basis = language_subspace(lang_a, 4)
    assert basis.shape == (4, 16) and np.allclose(basis @ basis.T, np.eye(4), atol=1e-5)


def test_pivot_finds_the_translation_of_the_best_own_language_answer() -> None:
    """A weak direct cross-language score, but good translation matching: pivoting through the question's own
    best candidate ranks the right foreign candidate first, where the direct score does not."""
    rng = np.random.default_rng(1)
    meanings = normalised(rng.normal(size=(30, 16)))
    own = normalised(meanings + rng.normal(scale=0.05, size=(30, 16)))
    other = normalised(meanings + rng.normal(scale=0.05, size=(30, 16)))
    questions = normalised(meanings[:10] + rng.normal(scale=0.1, size=(10, 16)))
    # The direct question-to-foreign score is noisy (a weak cross-lingual match).
    direct = questions @ other.T + rng.normal(scale=0.5, size=(10, 30))
    scores = pivot(questions @ own.T, own @ other.T, direct, k=1, temperature=0.3, direct_weight=0.0)
    assert scores.shape == (10, 30)
    assert (np.argmax(questions @ own.T, axis=1) == np.arange(10)).all()  # the own language is easy
    assert np.mean(np.argmax(scores, axis=1) == np.arange(10)) == 1.0
    assert np.mean(np.argmax(direct, axis=1) == np.arange(10)) < 1.0
    # With all the weight on the direct score, pivoting changes nothing in the order.
    only_direct = pivot(questions @ own.T, own @ other.T, direct, k=3, temperature=0.3, direct_weight=1.0)
    assert (np.argsort(-only_direct, axis=1) == np.argsort(-direct, axis=1)).all()


def test_ranking_metrics_on_a_known_ranking() -> None:
    scores = np.array([[0.9, 0.8, 0.1], [0.1, 0.2, 0.3]], dtype=np.float32)
    metrics = ranking_metrics(scores, [{0}, {0, 1}])
    # Question 1: hit at rank 1 (AP 1). Question 2: hits at ranks 2 and 3 (AP (1/2 + 2/3) / 2).
    assert np.isclose(metrics.map, (1.0 + (0.5 + 2 / 3) / 2) / 2)
    assert metrics.hit1 == 0.5 and metrics.r1 == 0.5


def test_questions_split_by_article_parity(tmp_path: Path) -> None:
    """Dev and test never share an article; together they are every question."""

    def article(number: int) -> dict[str, object]:
        context = f"Sentence {number}. Another one."
        return {
            "paragraphs": [
                {
                    "sentences": [f"Sentence {number}.", "Another one."],
                    "sentence_breaks": [[0, 12], [13, len(context)]],
                    "qas": [
                        {"id": f"q{number}", "question": f"Which {number}?", "answers": [{"answer_start": 0}]},
                        {"id": f"r{number}", "question": "Another?", "answers": [{"answer_start": 14}]},
                    ],
                }
            ]
        }

    path = tmp_path / "en.json"
    path.write_text(json.dumps({"data": [article(n) for n in range(5)]}), encoding="utf-8")
    data = load_language(path)
    dev, test = data.split("dev"), data.split("test")
    assert {data.articles[row] for row in dev} == {0, 2, 4}
    assert {data.articles[row] for row in test} == {1, 3}
    assert sorted([*dev, *test]) == list(data.split("all")) == list(range(10))
    assert data.answers[1] == {1}
