"""The pure language decision: scripts, short text, locale hint, non-linguistic text, restriction."""

from __future__ import annotations

import pytest

from bot.components.language_backends import LanguageBackend, build_backend
from bot.components.language_detection import (
    METHOD_HINT,
    METHOD_MODEL,
    METHOD_NONE,
    METHOD_SCRIPT,
    DetectionSettings,
    decide,
    parse_locale_hint,
)
from tests.bot.fakes import FixedBackend


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hi, where is my order? It has been a week", "en"),  # English
        ("hola, dónde está mi pedido? ya pasó una semana", "es"),  # Spanish
        ("oi, cadê meu pedido? já faz uma semana", "pt"),  # Portuguese, informal
        ("bonjour, où est ma commande ? ça fait une semaine", "fr"),  # French
        ("مرحبا، أين طلبي؟", "ar"),  # Arabic script decides
        ("你好，我的订单在哪里？", "zh"),  # Han without kana decides
        ("quiero un reembolso por mis audifonos", "es"),  # Spanish without accents
        ("je veux annuler ma commande svp", "fr"),  # French chat abbreviation
        ("شغل Shadowplay من فضلك", "ar"),  # Latin brand inside Arabic text
        ("我的 iPhone 坏了", "zh"),  # Latin brand inside Chinese text
    ],
)
def test_confident_detection_in_all_six_languages(
    text: str, language: str, settings: DetectionSettings, production_backend: LanguageBackend
) -> None:
    """Real chat sentences in each supported language commit to that language."""
    detection = decide(text, None, settings, production_backend)
    assert language == detection.language
    assert detection.method in (METHOD_MODEL, METHOD_SCRIPT)
    assert detection.confidence >= settings.min_confidence


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("ok", "short_text"),  # too short to tell en from the rest
        ("sim", "short_text"),  # pt "yes", but also an English word
        ("👍", "no_linguistic_content"),  # emoji only
        ("NB-123456", "no_linguistic_content"),  # an order id
        ("12/03 9.99", "no_linguistic_content"),  # numbers
        ("キャンセルしたい", "unsupported_script"),  # Japanese (kana): not zh
        ("주문 취소", "unsupported_script"),  # Korean
        ("ยกเลิกคำสั่งซื้อ", "unsupported_script"),  # Thai
    ],
)
def test_unsure_text_without_hint_emits_nothing(
    text: str, reason: str, settings: DetectionSettings, production_backend: LanguageBackend
) -> None:
    """Without a hint, short, non-linguistic or unsupported text leaves the conversation's language alone."""
    detection = decide(text, None, settings, production_backend)
    assert (None, METHOD_NONE, reason) == (detection.language, detection.method, detection.reason)


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        ("ok", "es", "es"),  # short Latin text, Spanish channel
        ("sim", "pt", "pt"),  # short Latin text, Portuguese channel
        ("👍", "fr", "fr"),  # emoji only: the hint speaks for it
        ("NB-123456", "ar", "ar"),  # id only: the hint speaks for it
        ("ok", "zh", None),  # a Chinese hint does not fit Latin text
        ("ok", "de", None),  # unsupported hint is ignored
        ("キャンセル", "zh", None),  # kana is not Chinese whatever the hint says
    ],
)
def test_locale_hint_decides_unsure_text_when_compatible(
    text: str,
    hint: str,
    expected: str | None,
    settings: DetectionSettings,
    production_backend: LanguageBackend,
) -> None:
    """The hint fills in only for unsure text, and only when the text could be in that language."""
    detection = decide(text, hint if hint in settings.supported_languages else None, settings, production_backend)
    assert expected == detection.language
    if expected:
        assert (METHOD_HINT, settings.hint_confidence) == (detection.method, detection.confidence)


def test_confident_text_beats_the_hint(settings: DetectionSettings, production_backend: LanguageBackend) -> None:
    """A Spanish-locale customer writing a clear English sentence is detected as English."""
    detection = decide("can you tell me where my package is please", "es", settings, production_backend)
    assert (detection.language, detection.method) == ("en", METHOD_MODEL)


def test_hint_can_be_switched_off(production_backend: LanguageBackend) -> None:
    """With use_locale_hint false, unsure text never sets a language."""
    settings = DetectionSettings(use_locale_hint=False)
    assert decide("ok", "es", settings, production_backend).language is None


@pytest.mark.parametrize(
    ("scores", "expected_reason"),
    [
        ({"en": 0.95, "es": 0.05}, "confident"),  # clear winner
        ({"en": 0.58, "es": 0.22, "pt": 0.2}, "ambiguous"),  # below min_confidence
        ({"en": 0.62, "es": 0.38}, "ambiguous"),  # probable but not clearly ahead
        ({}, "no_model_scores"),  # the backend cannot tell
    ],
)
def test_thresholds_decide_commitment(scores: dict[str, float], expected_reason: str) -> None:
    """Only a probable and clearly leading winner is committed; otherwise nothing is emitted."""
    detection = decide("some longer latin text", None, DetectionSettings(), FixedBackend(scores))
    assert expected_reason == detection.reason
    assert (expected_reason == "confident") == (detection.language is not None)


def test_ids_and_emoji_are_removed_before_the_backend_sees_the_text() -> None:
    """The statistical detector sees only the linguistic part of the message."""
    backend = FixedBackend({"en": 1.0})
    decide("where is NB-204519 👍 https://x.io/a", None, DetectionSettings(), backend)
    assert backend.calls == ["where is 👍"]


def test_detection_is_restricted_to_the_configured_languages() -> None:
    """With en and es only, Portuguese text can only come out as en or es, and Arabic gives nothing."""
    languages = ("en", "es")
    settings = DetectionSettings(supported_languages=languages)
    backend = build_backend({"lingua_high": 2.0, "fasttext": 1.0}, languages)
    portuguese = decide("obrigado pela ajuda, até amanhã", None, settings, backend)
    assert set(portuguese.scores) <= set(languages)
    assert portuguese.language in (None, "en", "es")
    assert (
        decide("مرحبا", None, settings, backend).language,
        decide("مرحبا", None, settings, backend).reason,
    ) == (None, "unsupported_script")


def test_unknown_supported_language_is_rejected() -> None:
    """A language without a known script fails fast with a clear message."""
    with pytest.raises(ValueError, match="no script known"):
        DetectionSettings(supported_languages=("en", "xx"))


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ({"locale": "es-MX"}, "es"),  # BCP 47 locale
        ({"locale": "pt_BR"}, "pt"),  # underscore form (Messenger)
        ({"language": "fr"}, "fr"),  # bare language
        ({"locale": "zh-Hans-CN"}, "zh"),  # script subtag
        ({"locale": "de-DE"}, None),  # unsupported
        ({"locale": ""}, None),  # empty
        ({}, None),  # no hint
        (None, None),  # no metadata at all
    ],
)
def test_parse_locale_hint(metadata: dict[str, str] | None, expected: str | None) -> None:
    """Locale hints are reduced to a supported ISO 639-1 code or nothing."""
    assert expected == parse_locale_hint(metadata, ("en", "es", "pt", "fr", "ar", "zh"))
