"""The satisfaction survey's responses exist in all six languages, each written for its language, with the rating
and Skip buttons the command guard and the survey policy expect."""

from __future__ import annotations

import pytest
import yaml

from bot.content.settings import SUPPORTED_LANGUAGES

from .conftest import REPO_ROOT

SURVEY_RESPONSES = (
    "utter_csat_ask",
    "utter_csat_invalid",
    "utter_csat_comment_ask",
    "utter_csat_thanks",
    "utter_csat_already_rated",
    "utter_csat_not_recorded",
)
RATING_PAYLOADS = [f'/csat_rate{{"csat_score":"{n}"}}' for n in range(1, 6)]


def variations(key: str) -> dict[str, dict]:
    """The response's one variation per language."""
    document = yaml.safe_load((REPO_ROOT / "bot" / "domain" / "responses.yml").read_text(encoding="utf-8"))
    found: dict[str, dict] = {}
    for variation in document["responses"][key]:
        [language] = [c["value"] for c in variation["condition"] if c["name"] == "language"]
        assert language not in found, f"{key} has two variations in {language}"
        found[language] = variation
    return found


@pytest.mark.parametrize("key", SURVEY_RESPONSES)
def test_every_survey_response_is_written_in_every_language(key: str) -> None:
    """Six variations, six different texts (none left in English)."""
    found = variations(key)
    assert set(SUPPORTED_LANGUAGES) == set(found)
    texts = [found[language]["text"].strip() for language in SUPPORTED_LANGUAGES]
    assert all(texts) and len(set(texts)) == len(texts)


def test_the_rating_prompt_offers_one_to_five_and_names_the_scale_for_typing() -> None:
    """Five buttons 1..5 in every language; the text names 1 and 5, so a customer without buttons can type one."""
    for language, variation in variations("utter_csat_ask").items():
        assert [b["payload"] for b in variation["buttons"]] == RATING_PAYLOADS, language
        assert [b["title"] for b in variation["buttons"]] == ["1", "2", "3", "4", "5"], language
        assert "1" in variation["text"] and "5" in variation["text"], language


def test_the_comment_prompt_has_a_skip_button_in_the_customers_language() -> None:
    """One button sending /csat_skip, its title translated."""
    found = variations("utter_csat_comment_ask")
    titles = set()
    for language, variation in found.items():
        [button] = variation["buttons"]
        assert button["payload"] == "/csat_skip", language
        assert button["title"] in variation["text"], f"{language}: the text names the button it offers"
        titles.add(button["title"])
    assert len(titles) == len(SUPPORTED_LANGUAGES)
