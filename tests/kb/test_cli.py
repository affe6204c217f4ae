"""The content team's command line: validate, build, query, evaluate, as separate processes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kb.articles_fixture import SHIPPING, write_articles

ROOT = Path(__file__).resolve().parents[2]


def run_kb(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kb`` from the project root."""
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory: pytest.TempPathFactory, reranked_index: Path) -> tuple[Path, Path]:
    """Articles and an index built by the CLI. The article classifier of these articles and encoders is taken from the
    session's in-process build, so the CLI fits it only if its build differs (fitting embeds thousands of questions)."""
    root = tmp_path_factory.mktemp("cli")
    articles = write_articles(root / "articles")
    (root / "index").mkdir()
    for path in reranked_index.glob("supervised.*"):
        shutil.copyfile(path, root / "index" / path.name)
    result = run_kb("build", "--articles-dir", str(articles), "--index-dir", str(root / "index"))
    assert result.returncode == 0, result.stderr
    assert "missing translation: pt, ar" in result.stdout
    assert "built: 3 articles" in result.stdout
    return articles, root / "index"


def test_build_twice_reports_up_to_date(cli_index: tuple[Path, Path]) -> None:
    """A second build with nothing changed does no work."""
    articles, index = cli_index
    result = run_kb("build", "--articles-dir", str(articles), "--index-dir", str(index))
    assert "is up to date" in result.stdout
    assert "unchanged: 3 articles" in result.stdout


def test_query_shows_hits_with_scores(cli_index: tuple[Path, Path]) -> None:
    """query prints the decision, then ranked hits with score, id and language."""
    _, index = cli_index
    result = run_kb("query", "¿cuánto tarda el envío?", "--language", "es", "--index-dir", str(index))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("answer (threshold for es")
    assert "shipping-times (es): ¿Cuánto tarda el envío?" in lines[1]


def test_evaluate_prints_table(cli_index: tuple[Path, Path], tmp_path: Path) -> None:
    """evaluate reads <lang>.yml questions and prints one row per language."""
    _, index = cli_index
    (tmp_path / "es.yml").write_text(
        "language: es\nquestions:\n"
        "  - text: oigan en cuantos dias me llega el paquete\n    article: shipping-times\n"
        "  - text: cual es la capital de francia\n    article: null\n",
        encoding="utf-8",
    )
    result = run_kb("evaluate", "--questions-dir", str(tmp_path), "--index-dir", str(index))
    assert result.returncode == 0, result.stderr
    assert "| es | 1 | 1.000 |" in result.stdout


def test_validate_and_errors_are_one_line(tmp_path: Path) -> None:
    """Invalid articles: exit code 1 with file and reason; a missing index: exit 2 and no traceback."""
    directory = write_articles(tmp_path / "articles", {"shipping-times": SHIPPING.replace("topic: orders", "topic: x")})
    result = run_kb("validate", "--articles-dir", str(directory))
    assert result.returncode == 1
    assert "shipping-times.md: `topic` must be one of" in result.stdout
    missing = run_kb("query", "hello", "--index-dir", str(tmp_path / "none"))
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert "run `python -m kb build`" in missing.stderr
