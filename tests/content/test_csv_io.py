"""Export to CSV for translators and import back, without loss."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from bot.content.__main__ import main
from bot.content.corpus import load_nlu, load_responses
from bot.content.csv_io import COLUMNS, export_csv, import_csv
from bot.content.errors import CsvFormatError
from bot.content.settings import ContentSettings

from .conftest import REPO_ROOT


@pytest.fixture
def repo_copy(tmp_path: Path) -> ContentSettings:
    """A temporary copy of the shipped nlu_data/ and responses.yml."""
    shutil.copytree(REPO_ROOT / "nlu_data", tmp_path / "nlu_data")
    (tmp_path / "bot/domain").mkdir(parents=True)
    shutil.copy(REPO_ROOT / "bot/domain/responses.yml", tmp_path / "bot/domain/responses.yml")
    return ContentSettings(project_root=tmp_path)


def snapshot(root: Path) -> dict[str, bytes]:
    """Bytes of every YAML file under a project."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.yml"))}


def read_csv(path: Path) -> list[list[str]]:
    """All rows of a CSV file, header included."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_csv(path: Path, rows: list[list[str]]) -> None:
    """Writes rows to a CSV file."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def test_round_trip_of_the_shipped_content_is_lossless(repo_copy: ContentSettings, tmp_path: Path) -> None:
    """Export then import into a copy changes no file, and a second export is identical."""
    before = snapshot(repo_copy.project_root)
    exported = tmp_path / "content.csv"

    export_csv(ContentSettings(project_root=REPO_ROOT), exported)
    changed = import_csv(repo_copy, exported)
    export_csv(repo_copy, tmp_path / "again.csv")

    assert changed == []
    assert before == snapshot(repo_copy.project_root)
    assert exported.read_bytes() == (tmp_path / "again.csv").read_bytes()


def test_csv_holds_every_example_and_variation(repo_copy: ContentSettings, tmp_path: Path) -> None:
    """One row per example and per response variation, in all six languages."""
    exported = tmp_path / "content.csv"
    export_csv(repo_copy, exported)
    corpus, _ = load_nlu(repo_copy.path(repo_copy.nlu_dir), repo_copy.languages)
    responses, _ = load_responses(repo_copy.path(repo_copy.responses))

    rows = read_csv(exported)
    kinds = [row[0] for row in rows[1:]]

    assert list(COLUMNS) == rows[0]
    assert len(corpus.examples) == kinds.count("example")
    assert sum(len(v) for v in responses.variations.values()) == kinds.count("response")
    assert set(repo_copy.languages) == {row[1] for row in rows[1:]}


def test_translated_rows_are_written_back(repo_copy: ContentSettings, tmp_path: Path) -> None:
    """Edited example and response texts, and a new example, land in the right files only."""
    exported = tmp_path / "content.csv"
    export_csv(repo_copy, exported)
    rows = read_csv(exported)
    for row in rows:
        if row[:4] == ["response", "fr", "utter_anything_else", "3"]:
            row[4] = "Autre chose, peut-être ?"
        if row[:4] == ["example", "zh", "greet", "0"]:
            row[4] = "你好呀呀"
    rows.append(["example", "zh", "greet", "999", "哈喽哈喽 👋", ""])
    write_csv(exported, rows)
    before = snapshot(repo_copy.project_root)

    changed = import_csv(repo_copy, exported)

    root = repo_copy.project_root
    assert sorted([root / "bot/domain/responses.yml", root / "nlu_data/zh/nlu.yml"]) == changed
    after = snapshot(root)
    assert {k for k in before if before[k] != after[k]} == {
        "bot/domain/responses.yml",
        "nlu_data/zh/nlu.yml",
    }
    corpus, _ = load_nlu(root / "nlu_data", repo_copy.languages)
    zh_greet = [e.text for e in corpus.examples if (e.language, e.intent) == ("zh", "greet")]
    assert (zh_greet[0], zh_greet[-1]) == ("你好呀呀", "哈喽哈喽 👋")
    responses, _ = load_responses(root / "bot/domain/responses.yml")
    assert responses.variations["utter_anything_else"][3].text == "Autre chose, peut-être ?"


def test_new_language_variation_gets_a_condition(repo_copy: ContentSettings, tmp_path: Path) -> None:
    """A row for a new response creates conditional variations and buttons."""
    exported = tmp_path / "new.csv"
    write_csv(
        exported,
        [
            list(COLUMNS),
            ["response", "es", "utter_new", "0", "¿Seguro?", ""],
            ["button", "es", "utter_new", "0.0", "Sí", "/affirm"],
        ],
    )

    import_csv(repo_copy, exported)

    responses, _ = load_responses(repo_copy.path(repo_copy.responses))
    [variation] = responses.variations["utter_new"]
    assert (
        variation.language("language"),
        variation.text,
        variation.buttons[0].payload,
    ) == ("es", "¿Seguro?", "/affirm")


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        # wrong header
        ([["kind", "lang", "key", "index", "text", "payload"]], "header must be"),
        # unknown kind
        ([list(COLUMNS), ["intent", "en", "greet", "0", "hi", ""]], "unknown kind"),
        # unsupported language for an example
        ([list(COLUMNS), ["example", "de", "greet", "0", "hallo", ""]], "unknown language 'de'"),
        # button index without the button part
        ([list(COLUMNS), ["button", "en", "utter_x", "0", "Yes", "/affirm"]], "bad index"),
    ],
)
def test_broken_csv_is_rejected_with_its_row(
    repo_copy: ContentSettings, tmp_path: Path, rows: list[list[str]], fragment: str
) -> None:
    """A bad CSV changes nothing and names the offending row."""
    path = tmp_path / "bad.csv"
    write_csv(path, rows)
    before = snapshot(repo_copy.project_root)

    with pytest.raises(CsvFormatError) as raised:
        import_csv(repo_copy, path)

    assert fragment in str(raised.value)
    assert before == snapshot(repo_copy.project_root)


def test_import_creates_the_file_of_a_new_language(settings: ContentSettings, project: Path) -> None:
    """Examples for a language without a folder yet go to nlu_data/<lang>/nlu.yml."""
    shutil.rmtree(project / "nlu_data/zh")
    path = project / "zh.csv"
    write_csv(path, [list(COLUMNS), ["example", "zh", "greet", "0", "你好", ""]])

    changed = import_csv(settings, path)

    corpus, _ = load_nlu(project / "nlu_data", settings.languages)
    assert changed == [project / "nlu_data/zh/nlu.yml"]
    assert [(e.language, e.intent, e.text) for e in corpus.examples if e.language == "zh"] == [("zh", "greet", "你好")]


def test_cli_reports_a_bad_csv_without_traceback(
    settings: ContentSettings, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`import` of a broken CSV exits 2 with one `error:` line naming the file and row."""
    path = project / "bad.csv"
    write_csv(path, [list(COLUMNS), ["oops", "en", "greet", "0", "hi", ""]])

    code = main(["--root", str(project), "import", str(path)])

    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and "bad.csv:2: unknown kind 'oops'" in err
