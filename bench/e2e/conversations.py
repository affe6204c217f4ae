"""Scripted customer conversations for the benchmark: multilingual Nimbus ones and stock `rasa init` ones.

Conversations are plain lists of customer messages, generated deterministically from a seed. Messages written
after a handoff (human mode) end with a ``#<turn>`` marker so that each relayed message is unique within its
conversation and can be counted exactly once in the handoff service.
"""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kb.evaluate import read_questions

LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "fr", "ar", "zh")
# The held-out KB questions of bench/kb (written as customers type, never an article's own sample question).
KB_QUESTIONS = Path(__file__).resolve().parent.parent / "kb" / "questions"
ORDER_ID = "NB-204519"

# What customers write, per language, for the transactional and small-talk turns.
PHRASES: Mapping[str, Mapping[str, Sequence[str]]] = {
    "en": {
        "greet": ["hi", "hello", "hi there"],
        "order_status": [f"where is my order {ORDER_ID}?", f"can you check order {ORDER_ID} for me"],
        "refund": [f"I want a refund for my order {ORDER_ID}"],
        "request_human": ["I want to talk to a real person", "let me talk to a real agent"],
        "thank_you": ["thanks a lot", "thank you"],
        "human_mode": ["are you still there?", f"the order is {ORDER_ID}", "it arrived broken", "ok, thanks"],
    },
    "es": {
        "greet": ["hola", "buenas tardes"],
        "order_status": [f"dónde está mi pedido {ORDER_ID}", f"quiero saber el estado del pedido {ORDER_ID}"],
        "refund": [f"quiero un reembolso del pedido {ORDER_ID}"],
        "request_human": ["quiero hablar con una persona", "quiero hablar con un agente"],
        "thank_you": ["muchas gracias", "gracias"],
        "human_mode": ["¿sigue alguien ahí?", f"mi pedido es {ORDER_ID}", "llegó roto", "vale, gracias"],
    },
    "pt": {
        "greet": ["olá", "oi, bom dia"],
        "order_status": [f"onde está meu pedido {ORDER_ID}", f"qual o status do pedido {ORDER_ID}?"],
        "refund": [f"quero um reembolso do pedido {ORDER_ID}"],
        "request_human": ["quero falar com uma pessoa", "quero falar com um atendente"],
        "thank_you": ["obrigado", "muito obrigada"],
        "human_mode": ["ainda está aí?", f"o pedido é {ORDER_ID}", "chegou quebrado", "ok, obrigado"],
    },
    "fr": {
        "greet": ["bonjour", "bonsoir"],
        "order_status": [f"où est ma commande {ORDER_ID} ?", f"pouvez-vous vérifier la commande {ORDER_ID}"],
        "refund": [f"je veux un remboursement pour la commande {ORDER_ID}"],
        "request_human": ["je veux parler à une personne", "je veux parler à un conseiller"],
        "thank_you": ["merci beaucoup", "merci"],
        "human_mode": [
            "vous êtes toujours là ?",
            f"la commande est {ORDER_ID}",
            "il est arrivé cassé",
            "d'accord, merci",
        ],
    },
    "ar": {
        "greet": ["مرحبا", "السلام عليكم"],
        "order_status": [f"أين طلبي {ORDER_ID}؟", f"أريد معرفة حالة الطلب {ORDER_ID}"],
        "refund": [f"أريد استرداد المبلغ للطلب {ORDER_ID}"],
        "request_human": ["أريد التحدث مع موظف خدمة العملاء", "أريد التحدث مع شخص"],
        "thank_you": ["شكرا جزيلا", "شكراً"],
        "human_mode": ["هل ما زلت هنا؟", f"رقم الطلب {ORDER_ID}", "وصل مكسوراً", "حسناً، شكراً"],
    },
    "zh": {
        "greet": ["你好", "您好"],
        "order_status": [f"我的订单{ORDER_ID}到哪了", f"帮我查一下订单{ORDER_ID}"],
        "refund": [f"我要退款，订单号{ORDER_ID}"],
        "request_human": ["我想和人工客服说话", "转人工"],
        "thank_you": ["谢谢", "非常感谢"],
        "human_mode": ["还有人在吗？", f"订单号是{ORDER_ID}", "收到的时候已经坏了", "好的，谢谢"],
    },
}

# The stock `rasa init` assistant's intents, in English.
STOCK_PHRASES: Mapping[str, Sequence[str]] = {
    "greet": ["hey", "hello", "hi", "good morning"],
    "mood_great": ["I am feeling very good", "great", "amazing"],
    "mood_unhappy": ["I am sad", "very bad", "not good"],
    "affirm": ["yes", "indeed", "of course"],
    "deny": ["no", "never", "not really"],
    "bot_challenge": ["are you a bot?", "am I talking to a human?"],
    "goodbye": ["bye", "goodbye", "see you later"],
}


@dataclass(frozen=True)
class Conversation:
    """One scripted conversation: who writes, in which language, and the messages in order."""

    kind: str
    language: str
    messages: tuple[str, ...]
    steps: tuple[str, ...]  # what each message is: "greet", "faq", "order_status", "human_mode", ...


# Articles whose questions may rightly end with a person: "when can I talk to a person", and questions about
# refunds, returns and cancellations, which the NLU may (correctly) take for the refund or cancellation request whose
# flow ends with a handoff ("el reembolso no aparece en mi cuenta bancaria"). Fine in the load runs (a handoff is part
# of them) but not in the long conversation that must stay with the bot.
ASKS_FOR_A_PERSON: tuple[str, ...] = (
    "support-hours",
    "refund-timeline",
    "return-policy",
    "cancel-order-before-shipping",
    "cancel-subscription",
    "damaged-item",
)


def load_kb_questions(questions_dir: Path, exclude: Collection[str] = ()) -> dict[str, list[str]]:
    """In-scope held-out KB questions per language (``bench/kb/questions/<lang>.yml``; articles in `exclude` left out).

    Held-out paraphrases, not the articles' own sample questions: a sample question matches its own chunk, so it
    would make every KB turn an easy one (a clear lead, no re-ranking) and measure retrieval on its training data.
    """
    questions: dict[str, list[str]] = {language: [] for language in LANGUAGES}
    for question in read_questions(questions_dir):
        if question.article is not None and question.article not in exclude and question.language in questions:
            questions[question.language].append(question.text)
    return questions


def human_mode_message(language: str, turn: int) -> str:
    """A message written to the agent at (1-based) `turn`, unique within its conversation."""
    phrases = PHRASES[language]["human_mode"]
    return f"{phrases[turn % len(phrases)]} #{turn}"


# The long bot-answered conversations repeat their first 20 messages, so that the turn windows the report compares
# (1-20, 100-120, 280-300) ask the same messages and differ only in how long the conversation already is. With
# messages drawn afresh for every turn, the windows held different KB questions, and since the intent classifier
# embeds only the messages it is unsure of (two in five to one in two), what a window asked moved its median by
# several ms.
LONG_PERIOD = 20


def repeated(conversation: Conversation, turns: int) -> Conversation:
    """`conversation`'s messages (and steps) over and over until it has `turns` of them: turn t asks what turn
    ((t - 1) mod n) + 1 asked."""
    size = len(conversation.messages)
    return Conversation(
        conversation.kind,
        conversation.language,
        tuple(conversation.messages[turn % size] for turn in range(turns)),
        tuple(conversation.steps[turn % size] for turn in range(turns)),
    )


class ScriptBook:
    """Builds the conversations of each benchmark phase from a seed and held-out KB questions."""

    def __init__(
        self,
        kb_questions: Mapping[str, Sequence[str]],
        seed: int = 9,
        bot_only_questions: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        """`bot_only_questions` (default: all) feed the long conversation that must stay with the bot."""
        bot_only = bot_only_questions or kb_questions
        missing = [language for language in LANGUAGES if not kb_questions.get(language) or not bot_only.get(language)]
        if missing:
            raise ValueError(f"no KB questions for {missing}")
        self._questions = kb_questions
        self._bot_only = bot_only
        self._rng = random.Random(seed)

    def _pick(self, options: Sequence[str]) -> str:
        return options[self._rng.randrange(len(options))]

    def _say(self, language: str, key: str) -> str:
        return self._pick(PHRASES[language][key])

    def _question(self, language: str) -> str:
        return self._pick(self._questions[language])

    def _ours(self, kind: str, language: str, steps: Sequence[str], bot_only: bool = False) -> Conversation:
        messages = []
        for turn, step in enumerate(steps, start=1):
            if step == "faq":
                messages.append(self._pick(self._bot_only[language]) if bot_only else self._question(language))
            elif step == "human_mode":
                messages.append(human_mode_message(language, turn))
            else:
                messages.append(self._say(language, step))
        return Conversation(kind, language, tuple(messages), tuple(steps))

    def ours_load(self, index: int) -> Conversation:
        """A short conversation of the load runs: two in three stay with the bot, one in six asks for a refund
        (which ends with a person), one in six asks for a person; both then write three messages to the agent."""
        language = LANGUAGES[index % len(LANGUAGES)]
        variant = (index // len(LANGUAGES)) % 6
        if variant < 4:
            return self._ours("bot", language, ["greet", "faq", "order_status", "faq", "thank_you"])
        if variant == 4:
            return self._ours("refund+human", language, ["greet", "faq", "refund", *["human_mode"] * 3])
        return self._ours("handoff+human", language, ["greet", "faq", "request_human", *["human_mode"] * 3])

    def ours_long_bot(self, language: str, turns: int) -> Conversation:
        """A long conversation the bot answers on every turn: greetings, KB questions and order status, its first
        `LONG_PERIOD` messages asked again and again (see `repeated`)."""
        cycle = ("greet", "faq", "order_status", "faq", "thank_you")
        steps = [cycle[turn % len(cycle)] for turn in range(min(turns, LONG_PERIOD))]
        return repeated(self._ours("long-bot", language, steps, bot_only=True), turns)

    def ours_long_human(self, language: str, turns: int) -> Conversation:
        """A long conversation handed to a person at turn 2; every later message is relayed to the agent."""
        return self._ours("long-human", language, ["greet", "request_human", *["human_mode"] * (turns - 2)])

    def _stock(self, kind: str, steps: Sequence[str]) -> Conversation:
        messages = tuple(self._pick(STOCK_PHRASES[step]) for step in steps)
        return Conversation(kind, "en", messages, tuple(steps))

    def stock_load(self, index: int) -> Conversation:
        """The stock assistant's equivalent of a short conversation (English, rasa-init intents)."""
        mood = "mood_great" if index % 2 == 0 else "mood_unhappy"
        steps = ["greet", mood]
        if mood == "mood_unhappy":
            steps.append("affirm" if index % 4 == 1 else "deny")
        return self._stock("stock", [*steps, "bot_challenge", "goodbye"])

    def stock_long(self, turns: int) -> Conversation:
        """A long stock conversation cycling through the rasa-init stories (happy and sad path, bot challenge),
        every message one the stock bot answers, its first `LONG_PERIOD` messages asked again and again."""
        cycle = ("greet", "mood_great", "bot_challenge", "goodbye", "greet", "mood_unhappy", "affirm", "goodbye")
        steps = [cycle[turn % len(cycle)] for turn in range(min(turns, LONG_PERIOD))]
        return repeated(self._stock("stock-long", steps), turns)
