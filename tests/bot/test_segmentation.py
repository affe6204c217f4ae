"""Segmentation rules per script, with exact offsets into the original text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.components.segmentation import segment, whole_run


def surfaces(text: str) -> list[str]:
    """The original characters each piece covers."""
    return [text[piece.start : piece.end] for piece in segment(text)]


def texts(text: str, split_thai: bool = False) -> list[str]:
    """The (normalised) token texts."""
    return [piece.text for piece in segment(text, split_thai=split_thai)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English: punctuation dropped, order id kept whole, emoji a token of its own
        ("where is my order NB-204519? 👍", ["where", "is", "my", "order", "NB-204519", "👍"]),
        # Spanish: accents and ñ are letters; ¿ ? dropped
        ("¿dónde está mi pedido, señor?", ["dónde", "está", "mi", "pedido", "señor"]),
        # Portuguese: hyphenated pronoun stays one token
        ("quero cancelá-lo já", ["quero", "cancelá-lo", "já"]),
        # French: elision split at the apostrophe
        ("où est l'adresse d'envoi", ["où", "est", "l", "adresse", "d", "envoi"]),
        # Arabic: Arabic comma and question mark separate words
        ("مرحبا، أين طلبي؟", ["مرحبا", "أين", "طلبي"]),
        # Chinese: one token per Han character, order id whole, full-width punctuation dropped
        ("我的订单NB-123456在哪里？", ["我", "的", "订", "单", "NB-123456", "在", "哪", "里"]),
        # Japanese: kanji and hiragana per character, katakana loanword whole
        ("キャンセルしたい", ["キャンセル", "し", "た", "い"]),
        # Thai: space-delimited runs stay whole
        ("ยกเลิก คำสั่งซื้อ", ["ยกเลิก", "คำสั่งซื้อ"]),
        # Emoji with skin tone, ZWJ family and a flag are single tokens
        ("👍🏽 👨‍👩‍👧 🇲🇽", ["👍🏽", "👨‍👩‍👧", "🇲🇽"]),
        # times, prices, URLs and e-mails stay whole
        ("at 21:35 pay 9.99 see https://nimbus.shop/o/1 or a.b@x.com", None),
    ],
)
def test_segment_per_script(text: str, expected: list[str] | None) -> None:
    """Each script is cut where a reader would cut it, and every piece is the original substring."""
    if expected is None:
        expected = ["at", "21:35", "pay", "9.99", "see", "https://nimbus.shop/o/1", "or", "a.b@x.com"]
    assert expected == texts(text)
    assert expected == surfaces(text)


def test_arabic_tatweel_and_diacritics_are_normalised_but_offsets_are_original() -> None:
    """Tatweel and harakat vanish from the token text; the span still covers them."""
    text = "شكـــرا شُكْرًا"
    pieces = segment(text)
    assert [piece.text for piece in pieces] == ["شكرا", "شكرا"]
    assert [(piece.start, piece.end) for piece in pieces] == [(0, 7), (8, 15)]
    assert [text[piece.start : piece.end] for piece in pieces] == ["شكـــرا", "شُكْرًا"]


def test_thai_can_be_split_into_grapheme_clusters() -> None:
    """With split_thai, a vowel or tone mark stays with its consonant."""
    assert texts("ฉันต้อง", split_thai=True) == ["ฉั", "น", "ต้", "อ", "ง"]


def test_text_without_words_yields_nothing() -> None:
    """Punctuation alone gives no piece (the tokenizer then keeps the whole text as one token)."""
    assert segment("?! ...") == []


@given(st.text(max_size=60))
def test_pieces_are_ordered_non_overlapping_and_inside_the_text(text: str) -> None:
    """For any text, pieces are in order, do not overlap, and lie inside the text."""
    previous_end = 0
    for piece in segment(text):
        assert previous_end <= piece.start < piece.end <= len(text)
        previous_end = piece.end


def test_han_runs_go_through_an_injected_word_segmenter() -> None:
    """A Han segmenter cuts each Han run; offsets are shifted to the whole text."""

    def pairs(run: str) -> list[tuple[int, int]]:
        """Cut a run into two-character words."""
        return [(i, min(i + 2, len(run))) for i in range(0, len(run), 2)]

    pieces = segment("我的订单NB-1在哪里", han_segmenter=pairs)
    assert [(p.text, p.start, p.end) for p in pieces] == [
        ("我的", 0, 2),
        ("订单", 2, 4),
        ("NB-1", 4, 8),
        ("在哪", 8, 10),
        ("里", 10, 11),
    ]


@pytest.mark.parametrize(
    ("split_hiragana", "han_whole", "expected"),
    [
        # the default: kanji and hiragana one token each, the katakana loanword whole
        (True, False, ["注", "文", "を", "キャンセル", "し", "た", "い"]),
        # whole runs of every unspaced script (a registry whose Han and kana languages say words)
        (False, True, ["注文", "を", "キャンセル", "したい"]),
        # hiragana runs whole while Han stays per character
        (False, False, ["注", "文", "を", "キャンセル", "したい"]),
    ],
)
def test_hiragana_and_han_runs_can_stay_whole(split_hiragana: bool, han_whole: bool, expected: list[str]) -> None:
    """split_hiragana=False and the whole_run segmenter keep runs whole, with offsets into the original text."""
    text = "注文をキャンセルしたい"
    pieces = segment(text, han_segmenter=whole_run if han_whole else None, split_hiragana=split_hiragana)
    assert expected == [piece.text for piece in pieces]
    assert expected == [text[piece.start : piece.end] for piece in pieces]


@given(st.text(alphabet=st.characters(min_codepoint=0x3040, max_codepoint=0x30FF), max_size=30))
def test_whole_hiragana_runs_rejoin_what_per_character_cuts(text: str) -> None:
    """Kept whole or cut per character, hiragana pieces cover the same characters (only the grouping differs)."""
    cut = segment(text)
    whole = segment(text, split_hiragana=False)
    assert "".join(piece.text for piece in cut) == "".join(piece.text for piece in whole)
    assert all(piece.end - piece.start == 1 for piece in cut if piece.kind == "hiragana")
