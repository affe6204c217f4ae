"""The validator rejects broken content with messages naming file, line and language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.content.__main__ import main
from bot.content.issues import Issue, Severity
from bot.content.settings import ContentSettings
from bot.content.validate import content_issues

from .conftest import REPO_ROOT, TINY_RESPONSES, nlu_yaml, responses_yaml


def errors_of(settings: ContentSettings) -> list[Issue]:
    """Only the errors found by our checks."""
    return [i for i in content_issues(settings) if i.severity is Severity.ERROR]


def replace_in(path: Path, old: str, new: str) -> None:
    """Edits a fixture file in place; fails when `old` is not there."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, fragment: str) -> int:
    """1-based number of the first line containing `fragment`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if fragment in line:
            return number
    raise AssertionError(f"{fragment!r} not in {path}")


def test_valid_project_has_no_errors(settings: ContentSettings) -> None:
    """The tiny fixture project passes every check."""
    assert errors_of(settings) == []


def test_missing_translation_names_response_file_line_and_language(settings: ContentSettings, project: Path) -> None:
    """A response without its French variation is an error for 'fr' at the response's line."""
    texts = {k: v for k, v in TINY_RESPONSES.items() if k != "fr"}
    responses = project / "bot/domain/responses.yml"
    responses.write_text(responses_yaml(texts), encoding="utf-8")

    [issue] = errors_of(settings)

    assert (responses, 3, "fr") == (issue.path, issue.line, issue.language)
    assert "utter_greet" in issue.message and "missing translation" in issue.message


def test_unconditional_variation_is_rejected(settings: ContentSettings, project: Path) -> None:
    """A variation without a language condition would answer every language: error."""
    responses = project / "bot/domain/responses.yml"
    with responses.open("a", encoding="utf-8") as handle:
        handle.write('  - text: "Hello anyone"\n')

    [issue] = errors_of(settings)

    assert issue.line == line_of(responses, "Hello anyone")
    assert "without a condition" in issue.message


def test_extra_variation_and_placeholder_mismatch(settings: ContentSettings, project: Path) -> None:
    """Two 'es' variations (only one allowed) and a lost placeholder are both reported."""
    responses = project / "bot/domain/responses.yml"
    replace_in(responses, "¿Pedido {order_id}?", "¿Pedido?")
    with responses.open("a", encoding="utf-8") as handle:
        handle.write('  - condition: [{type: slot, name: language, value: es}]\n    text: "Otra {order_id}"\n')
    settings = ContentSettings(
        project_root=settings.project_root,
        min_examples=3,
        min_examples_by_intent={},
        max_variations_by_response={},
    )

    messages = sorted(i.message for i in errors_of(settings))

    assert len(messages) == 2
    assert "has 2 'es' variations, at most 1 allowed" in messages[0]
    assert "placeholders differ from 'en': missing order_id" in messages[1]


def test_duplicate_across_intents_and_languages(settings: ContentSettings, project: Path) -> None:
    """The same text under two intents is an error even when the languages differ."""
    fr = project / "nlu_data/fr/nlu.yml"
    replace_in(fr, "- coucou", "- where is my order")

    [issue] = errors_of(settings)

    assert (fr, line_of(fr, "where is my order"), "fr") == (issue.path, issue.line, issue.language)
    assert "also an example of intent 'check_order_status'" in issue.message
    assert "nlu_data/en/nlu.yml" in issue.message


def test_same_intent_in_two_languages_is_only_a_warning(settings: ContentSettings, project: Path) -> None:
    """'hola' as a greeting in Portuguese and Spanish is fine for the model: warning only."""
    replace_in(project / "nlu_data/pt/nlu.yml", "- oi", "- hola")

    issues = content_issues(settings)

    assert [i.severity for i in issues] == [Severity.WARNING]


@pytest.mark.parametrize(
    ("broken", "fragment"),
    [
        # unbalanced bracket
        ("- track it", "unbalanced or malformed annotation"),
        # entity the domain does not know
        ("- where is my order", "unknown entity 'product'"),
        # order id that does not match the regex
        ("- hello", "does not match"),
        # language value outside the six codes
        ("- good morning", "not one of en, es, pt, fr, ar, zh"),
    ],
)
def test_bad_annotation_is_rejected(settings: ContentSettings, project: Path, broken: str, fragment: str) -> None:
    """Every kind of broken annotation is an error at its line, in its language."""
    replacement = {
        "- track it": "- track [NB-123456(order_id)",
        "- where is my order": "- where is my [phone](product)",
        "- hello": "- hello [NB-12](order_id)",
        "- good morning": '- good morning [klingon]{"entity": "language", "value": "tlh"}',
    }[broken]
    en = project / "nlu_data/en/nlu.yml"
    replace_in(en, broken, replacement)

    [issue] = errors_of(settings)

    assert (en, line_of(en, replacement[2:]), "en") == (issue.path, issue.line, issue.language)
    assert fragment in issue.message


def test_too_few_examples_in_one_language(settings: ContentSettings, project: Path) -> None:
    """An intent below the minimum in Arabic is an error at the Arabic intent's line."""
    ar = project / "nlu_data/ar/nlu.yml"
    replace_in(ar, "    - اهلا\n", "")

    [issue] = errors_of(settings)

    assert (ar, line_of(ar, "intent: greet"), "ar") == (issue.path, issue.line, issue.language)
    assert "has 2 examples in 'ar', needs 3" in issue.message


def test_intent_missing_from_a_language(settings: ContentSettings, project: Path) -> None:
    """An intent that exists elsewhere but not in Chinese is reported for 'zh'."""
    en = project / "nlu_data/en/nlu.yml"
    with en.open("a", encoding="utf-8") as handle:
        handle.write(nlu_yaml({"goodbye": ["bye", "see you", "ciao"]}, "en").split("nlu:\n", 1)[1])

    languages = sorted(i.language or "" for i in errors_of(settings))

    assert languages == ["ar", "es", "fr", "pt", "zh"]


def test_cli_exits_non_zero_and_prints_locations(
    settings: ContentSettings, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`python -m bot.content validate` prints `file:line [lang] error:` and exits 1."""
    replace_in(project / "nlu_data/zh/nlu.yml", "- 查物流", "- 查[物流](order_id")
    argv = ["--root", str(project), "--min-examples", "3", "--min-faq-examples", "3"]

    code = main([*argv, "validate", "--skip-rasa"])

    out = capsys.readouterr().out
    assert code == 1
    assert "nlu_data/zh/nlu.yml:" in out and "[zh] error: unbalanced" in out


def test_repository_content_passes_our_checks() -> None:
    """The shipped nlu_data/ and responses pass every check with the real minimums."""
    settings = ContentSettings(project_root=REPO_ROOT)

    assert [i.format(REPO_ROOT) for i in errors_of(settings)] == []


def test_intent_block_without_its_language_is_rejected(settings: ContentSettings, project: Path) -> None:
    """The language lexicon learns from each intent block's declared language: a missing or wrong one is an error."""
    pt = project / "nlu_data/pt/nlu.yml"
    replace_in(pt, "    language: pt\n", "    language: es\n")

    issues = errors_of(settings)

    assert {(issue.path, issue.language) for issue in issues} == {(pt, "pt")}
    assert all("metadata: {language: pt}" in issue.message for issue in issues)
