"""What each platform receives for a bot message with buttons or a long text: the pure planning functions the
output channels post one by one."""

from __future__ import annotations

from bot.channels import line_payloads as line
from bot.channels import messenger_payloads as messenger
from bot.channels import whatsapp_payloads as whatsapp

YES_NO = [{"title": "Sí, por favor", "payload": "/affirm"}, {"title": "No, gracias", "payload": "/deny"}]
MANY = [{"title": f"Opción número {n} con un título largo", "payload": f"/choose{n}"} for n in range(12)]
RESPONSE = {"messaging_type": "RESPONSE"}


def test_whatsapp_plans() -> None:
    """Two choices: reply buttons; 12 choices: more than a list holds, so a numbered text; a long text goes first."""
    [buttons] = whatsapp.button_messages("521", "¿Quieres hablar con una persona?", YES_NO)
    assert buttons["interactive"]["type"] == "button"
    assert [b["reply"]["id"] for b in buttons["interactive"]["action"]["buttons"]] == ["/affirm", "/deny"]

    [numbered] = whatsapp.button_messages("521", "Elige:", MANY)
    assert numbered["type"] == "text"
    assert numbered["text"]["body"].splitlines()[1].startswith("1. Opción número 0")

    long_text = "Una frase completa sobre el reembolso. " * 40  # about 1,560 characters > 1,024 for a body
    first, last = whatsapp.button_messages("521", long_text, YES_NO)
    assert (first["type"], last["type"]) == ("text", "interactive")
    assert len(last["interactive"]["body"]["text"]) <= whatsapp.INTERACTIVE_BODY_LIMIT


def test_whatsapp_list_rows_for_four_to_ten_choices() -> None:
    """Four to ten choices become one list with 24-character row titles."""
    [listed] = whatsapp.button_messages("521", "Elige:", MANY[:6])
    rows = listed["interactive"]["action"]["sections"][0]["rows"]
    assert (listed["interactive"]["type"], len(rows)) == ("list", 6)
    assert all(len(row["title"]) <= whatsapp.ROW_TITLE_LIMIT for row in rows)


def test_whatsapp_long_titles_become_list_rows_with_the_whole_title() -> None:
    """A clarification's article titles do not fit 20-character reply buttons: a list whose rows keep the whole
    title as their description, while short titles stay reply buttons."""
    titles = ["¿Puedo cancelar mi pedido antes del envío?", "¿Cómo cancelo mi suscripción Nimbus Plus?", "Ninguno"]
    buttons = [{"title": title, "payload": f'/faq{{"kb_article":"a{n}"}}'} for n, title in enumerate(titles)]
    [listed] = whatsapp.button_messages("521", "¿Cuál de estos?", buttons)
    rows = listed["interactive"]["action"]["sections"][0]["rows"]
    assert listed["interactive"]["type"] == "list"
    assert [row.get("description") for row in rows] == [titles[0], titles[1], None]
    assert all(len(row["title"]) <= whatsapp.ROW_TITLE_LIMIT for row in rows)
    assert rows[2]["title"] == "Ninguno"
    [short] = whatsapp.button_messages("521", "¿Cuál?", buttons[2:] + YES_NO)
    assert short["interactive"]["type"] == "button"


def test_messenger_plans() -> None:
    """Up to 3 buttons: a button template; quick replies when asked or for 4 to 13; beyond 13 a numbered text."""
    [template] = messenger.button_messages("PSID", "Autre chose ?", YES_NO, RESPONSE)
    assert template["message"]["attachment"]["payload"]["template_type"] == "button"

    [quick] = messenger.button_messages("PSID", "Autre chose ?", YES_NO, RESPONSE, quick=True)
    assert [r["payload"] for r in quick["message"]["quick_replies"]] == ["/affirm", "/deny"]

    [twelve] = messenger.button_messages("PSID", "Choisissez", MANY, RESPONSE)
    assert len(twelve["message"]["quick_replies"]) == 12

    [numbered] = messenger.button_messages("PSID", "Choisissez", MANY * 2, RESPONSE)
    assert "24. " in numbered["message"]["text"]


def test_messenger_template_text_is_limited_to_640() -> None:
    """A text too long for a button template goes first as plain messages."""
    plan = messenger.button_messages("PSID", "Une phrase assez longue. " * 40, YES_NO, RESPONSE)
    assert [("text" in body["message"]) for body in plan] == [True, False]
    assert len(plan[-1]["message"]["attachment"]["payload"]["text"]) <= messenger.TEMPLATE_TEXT_LIMIT


def test_line_plans() -> None:
    """Quick replies ride on the last text; a 12,000-character text is three messages of at most 5,000."""
    [message] = line.button_messages("还需要别的帮助吗？", YES_NO)
    assert [item["action"]["data"] for item in message["quickReply"]["items"]] == ["/affirm", "/deny"]
    parts = line.text_messages("我们正在处理您的订单。" * 1100)
    assert [len(part["text"]) for part in parts] == [4994, 4994, 2112]
