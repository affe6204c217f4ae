"""The canned-reply template syntax and the ``/`` search ranking: pure functions, no database."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from handoff.macros.search import rank
from handoff.macros.template import PLACEHOLDERS, TemplateError, placeholders, render


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello", ()),  # no field at all
        ("Hi {customer_name}, order {order_id}", ("customer_name", "order_id")),  # in order of use
        ("{order_id} and again {order_id}", ("order_id",)),  # each field once
        ("{{literal}} braces", ()),  # doubled braces are text
        ("{ agent_name }", ("agent_name",)),  # spaces inside the braces are forgiven
    ],
)
def test_placeholders_lists_the_fields_a_template_uses(template: str, expected: tuple[str, ...]) -> None:
    """Known fields are listed once each, in order of first use."""
    assert expected == placeholders(template)


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("Hi {name}", "unknown placeholder {name}"),  # not a known field
        ("{customer_name.__class__}", "unknown placeholder"),  # no attribute access
        ("{0}", "unknown placeholder {0}"),  # no positional fields
        ("{}", "unknown placeholder {}"),  # an empty field
        ("Price {", "unmatched '{' at character 7"),  # a lone opening brace
        ("x } y", "unmatched '}' at character 3"),  # a lone closing brace
    ],
)
def test_bad_templates_are_refused_with_a_message_naming_the_problem(template: str, message: str) -> None:
    """Every refusal says what is wrong and where."""
    with pytest.raises(TemplateError, match=message.replace("{", r"\{").replace("}", r"\}").replace(".", r"\.")):
        placeholders(template)


def test_render_fills_known_values_and_leaves_missing_ones_visible() -> None:
    """A value is inserted as text; a field without a value (or a blank one) stays as ``{name}`` for the agent."""
    filled = render(
        "Bonjour {customer_name}, commande {order_id} ({queue}) {{ok}} — {agent_name}",
        {"customer_name": "Amélie", "order_id": None, "queue": "emea", "agent_name": "  "},
    )
    assert filled.text == "Bonjour Amélie, commande {order_id} (emea) {ok} — {agent_name}"
    assert filled.missing == ("order_id", "agent_name")


@given(
    value=st.text(max_size=40),
    name=st.sampled_from(sorted(PLACEHOLDERS)),
)
def test_values_are_inserted_verbatim_and_never_parsed_again(value: str, name: str) -> None:
    """Whatever a value holds (braces, other field names) comes out exactly as it was."""
    filled = render("<{" + name + "}>", {name: value})
    if value.strip():
        assert f"<{value}>" == filled.text
        assert filled.missing == ()
    else:
        assert "<{" + name + "}>" == filled.text
        assert (name,) == filled.missing


@dataclass(frozen=True)
class Reply:
    """A canned reply as the ranking reads it."""

    shortcut: str
    language: str
    title: str
    text: str


REPLIES = [
    Reply("greet", "en", "Greeting", "Hello {customer_name}"),
    Reply("greet", "fr", "Salutation", "Bonjour {customer_name}"),
    Reply("order-status", "fr", "Suivi de commande", "Je vérifie la commande {order_id}"),
    Reply("order-status", "en", "Order status", "I am checking order {order_id}"),
    Reply("refund", "fr", "Remboursement", "Le remboursement de la commande {order_id}"),
]


@pytest.mark.parametrize(
    ("query", "languages", "expected"),
    [
        ("", ["fr"], ["greet/fr", "order-status/fr", "refund/fr", "greet/en", "order-status/en"]),  # fr first
        ("/gr", ["fr"], ["greet/fr", "greet/en"]),  # shortcut prefix, the leading slash ignored
        ("commande", ["fr"], ["order-status/fr", "refund/fr"]),  # title before text, then by shortcut
        ("STATUS", ["en"], ["order-status/en", "order-status/fr"]),  # case-insensitive, English first
        ("suivi", [], ["order-status/fr"]),  # title match with no preferred language
        ("greet", ["pt", "en", "fr"], ["greet/en", "greet/fr"]),  # preferences in order; absent ones skipped
        ("nothing-like-it", ["fr"], []),  # no match
    ],
)
def test_rank_prefers_the_conversation_language_then_the_best_match(
    query: str, languages: list[str], expected: list[str]
) -> None:
    """Preferred languages first in order, then shortcut prefix, shortcut or title, text; ties by shortcut."""
    assert expected == [f"{r.shortcut}/{r.language}" for r in rank(REPLIES, query, languages, limit=10)]


def test_rank_returns_at_most_limit() -> None:
    """The console asks for a handful."""
    assert len(rank(REPLIES, "", ["fr"], limit=2)) == 2
