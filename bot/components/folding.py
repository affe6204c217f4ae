"""The written form a word is counted under: case, Latin accents and Arabic spelling variants folded away.

Customers write "nao" for "não", "cancelacion" for "cancelación" and "اطفئ" for "أطفئ". With the tokenizer's
`fold_lemmas` option each token's lemma, which the featurizers count instead of its text, is folded: lower case;
accents dropped from Latin letters only (Thai vowel signs and Japanese voicing marks are letters of their own); in
Arabic, vowel marks and the tatweel dropped and the forms of alef, alef maqsura and ta marbuta unified, as Arabic
search engines normalise. The token text and offsets are untouched. A candidate (bench/nlu/candidates/
folded_lemmas.yml), not in config.yml: measured as no better than unfolded tokens (bench/nlu/results.md).
"""

from __future__ import annotations

import unicodedata

from bot.components.scripts import ARABIC_DIACRITICS

_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})


def fold_word(text: str) -> str:
    """The folded form of one token (the token itself when folding leaves nothing)."""
    letters = [
        unicodedata.normalize("NFD", char)[0] if "LATIN" in unicodedata.name(char, "") else char
        for char in ARABIC_DIACRITICS.sub("", text.lower())
    ]
    return "".join(letters).translate(_ARABIC_LETTERS) or text
