"""The shipped content honours the contract: response keys, language synonyms, FAQ topics."""

from __future__ import annotations

import pytest

from bot.content.annotations import parse_example
from bot.content.corpus import load_nlu, load_responses
from bot.content.settings import SUPPORTED_LANGUAGES

from .conftest import REPO_ROOT

CONTRACT_RESPONSES = {
    # response key: placeholders it must carry in every language
    "utter_greet": set(),
    "utter_goodbye": set(),
    "utter_you_are_welcome": set(),
    "utter_iamabot": set(),
    "utter_anything_else": set(),
    "utter_ask_rephrase": set(),
    "utter_offer_human": set(),
    "utter_no_human_ok": set(),
    "utter_ask_order_id": set(),
    "utter_invalid_order_id": {"order_id"},
    "utter_order_status_processing": {"order_id", "eta"},
    "utter_order_status_shipped": {"order_id", "carrier", "eta"},
    "utter_order_status_delivered": {"order_id", "carrier", "eta"},
    "utter_order_not_found": {"order_id"},
    "utter_refund_to_agent": {"order_id"},
    "utter_cancel_to_agent": {"order_id"},
    "utter_handoff_queued": {"position", "wait"},
    "utter_handoff_scheduled": {"opens_at"},
    "utter_handoff_uncovered": {"position"},
    "utter_handoff_pending": set(),
    "utter_handoff_already": set(),
    "utter_complain_empathy": set(),
    "utter_language_changed": set(),
    "utter_language_unsupported": set(),
    "utter_kb_no_answer": set(),
    "utter_kb_other_language_note": {"article_language_name"},
    "utter_media_unsupported": set(),
    "utter_bot_back": set(),
    "utter_out_of_scope": set(),
}

# How customers name each language, in each language; all must map to the ISO code.
LANGUAGE_NAMES = {
    "en": ["english", "inglés", "inglês", "anglais", "الإنجليزية", "英语"],
    "es": ["spanish", "español", "espanhol", "espagnol", "الإسبانية", "西班牙语"],
    "pt": ["portuguese", "portugués", "português", "portugais", "البرتغالية", "葡萄牙语"],
    "fr": ["french", "francés", "francês", "français", "الفرنسية", "法语"],
    "ar": ["arabic", "árabe", "arabe", "العربية", "阿拉伯语"],
    "zh": ["chinese", "mandarin", "chino", "chinês", "chinois", "الصينية", "中文"],
    "ja": ["japanese", "japonés", "japonês", "japonais", "اليابانية", "日语", "日本語"],
    "vi": ["vietnamese", "vietnamita", "vietnamien", "الفيتنامية", "越南语", "ベトナム語", "tiếng việt"],
}


def test_every_contract_response_exists_with_its_placeholders() -> None:
    """All response keys of the contract exist, each variation with its placeholders."""
    responses, _ = load_responses(REPO_ROOT / "bot/domain/responses.yml")

    assert set(CONTRACT_RESPONSES) <= set(responses.variations)
    for name, expected in CONTRACT_RESPONSES.items():
        for variation in responses.variations[name]:
            found = {p for p in expected if "{" + p + "}" in variation.text}
            assert expected == found, (name, variation.language("language"))


def test_offer_human_has_localised_yes_no_buttons() -> None:
    """The second-fallback offer carries /affirm and /deny buttons with localised titles."""
    responses, _ = load_responses(REPO_ROOT / "bot/domain/responses.yml")
    variations = responses.variations["utter_offer_human"]

    titles = {v.buttons[0].title for v in variations}

    assert {("/affirm", "/deny")} == {tuple(b.payload for b in v.buttons) for v in variations}
    assert len(SUPPORTED_LANGUAGES) == len(titles)


@pytest.mark.parametrize("code", SUPPORTED_LANGUAGES)
def test_language_names_map_to_iso_codes(code: str) -> None:
    """The synonyms in nlu_data/common.yml map every usual name of a language to its code."""
    corpus, _ = load_nlu(REPO_ROOT / "nlu_data", SUPPORTED_LANGUAGES)

    assert {code} == {corpus.synonyms.get(name.casefold(), "?") for name in LANGUAGE_NAMES[code]}


def test_order_ids_appear_in_all_three_spellings() -> None:
    """Order ids are annotated as NB-123456, nb-123456 and nb123456 in every language."""
    corpus, _ = load_nlu(REPO_ROOT / "nlu_data", SUPPORTED_LANGUAGES)
    spellings: dict[str, set[str]] = {code: set() for code in SUPPORTED_LANGUAGES}
    for example in corpus.examples:
        for annotation in parse_example(example.text).annotations:
            if annotation.entity == "order_id" and example.language:
                text = annotation.text
                shape = "upper" if text.startswith("NB-") else "dash" if "-" in text else "bare"
                spellings[example.language].add(shape)

    assert {code: {"upper", "dash", "bare"} for code in SUPPORTED_LANGUAGES} == spellings
