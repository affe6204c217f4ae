"""The customer's own words from an e-mail body: quoted history, signatures and HTML."""

from __future__ import annotations

import pytest

from bot.channels.mail_text import customer_text, html_to_text, strip_quoted, strip_signature

QUOTED = [
    # Gmail / Apple Mail in English: the header line and everything after it go
    ("Where is my order?\n\nOn Mon, 7 Dec 2026 at 10:00, Support <s@x.com> wrote:\n> Hello", "Where is my order?"),
    # French client
    ("Merci !\n\nLe lun. 7 déc. 2026 à 10:00, Support <s@x.com> a écrit :\n> Bonjour", "Merci !"),
    # German client, header over two words
    ("Danke\n\nAm 07.12.2026 um 10:00 schrieb Support <s@x.com>:\n> Hallo", "Danke"),
    # Spanish and Portuguese
    ("Gracias\nEl lun, 7 dic 2026 escribió:\n> Hola", "Gracias"),
    ("Obrigado\nEm seg., 7 de dez. de 2026 escreveu:\n> Olá", "Obrigado"),
    # Chinese client
    ("谢谢\n\n在 2026年12月7日 10:00，Support 写道：\n> 你好", "谢谢"),
    # Outlook: separator and quoted header block
    ("Thanks\n\n-----Original Message-----\nFrom: Support\nSent: Monday", "Thanks"),
    ("Thanks\n\nFrom: Support <s@x.com>\nSent: Monday, 7 December 2026\nTo: me", "Thanks"),
    # Interleaved quoting: the quoted lines go, the answers stay
    ("> Which order?\n12345\n> Which colour?\nBlue", "12345\nBlue"),
    # A "From:" line that starts no header block stays
    ("From: my kitchen, hello", "From: my kitchen, hello"),
]


@pytest.mark.parametrize(("text", "expected"), QUOTED)
def test_quoted_history_is_removed(text: str, expected: str) -> None:
    """Everything from a reply header on, and every `>` line, is quoted history."""
    assert expected == strip_quoted(text)


SIGNED = [
    # The standard delimiter "-- "
    ("Please cancel order 123.\n\n-- \nAna Silva\nACME Ltd.", "Please cancel order 123."),
    # A delimiter without its trailing space (clients often drop it)
    ("Hi\n--\nBob", "Hi"),
    # Phone footers
    ("Is it shipped?\n\nSent from my iPhone", "Is it shipped?"),
    ("Hallo\n\nVon meinem iPad gesendet", "Hallo"),
    # No signature: unchanged
    ("Just text -- with dashes inside", "Just text -- with dashes inside"),
]


@pytest.mark.parametrize(("text", "expected"), SIGNED)
def test_signature_is_removed(text: str, expected: str) -> None:
    """The signature starts at the delimiter or a client footer."""
    assert expected == strip_signature(text)


def test_html_scripts_styles_and_quotes_never_become_text() -> None:
    """Script, style and head contents and quoted blocks are dropped; entities decoded; blocks become lines."""
    markup = (
        "<html><head><title>t</title><style>p{color:red}</style><script>alert('x')</script></head><body>"
        "<p>How do I reset my <b>password</b>?</p><div>Thanks &amp; regards</div>"
        "<img src='https://tracker.example/p.gif' onerror='alert(1)'>"
        "<div class='gmail_quote'>On Monday Support wrote:<blockquote>old text</blockquote></div>"
        "<script>document.write('evil')</script></body></html>"
    )

    assert html_to_text(markup) == "How do I reset my password?\n\nThanks & regards"


def test_unclosed_html_elements_do_not_hide_the_rest() -> None:
    """A quote left open is closed by its parent's end tag."""
    assert html_to_text("<div>before</div><div><blockquote>quoted</div><p>after</p>") == "before\n\nafter"


def test_customer_text_prefers_plain_and_falls_back_to_html() -> None:
    """The plain part wins; an HTML-only mail is turned into text; both lose quotes and signature."""
    assert customer_text("plain\n-- \nsig", "<p>html</p>") == "plain"
    assert customer_text(None, "<p>html only</p><blockquote>quoted</blockquote>") == "html only"
    assert customer_text("", "") == ""
