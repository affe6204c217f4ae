"""The customer's own words from an e-mail body: HTML to text, quoted history and signatures removed (pure).

HTML is read with the standard library's `html.parser`, which only tokenizes: nothing in the mail is ever run or
fetched. Script, style and head contents are dropped, and so is HTML quoted history (`<blockquote>`, Gmail's and
Thunderbird's quote containers), since the plain-text rules below cannot see it once the markup is gone.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

__all__ = ["customer_text", "html_to_text", "strip_quoted", "strip_signature"]

# Elements whose content is never text the customer wrote for us.
_SKIPPED = frozenset({"script", "style", "head", "title", "template", "noscript", "iframe", "object", "svg"})
_QUOTE_CLASSES = frozenset({"gmail_quote", "moz-cite-prefix", "yahoo_quoted", "protonmail_quote"})
_BLOCKS = frozenset(
    {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "pre", "section"}
)
_VOID = frozenset({"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"})

# Lines that introduce quoted history, in the languages the bot serves; everything from them on is dropped.
_QUOTE_HEADERS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^On .{4,200}wrote:\s*$",  # Gmail, Apple Mail (English)
        r"^Le .{4,200}a écrit\s*:\s*$",
        r"^Am .{4,200}schrieb .{0,200}:\s*$",
        r"^El .{4,200}escribió:\s*$",
        r"^Em .{4,200}escreveu:\s*$",
        r"^Il .{4,200}ha scritto:\s*$",
        r"^Op .{4,200}schreef .{0,200}:\s*$",
        r"^.{0,200}(写道|寫道)\s*[:：]\s*$",
        r"^.{0,200}のメッセージ\s*[:：]\s*$",
        r"^.{0,200}كتب\s*[:：]\s*$",
        r"^-{2,}\s*(Original Message|Forwarded message|Mensaje original|Message d'origine|Ursprüngliche Nachricht)"
        r"\s*-{2,}\s*$",
        r"^_{10,}\s*$",  # Outlook's rule above the quoted header block
    )
]
# Outlook's quoted header block: "From: ..." followed closely by "Sent:"/"Date:" and "To:"/"Subject:".
_FROM_LINE = re.compile(r"^\*?(From|De|Von|Von:|差出人|发件人|寄件者)\s*:\*?\s", re.IGNORECASE)
_HEADER_LINE = re.compile(r"^\*?(Sent|Date|To|Subject|Envoyé|Gesendet|Enviado|送信日時|发送时间|主题|件名)\s*:", re.I)
# Client footers that are a signature without the standard delimiter.
_FOOTERS = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^Sent from my \w+",
        r"^Get Outlook for ",
        r"^Envoyé de mon ",
        r"^Von meinem .{1,40} gesendet",
        r"^Enviado desde mi ",
        r"^Enviado do meu ",
    )
]
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")


class _TextExtractor(HTMLParser):
    """Collects text outside skipped and quoted elements, with a line break at each block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, whether this element hides its content)
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = set((dict(attrs).get("class") or "").split())
        hides = tag in _SKIPPED or tag == "blockquote" or bool(classes & _QUOTE_CLASSES)
        if tag in _BLOCKS and not self._hidden:
            self.parts.append("\n")
        if tag in _VOID:
            return
        self._stack.append((tag, hides))
        self._hidden += hides

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        # Close up to the matching start tag: mail HTML often leaves elements unclosed.
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                for _, hides in self._stack[index:]:
                    self._hidden -= hides
                del self._stack[index:]
                break
        if tag in _BLOCKS and not self._hidden:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """The visible text of an HTML mail body, without scripts, styles or quoted history; lines trimmed."""
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    lines = [line.strip() for line in "".join(extractor.parts).splitlines()]
    return _squeeze("\n".join(lines))


def strip_quoted(text: str) -> str:
    """`text` without quoted history: `>` lines and everything from a reply header ("On ... wrote:") on."""
    lines = text.splitlines()
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if any(pattern.match(stripped) for pattern in _QUOTE_HEADERS) or _outlook_header(lines, index):
            break
        if stripped.startswith(">"):
            continue
        kept.append(line)
    return _squeeze("\n".join(kept))


def strip_signature(text: str) -> str:
    """`text` without its signature: from the standard `-- ` delimiter or a client footer on."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.rstrip()
        if _SIGNATURE_DELIMITER.match(stripped) or any(pattern.match(stripped.strip()) for pattern in _FOOTERS):
            break
        kept.append(line)
    return _squeeze("\n".join(kept))


def customer_text(plain: str | None, html: str | None) -> str:
    """What the customer wrote in this mail: the plain part (or the HTML turned to text), without quotes or
    signature."""
    text = plain if plain and plain.strip() else html_to_text(html or "")
    return strip_signature(strip_quoted(text.replace("\r\n", "\n")))


def _outlook_header(lines: list[str], index: int) -> bool:
    """Whether line `index` starts Outlook's quoted header block ("From:" then "Sent:"/"To:" within 3 lines)."""
    if not _FROM_LINE.match(lines[index].strip()):
        return False
    following = [line.strip() for line in lines[index + 1 : index + 4]]
    return any(_HEADER_LINE.match(line) for line in following)


def _squeeze(text: str) -> str:
    """Trailing spaces removed, runs of blank lines made one, leading and trailing blank lines dropped."""
    lines = [line.rstrip() for line in text.splitlines()]
    squeezed: list[str] = []
    for line in lines:
        if line or (squeezed and squeezed[-1]):
            squeezed.append(line)
    return "\n".join(squeezed).strip()
