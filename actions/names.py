"""The domain's slot and intent names the actions read and set, in one place (bot/domain/*.yml declares them)."""

from __future__ import annotations

from enum import StrEnum


class Slot(StrEnum):
    """Slots of bot/domain/core.yml that actions read or set."""

    LANGUAGE = "language"
    ORDER_ID = "order_id"
    KB_ARTICLES_TRIED = "kb_articles_tried"
    KB_LAST_ARTICLE = "kb_last_article"
    KB_LAST_SCORE = "kb_last_score"
    KB_LAST_LANGUAGE = "kb_last_language"
    KB_NO_ANSWER_COUNT = "kb_no_answer_count"
    UNRESOLVED_TURNS = "unresolved_turns"
    HUMAN_OFFERED = "human_offered"
    HUMAN_MODE = "human_mode"
    HANDOFF_REASON = "handoff_reason"
    HANDOFF_ID = "handoff_id"
    HANDOFF_STATUS = "handoff_status"


class Intent(StrEnum):
    """Intents whose names actions compare against."""

    AFFIRM = "affirm"
    DENY = "deny"
    REQUEST_HUMAN = "request_human"
    COMPLAIN = "complain"
    OUT_OF_SCOPE = "out_of_scope"
    NLU_FALLBACK = "nlu_fallback"
    REQUEST_REFUND = "request_refund"
    CANCEL_ORDER = "cancel_order"
    CHECK_ORDER_STATUS = "check_order_status"
    FAQ = "faq"
    # Sent by the handoff service through Rasa's external-event endpoint, never by customers.
    AGENT_REPLY = "agent_reply"
    AGENT_HANDBACK = "agent_handback"
    AGENT_CLOSE = "agent_close"
