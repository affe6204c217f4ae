"""Each quality-review check on constructed conversations: a failing and a passing case in English, Spanish,
Arabic and Chinese (pure: no database, the project's own language detector)."""

from __future__ import annotations

from typing import Any

import pytest

from handoff.qa.checks import CHECKS
from handoff.qa.checks.base import Outcome
from handoff.qa.conversation import Conversation
from handoff.qa.enums import Check
from handoff.qa.language import ProjectDetector
from handoff.qa.rules import RuleSet
from tests.handoff.qa_kit import agent, conversation, customer, demo_rules, note

DETECTOR = ProjectDetector()


def run(check: Check, conv: Conversation, rules: RuleSet | None = None) -> Outcome:
    return CHECKS[check](conv, rules or demo_rules(conv.queue), DETECTOR)


def failing(outcome: Outcome) -> tuple[int, ...] | None:
    """The failing message ids, or None when the check passed (N/A is asserted separately)."""
    assert outcome.applicable, outcome
    return outcome.message_ids if outcome.failed else None


# --- first response within the queue's SLA (its sla_seconds) ------------------------------------------------------
FIRST_RESPONSE: list[tuple[str, list[dict[str, Any]], tuple[int, ...] | None]] = [
    # en: the first reply came after 6m 40s
    ("en", [customer("I need help", -5), agent("Hello, I am looking at it", 400)], (2,)),
    # en: within 2 minutes
    ("en", [customer("I need help", -5), agent("Hello, I am looking at it", 120)], None),
    # es: late
    ("es", [customer("Necesito ayuda", -5), agent("Hola, lo reviso", 301)], (2,)),
    # es: on time (exactly the SLA is not a breach)
    ("es", [customer("Necesito ayuda", -5), agent("Hola, lo reviso", 300)], None),
    # ar: late
    ("ar", [customer("أحتاج مساعدة", -5), agent("مرحبا، سأتحقق", 900)], (2,)),
    # ar: on time
    ("ar", [customer("أحتاج مساعدة", -5), agent("مرحبا، سأتحقق", 60)], None),
    # zh: late
    ("zh", [customer("我需要帮助", -5), agent("您好，我来查一下", 1200)], (2,)),
    # zh: on time
    ("zh", [customer("我需要帮助", -5), agent("您好，我来查一下", 30)], None),
]


@pytest.mark.parametrize(("language", "messages", "expected"), FIRST_RESPONSE)
def test_first_response_within_the_sla(language: str, messages: list[dict[str, Any]], expected: Any) -> None:
    """The first public agent reply counts from the handoff, as the reports measure it."""
    assert expected == failing(run(Check.FIRST_RESPONSE, conversation(language, messages)))


def test_first_response_without_any_reply() -> None:
    """An agent who took the handoff and never answered fails once it stayed open beyond the SLA, not before;
    nobody ever owning it leaves the check out."""
    messages = [customer("Hello?", -5)]
    late = run(Check.FIRST_RESPONSE, conversation("en", messages, closed_after=900))
    assert (late.failed, late.message_ids) == (True, ())
    assert "no agent reply" in late.detail
    assert failing(run(Check.FIRST_RESPONSE, conversation("en", messages, closed_after=200))) is None
    assert not run(Check.FIRST_RESPONSE, conversation("en", messages, agent_id=None)).applicable


def test_first_response_limit_from_the_rules_wins_over_the_sla() -> None:
    """``limits.first_response_seconds`` replaces the queue's SLA."""
    rules = demo_rules().model_copy(
        update={"limits": demo_rules().limits.model_copy(update={"first_response_seconds": 60})}
    )
    conv = conversation("en", [customer("Hi", -5), agent("Hello there", 120)])
    assert run(Check.FIRST_RESPONSE, conv, rules).failed
    assert not run(Check.FIRST_RESPONSE, conv).failed


# --- replies in the customer's language --------------------------------------------------------------------------
LANGUAGE: list[tuple[str, list[dict[str, Any]], tuple[int, ...] | None]] = [
    # en customer, Spanish reply
    ("en", [customer("Where is my order?", 1), agent("Hola, revisé su pedido y ya está en camino", 60)], (2,)),
    # en customer, English reply
    ("en", [customer("Where is my order?", 1), agent("I checked your order and it is on its way", 60)], None),
    # es customer, English reply
    ("es", [customer("¿Dónde está mi pedido?", 1), agent("I checked your order and it is on its way", 60)], (2,)),
    # es customer, Spanish reply
    ("es", [customer("¿Dónde está mi pedido?", 1), agent("Hola, revisé su pedido y ya está en camino", 60)], None),
    # ar customer, English reply
    ("ar", [customer("أين طلبي؟", 1), agent("I checked your order and it is on its way", 60)], (2,)),
    # ar customer, Arabic reply
    ("ar", [customer("أين طلبي؟", 1), agent("لقد راجعت طلبك وهو في الطريق إليك", 60)], None),
    # zh customer, English reply
    ("zh", [customer("我的订单在哪里？", 1), agent("I checked your order and it is on its way", 60)], (2,)),
    # zh customer, Chinese reply
    ("zh", [customer("我的订单在哪里？", 1), agent("您好，我查了您的订单，已经在路上了", 60)], None),
]


@pytest.mark.parametrize(("language", "messages", "expected"), LANGUAGE)
def test_replies_in_the_customer_language(language: str, messages: list[dict[str, Any]], expected: Any) -> None:
    """The detector's confident language of each reply is the customer's."""
    assert expected == failing(run(Check.LANGUAGE, conversation(language, messages)))


def test_a_translated_reply_counts_in_the_language_the_customer_saw() -> None:
    """Sam writes English, the customer receives Spanish: the text the customer saw is judged."""
    reply = agent("Hola, revisé su pedido y ya está en camino", 60,
                  original_text="Hello, I checked your order and it is on its way", original_language="en")  # fmt: skip
    assert failing(run(Check.LANGUAGE, conversation("es", [customer("¿Dónde está?", 1), reply]))) is None


def test_language_follows_the_customer_who_switched_and_ignores_short_replies_and_notes() -> None:
    """After the customer switched to French a French reply passes; "OK" and a private English note are not judged."""
    messages = [
        customer("¿Dónde está mi pedido?", 1),
        customer("Je préfère parler français, où est ma commande ?", 20, language="fr"),
        agent("Je vérifie votre commande tout de suite", 60),
        agent("OK", 70),
        note("Customer switched to French, checking the warehouse now", 80),
    ]
    assert failing(run(Check.LANGUAGE, conversation("es", messages))) is None
    assert not run(Check.LANGUAGE, conversation("en", [customer("Hi", 1), agent("OK!", 5)])).applicable


# --- long silences ------------------------------------------------------------------------------------------------
SILENCE: list[tuple[str, list[dict[str, Any]], tuple[int, ...] | None]] = [
    # en: the customer waited 11m 40s for the second reply
    ("en", [agent("Hello", 10), customer("Any news?", 100), agent("Still checking", 800)], (2, 3)),
    # en: 5 minutes
    ("en", [agent("Hello", 10), customer("Any news?", 100), agent("Still checking", 400)], None),
    # es: a two-message turn waits from its first message
    (
        "es",
        [agent("Hola", 10), customer("¿Novedades?", 100), customer("¿Hola?", 500), agent("Sigo revisando", 750)],
        (2, 4),
    ),
    # es: within the limit
    ("es", [agent("Hola", 10), customer("¿Novedades?", 100), agent("Sigo revisando", 650)], None),
    # ar: long silence
    ("ar", [agent("مرحبا", 10), customer("هل من جديد؟", 100), agent("ما زلت أتحقق", 2000)], (2, 3)),
    # ar: short
    ("ar", [agent("مرحبا", 10), customer("هل من جديد؟", 100), agent("ما زلت أتحقق", 200)], None),
    # zh: long silence
    ("zh", [agent("您好", 10), customer("有消息吗？", 100), agent("还在查", 1000)], (2, 3)),
    # zh: short
    ("zh", [agent("您好", 10), customer("有消息吗？", 100), agent("还在查", 160)], None),
]


@pytest.mark.parametrize(("language", "messages", "expected"), SILENCE)
def test_long_silences(language: str, messages: list[dict[str, Any]], expected: Any) -> None:
    """A customer who wrote waits at most ``silence_seconds`` (600) for the agent's next message."""
    assert expected == failing(run(Check.SILENCE, conversation(language, messages)))


def test_silence_limit_per_queue_and_before_the_first_reply() -> None:
    """billing-global allows 15 minutes; the wait before the first reply belongs to the first-response check."""
    messages = [agent("Hello", 10), customer("Any news?", 100), agent("Still checking", 800)]
    assert failing(run(Check.SILENCE, conversation("en", messages, queue="billing-global"))) is None
    early = [customer("Hi", 1), customer("Hello?", 2), agent("Hello", 2000)]
    assert failing(run(Check.SILENCE, conversation("en", early))) is None


# --- the customer's last question left unanswered ------------------------------------------------------------------
UNANSWERED: list[tuple[str, list[dict[str, Any]], tuple[int, ...] | None]] = [
    # en: a question after the agent's last reply
    ("en", [agent("Your refund is on its way", 10), customer("Can you also change my address", 30)], (2,)),
    # en: a thank-you is not a question
    ("en", [agent("Your refund is on its way", 10), customer("Great, thanks a lot", 30)], None),
    # es: question mark
    ("es", [agent("Su reembolso está en camino", 10), customer("¿Y el envío", 30)], (2,)),
    # es: answered afterwards
    ("es", [customer("¿Y el envío?", 5), agent("Llega mañana", 10)], None),
    # ar: Arabic question mark
    ("ar", [agent("تم إرسال المبلغ", 10), customer("متى يصل المبلغ؟", 30)], (2,)),
    # ar: "hal" opens a question without a mark
    ("ar", [agent("تم إرسال المبلغ", 10), customer("هل يمكنني تغيير العنوان", 30)], (2,)),
    # ar: thanks
    ("ar", [agent("تم إرسال المبلغ", 10), customer("شكرا جزيلا", 30)], None),
    # zh: a question particle without a mark
    ("zh", [agent("退款已经发出", 10), customer("我的订单什么时候到", 30)], (2,)),
    # zh: thanks
    ("zh", [agent("退款已经发出", 10), customer("好的，谢谢", 30)], None),
]


@pytest.mark.parametrize(("language", "messages", "expected"), UNANSWERED)
def test_last_question_unanswered(language: str, messages: list[dict[str, Any]], expected: Any) -> None:
    """The last customer message, after the last agent reply, that looks like a question fails the check."""
    assert expected == failing(run(Check.UNANSWERED_QUESTION, conversation(language, messages)))


def test_the_question_the_bot_handed_over_counts_when_nobody_replied() -> None:
    """The transcript's question is the customer's last message when the agent never answered."""
    messages = [customer("Where is my refund?", -30)]
    assert failing(run(Check.UNANSWERED_QUESTION, conversation("en", messages))) == (1,)
    assert not run(Check.UNANSWERED_QUESTION, conversation("en", messages, agent_id=None)).applicable


# --- personal data pasted by the agent -----------------------------------------------------------------------------
PERSONAL: list[tuple[str, list[dict[str, Any]], tuple[int, ...] | None, str]] = [
    # en: a Luhn-valid card number
    ("en", [agent("The card on file is 4111 1111 1111 1111", 10)], (1,), "card number"),
    # en: the same digits failing Luhn, an order id and a date
    ("en", [agent("Order NB-204519 of 2026-11-23, ref 4111 1111 1111 1112", 10)], None, ""),
    # en: "password is" with a value holding digits
    ("en", [agent("Your new password is Hx7!pq22", 10)], (1,), "password"),
    # en: "password is" with an ordinary word
    ("en", [agent("Your password is expired, please reset it", 10)], None, ""),
    # es: a valid IBAN
    ("es", [agent("Transfiera a ES91 2100 0418 4502 0005 1332", 10)], (1,), "IBAN"),
    # es: the IBAN with a wrong checksum
    ("es", [agent("Transfiera a ES92 2100 0418 4502 0005 1332", 10)], None, ""),
    # es: "contraseña:"
    ("es", [agent("Su contraseña: verano2026", 10)], (1,), "password"),
    # ar: "kalimat al-murur:" followed by a value
    ("ar", [agent("كلمة المرور: Xy7pq!", 10)], (1,), "password"),
    # ar: talking about the password without giving one
    ("ar", [agent("يمكنك تغيير كلمة المرور من الإعدادات", 10)], None, ""),
    # zh: "mima shi" followed by a value
    ("zh", [agent("您的临时密码是Ab12cd34", 10)], (1,), "password"),
    # zh: talking about the password without giving one
    ("zh", [agent("请在设置中修改密码", 10)], None, ""),
]


@pytest.mark.parametrize(("language", "messages", "expected", "kind"), PERSONAL)
def test_personal_data_pasted_by_the_agent(
    language: str, messages: list[dict[str, Any]], expected: Any, kind: str
) -> None:
    """Cards (Luhn), IBANs (mod 97) and passwords after a phrase; the detail names the kind, never the data."""
    outcome = run(Check.PERSONAL_DATA, conversation(language, messages))
    assert expected == failing(outcome)
    if expected:
        assert kind in outcome.detail
        assert not any(char.isdigit() for char in outcome.detail)


def test_personal_data_in_notes_and_in_the_agent_own_words_counts() -> None:
    """Private notes are checked for personal data (and only for it); so is a translated reply's original text;
    a note that redaction already masked still shows the agent pasted a card."""
    messages = [
        customer("Hello", 1),
        note("customer card 4111-1111-1111-1111", 5),
        agent("Hola, lo reviso", 10, original_text="Hi, password: sunshine", original_language="en"),
        note("card was [card]", 15),
    ]
    outcome = run(Check.PERSONAL_DATA, conversation("es", messages))
    assert outcome.message_ids == (2, 3, 4)
    assert "in a private note" in outcome.detail


# --- greeting and closing per locale -------------------------------------------------------------------------------
GREETING: list[tuple[str, list[dict[str, Any]], tuple[int, ...] | None]] = [
    ("en", [agent("I checked your order", 10), agent("It ships today", 20)], (1, 2)),
    ("en", [agent("Hello, this is Maria", 10), agent("It ships today", 20)], None),
    ("es", [agent("Revisé su pedido", 10)], (1,)),
    ("es", [agent("¡Hola! Soy María", 10)], None),
    ("ar", [agent("لقد راجعت طلبك", 10)], (1,)),
    ("ar", [agent("أهلا، معك ماريا", 10)], None),
    ("zh", [agent("我查了您的订单", 10)], (1,)),
    ("zh", [agent("您好，我是小李", 10)], None),
    ("ja", [agent("ご注文を確認しました", 10)], (1,)),
    ("ja", [agent("こんにちは佐藤です", 10)], None),  # kana: no spaces between words, matched anywhere
    ("vi", [agent("Tôi đã kiểm tra đơn hàng", 10)], (1,)),
    ("vi", [agent("Xin chào, mình là Linh", 10)], None),
]


@pytest.mark.parametrize(("language", "messages", "expected"), GREETING)
def test_greeting_in_the_first_replies(language: str, messages: list[dict[str, Any]], expected: Any) -> None:
    """One of the first two replies greets in the customer's language (accents and hamza forms ignored)."""
    assert expected == failing(run(Check.GREETING, conversation(language, messages)))


CLOSING: list[tuple[str, list[dict[str, Any]], tuple[int, ...] | None]] = [
    ("en", [agent("Hello", 5), agent("It ships today", 10), agent("Done.", 20)], (2, 3)),
    (
        "en",
        [agent("Hello", 5), agent("Is there anything else I can help with?", 10), agent("Have a nice day!", 20)],
        None,
    ),
    ("es", [agent("Hola", 5), agent("Sale hoy", 10)], (1, 2)),
    ("es", [agent("Hola", 5), agent("¿Algo más en lo que pueda ayudarle?", 10)], None),
    ("ar", [agent("مرحبا", 5), agent("سيصل غدا", 10)], (1, 2)),
    ("ar", [agent("مرحبا", 5), agent("هل هناك شيء آخر؟ مع السلامة", 10)], None),
    ("zh", [agent("您好", 5), agent("明天到", 10)], (1, 2)),
    ("zh", [agent("您好", 5), agent("还有其他问题吗？再见", 10)], None),
]


@pytest.mark.parametrize(("language", "messages", "expected"), CLOSING)
def test_closing_in_the_last_replies(language: str, messages: list[dict[str, Any]], expected: Any) -> None:
    """One of the last two replies closes in the customer's language."""
    assert expected == failing(run(Check.CLOSING, conversation(language, messages)))


def test_a_translated_greeting_counts_in_the_agent_language_too() -> None:
    """The agent greeted in English and the translation lost it: the original words count."""
    reply = agent(
        "Je regarde votre commande", 10, original_text="Hello, I am looking at your order", original_language="en"
    )
    assert failing(run(Check.GREETING, conversation("fr", [reply]))) is None
    assert not run(Check.GREETING, conversation("en", [customer("Hi", 1)])).applicable


# --- tone ----------------------------------------------------------------------------------------------------------
TONE: list[tuple[str, list[dict[str, Any]], tuple[int, ...] | None]] = [
    ("en", [agent("Hello", 5), agent("Calm down, it's not my fault", 10)], (2,)),
    ("en", [agent("Hello", 5), agent("I understand, let me fix this for you", 10)], None),
    ("es", [agent("Ya le dije que no es mi problema", 10)], (1,)),
    ("es", [agent("Entiendo, lo reviso ahora mismo", 10)], None),
    ("ar", [agent("هذا خطؤك وليس خطئي", 10)], (1,)),
    ("ar", [agent("أفهم ذلك، سأتحقق الآن", 10)], None),
    ("zh", [agent("这不是我的问题", 10)], (1,)),
    ("zh", [agent("我理解，我来查一下", 10)], None),
]


@pytest.mark.parametrize(("language", "messages", "expected"), TONE)
def test_tone(language: str, messages: list[dict[str, Any]], expected: Any) -> None:
    """Rude or blaming phrases of the configured lists fail the reply that holds them."""
    outcome = run(Check.TONE, conversation(language, messages))
    assert expected == failing(outcome)


def test_tone_ignores_private_notes_and_matches_whole_words() -> None:
    """A note venting to colleagues is private; "whatsoever" is not "whatever" and "this" holds no "hi"."""
    messages = [note("customer is shouting, calm down team", 5), agent("Nothing whatsoever is lost, this is fixed", 10)]
    assert failing(run(Check.TONE, conversation("en", messages))) is None
    assert run(Check.TONE, conversation("es", [agent("CÁLMESE por favor", 10)])).failed
