"""Each translation adapter against the local vendor stand-in (real HTTP): exactly what is sent (credential in a
header or the body, never the URL; languages; several texts in one call), what comes back, and the fail-soft
translator around them (errors and timeouts give the original text, marked; the cache saves calls)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest

from handoff.settings import Settings
from handoff.translation.cache import TranslationCache
from handoff.translation.deepl import FREE_URL, PRO_URL, DeepL, default_url, target_code
from handoff.translation.factory import build_provider
from handoff.translation.google import GoogleTranslate
from handoff.translation.libretranslate import LibreTranslate
from handoff.translation.provider import TranslationConfigError, TranslationError
from handoff.translation.service import Translator, agent_language, needs_translation
from tests.stand_ins.translation import TranslationStandIn

CANNED = {
    ("en", "Olá, meu pedido não chegou"): "Hello, my order has not arrived",
    ("en", "Pode me ajudar?"): "Can you help me?",
    ("pt", "Let me check your order."): "Vou verificar o seu pedido.",
    ("ar", "Let me check your order."): "دعني أتحقق من طلبك.",
}


@pytest.fixture
def stand_in() -> Iterator[TranslationStandIn]:
    """The vendor stand-in with the canned table and a LibreTranslate key."""
    with TranslationStandIn(canned=dict(CANNED), libre_api_key="libre-key") as server:
        yield server


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """The injected client, with a short timeout for the timeout cases."""
    with httpx.Client(timeout=0.5) as client:
        yield client


def test_libretranslate_sends_every_text_in_one_call_with_the_key_in_the_body(
    stand_in: TranslationStandIn, http: httpx.Client
) -> None:
    """One POST /translate with q as a list, the languages, format text and api_key; translations in order."""
    adapter = LibreTranslate(http, stand_in.url + "/", api_key="libre-key")
    result = adapter.translate(["Olá, meu pedido não chegou", "Pode me ajudar?"], "pt", "en")
    assert result == ["Hello, my order has not arrived", "Can you help me?"]
    [call] = stand_in.calls
    assert call.path == "/translate"
    expected = {
        "q": ["Olá, meu pedido não chegou", "Pode me ajudar?"],
        "source": "pt",
        "target": "en",
        "format": "text",
        "api_key": "libre-key",
    }
    assert expected == call.body


def test_libretranslate_without_key_sends_none_and_detects_the_source(http: httpx.Client) -> None:
    """A server without keys gets no api_key field; an unknown source language is sent as auto."""
    with TranslationStandIn() as server:
        assert LibreTranslate(http, server.url).translate(["oi"], None, "en") == ["[en] oi"]
        assert server.calls[0].body == {"q": ["oi"], "source": "auto", "target": "en", "format": "text"}


def test_libretranslate_wrong_key_is_an_error_that_names_no_secret(
    stand_in: TranslationStandIn, http: httpx.Client
) -> None:
    """The stand-in refuses a wrong key with 403 like LibreTranslate; the error says HTTP 403, not the key."""
    with pytest.raises(TranslationError) as error:
        LibreTranslate(http, stand_in.url, api_key="wrong-key").translate(["Pode me ajudar?"], "pt", "en")
    assert str(error.value) == "libretranslate: HTTP 403"


def test_deepl_sends_the_key_in_its_header_and_upper_case_languages(
    stand_in: TranslationStandIn, http: httpx.Client
) -> None:
    """POST /v2/translate, Authorization: DeepL-Auth-Key, a text list, target PT-BR, source EN; no key in the URL."""
    adapter = DeepL(http, "deepl-test-key:fx", url=stand_in.url)
    result = adapter.translate(["Let me check your order.", "Thanks"], "en", "pt")
    assert result == ["Vou verificar o seu pedido.", "[pt] Thanks"]
    [call] = stand_in.calls
    assert (call.path, call.headers["authorization"]) == ("/v2/translate", "DeepL-Auth-Key deepl-test-key:fx")
    assert call.body == {"text": ["Let me check your order.", "Thanks"], "target_lang": "PT-BR", "source_lang": "EN"}
    assert "deepl-test-key" not in call.path


@pytest.mark.parametrize(
    ("key", "url"),
    [
        ("279a2e9d-83b3-c416-7e2d-f721593e42a0:fx", FREE_URL),  # Free API keys end in :fx
        ("279a2e9d-83b3-c416-7e2d-f721593e42a0", PRO_URL),  # any other key is a Pro key
    ],
)
def test_deepl_free_and_pro_keys_reach_their_own_host(key: str, url: str) -> None:
    """DeepL serves the two plans from different hosts."""
    assert url == default_url(key)


@pytest.mark.parametrize(
    ("language", "code"),
    [("pt", "PT-BR"), ("en", "EN-US"), ("ar", "AR"), ("zh", "ZH"), ("es", "ES")],  # regional where DeepL wants one
)
def test_deepl_target_codes(language: str, code: str) -> None:
    """Upper-case target codes, with the regional variant DeepL requires for English and Portuguese."""
    assert code == target_code(language)


def test_deepl_wrong_key_is_an_error(stand_in: TranslationStandIn, http: httpx.Client) -> None:
    """403 from DeepL is a TranslationError."""
    with pytest.raises(TranslationError, match="deepl: HTTP 403"):
        DeepL(http, "other-key", url=stand_in.url).translate(["Thanks"], "en", "pt")


def test_google_v3_posts_contents_to_the_project_with_a_bearer_token(
    stand_in: TranslationStandIn, http: httpx.Client
) -> None:
    """POST /v3/projects/{project}/locations/global:translateText, Bearer token, contents list, plain text."""
    adapter = GoogleTranslate(http, "nimbus-test", access_token="google-test-token", url=stand_in.url)
    assert adapter.translate(["Let me check your order.", "Thanks"], "en", "ar") == [
        "دعني أتحقق من طلبك.",
        "[ar] Thanks",
    ]
    [call] = stand_in.calls
    assert call.path == "/v3/projects/nimbus-test/locations/global:translateText"
    assert call.headers["authorization"] == "Bearer google-test-token"
    expected = {
        "contents": ["Let me check your order.", "Thanks"],
        "targetLanguageCode": "ar",
        "sourceLanguageCode": "en",
        "mimeType": "text/plain",
    }
    assert expected == call.body


def test_google_api_key_goes_in_a_header_not_the_url(stand_in: TranslationStandIn, http: httpx.Client) -> None:
    """With an API key instead of a token: X-Goog-Api-Key, and no ?key= in the URL."""
    adapter = GoogleTranslate(http, "nimbus-test", api_key="google-test-api-key", url=stand_in.url)
    assert adapter.translate(["Thanks"], "en", "pt") == ["[pt] Thanks"]
    [call] = stand_in.calls
    assert call.headers["x-goog-api-key"] == "google-test-api-key"
    assert "authorization" not in call.headers and "key=" not in call.path


def test_google_needs_a_credential_and_a_valid_one(stand_in: TranslationStandIn, http: httpx.Client) -> None:
    """No credential at all is a configuration error; a wrong token is refused (401)."""
    with pytest.raises(TranslationConfigError):
        GoogleTranslate(http, "nimbus-test", url=stand_in.url)
    with pytest.raises(TranslationError, match="google: HTTP 401"):
        GoogleTranslate(http, "nimbus-test", access_token="stale", url=stand_in.url).translate(["x"], "en", "pt")


def test_a_translation_count_that_does_not_match_is_an_error(http: httpx.Client) -> None:
    """A provider answering fewer translations than texts is refused rather than misaligned."""

    def short(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"translatedText": ["only one"]})

    with httpx.Client(transport=httpx.MockTransport(short)) as client, pytest.raises(TranslationError):
        LibreTranslate(client, "http://libre.test").translate(["a", "b"], "pt", "en")


def translator_for(server: TranslationStandIn, http: httpx.Client, **kwargs: object) -> Translator:
    """A LibreTranslate-backed translator with its own cache."""
    cache = kwargs.pop("cache", None) or TranslationCache(100)
    assert isinstance(cache, TranslationCache)
    return Translator(LibreTranslate(http, server.url, api_key="libre-key"), cache, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "delay"),
    [
        (503, 0.0),  # the provider is down
        (429, 0.0),  # over quota
        (None, 1.5),  # slower than the client's timeout
    ],
)
def test_failures_give_the_original_text_marked_failed(
    http: httpx.Client, status: int | None, delay: float, caplog: pytest.LogCaptureFixture
) -> None:
    """Nothing is lost: each text comes back as written with failed=True; the log names neither text nor key."""
    with TranslationStandIn(libre_api_key="libre-key", fail_with=status, delay_seconds=delay) as server:
        translator = translator_for(server, http)
        with caplog.at_level(logging.WARNING, logger="handoff.translation"):
            results = translator.translate(["Olá, meu pedido não chegou", "Pode me ajudar?"], "pt", "en")
    assert [(r.text, r.failed) for r in results] == [("Olá, meu pedido não chegou", True), ("Pode me ajudar?", True)]
    assert "translation pt->en failed" in caplog.text
    assert "Olá" not in caplog.text and "libre-key" not in caplog.text


def test_after_a_failure_the_provider_rests_then_is_asked_again(http: httpx.Client) -> None:
    """Within the pause no call is made (failed at once); after it the provider answers again."""
    now = [100.0]
    with TranslationStandIn(canned=dict(CANNED), libre_api_key="libre-key", fail_with=503) as server:
        translator = translator_for(server, http, retry_seconds=10.0, clock=lambda: now[0])
        assert translator.translate(["Pode me ajudar?"], "pt", "en")[0].failed
        server.fail_with = None
        now[0] += 5
        assert translator.translate(["Pode me ajudar?"], "pt", "en")[0].failed
        assert len(server.calls) == 1
        now[0] += 6
        result = translator.translate(["Pode me ajudar?"], "pt", "en")[0]
        assert (result.text, result.failed) == ("Can you help me?", False)
        assert len(server.calls) == 2


def test_cache_saves_calls_and_only_missing_texts_are_sent(stand_in: TranslationStandIn, http: httpx.Client) -> None:
    """A repeated text costs no call; a batch with one new text sends only that one; duplicates go once."""
    translator = translator_for(stand_in, http)
    translator.translate(["Pode me ajudar?", "Pode me ajudar?"], "pt", "en")
    translator.translate(["Pode me ajudar?"], "pt", "en")
    results = translator.translate(["Pode me ajudar?", "Olá, meu pedido não chegou"], "pt", "en")
    assert [r.text for r in results] == ["Can you help me?", "Hello, my order has not arrived"]
    assert [c.body["q"] for c in stand_in.calls] == [["Pode me ajudar?"], ["Olá, meu pedido não chegou"]]


def test_texts_go_in_batches_of_the_configured_size(stand_in: TranslationStandIn, http: httpx.Client) -> None:
    """Five texts with batches of two: three calls, all translated in order."""
    translator = translator_for(stand_in, http, batch_size=2)
    texts = [f"texto {i}" for i in range(5)]
    assert [f"[en] texto {i}" for i in range(5)] == [r.text for r in translator.translate(texts, "pt", "en")]
    assert [len(c.body["q"]) for c in stand_in.calls] == [2, 2, 1]


def test_blank_texts_and_same_languages_are_not_sent(stand_in: TranslationStandIn, http: httpx.Client) -> None:
    """Whitespace is returned as is; a text already in the target language is not translated."""
    translator = translator_for(stand_in, http)
    assert [r.text for r in translator.translate(["  "], "pt", "en")] == ["  "]
    assert [r.text for r in translator.translate(["hello"], "en", "en")] == ["hello"]
    assert stand_in.calls == []


def test_lru_cache_forgets_the_least_recently_used() -> None:
    """Size two: reading an entry keeps it; the other one is evicted by a third."""
    cache = TranslationCache(2)
    a, b, c = (TranslationCache.key("p", "pt", "en", t) for t in "abc")
    cache.put(a, "A")
    cache.put(b, "B")
    assert cache.get(a) == "A"
    cache.put(c, "C")
    assert (cache.get(b), cache.get(a), cache.get(c), len(cache)) == (None, "A", "C", 2)


def test_without_a_provider_nothing_is_translated() -> None:
    """No provider: the texts come back unchanged, marked failed so a console can say it."""
    translator = Translator(None, TranslationCache(10))
    assert (translator.enabled, translator.provider_name) == (False, "none")
    assert [(r.text, r.failed) for r in translator.translate(["oi"], "pt", "en")] == [("oi", True)]


@pytest.mark.parametrize(
    ("customer", "agent", "needed"),
    [
        ("pt", ["en"], True),  # an English-only agent and a Portuguese customer
        ("pt", ["es", "en", "pt"], False),  # the agent speaks it, even as a third language
        (None, ["en"], False),  # unknown language: nothing to translate from
    ],
)
def test_translation_is_needed_only_when_the_agent_does_not_speak_it(
    customer: str | None, agent: list[str], needed: bool
) -> None:
    """The pure decision the console and the API share."""
    assert needed == needs_translation(customer, agent)


def test_the_agent_reads_in_the_first_language_of_their_profile() -> None:
    """First language of the profile, English when the profile has none."""
    assert (agent_language(["fr", "en"]), agent_language([])) == ("fr", "en")


@pytest.mark.parametrize(
    ("env", "provider"),
    [
        ({}, None),  # nothing configured: no translation
        ({"translation_url": "http://libre.test"}, "libretranslate"),  # the URL alone picks LibreTranslate
        ({"translation_provider": "deepl", "deepl_api_key": "k:fx"}, "deepl"),
        (
            {"translation_provider": "google", "google_translate_project": "p", "google_translate_api_key": "k"},
            "google",
        ),
        ({"translation_provider": "none", "translation_url": "http://libre.test"}, None),  # explicitly off
    ],
)
def test_settings_choose_the_provider(env: dict[str, str], provider: str | None, http: httpx.Client) -> None:
    """TRANSLATION_PROVIDER, else TRANSLATION_URL, decides."""
    built = build_provider(Settings(_env_file=None, **env), http)  # type: ignore[arg-type]
    assert provider == (built.name if built is not None else None)


@pytest.mark.parametrize(
    "env",
    [
        {"translation_provider": "libretranslate"},  # no URL
        {"translation_provider": "deepl"},  # no key
        {"translation_provider": "google", "google_translate_api_key": "k"},  # no project
        {"translation_provider": "google", "google_translate_project": "p"},  # no credential
    ],
)
def test_incomplete_settings_fail_at_start(env: dict[str, str], http: httpx.Client) -> None:
    """A provider without what it needs is refused with a message naming the missing setting."""
    with pytest.raises(TranslationConfigError, match="needs"):
        build_provider(Settings(_env_file=None, **env), http)  # type: ignore[arg-type]
