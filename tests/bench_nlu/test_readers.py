"""Dataset readers of the NLU benchmark: formats, label mapping and the deterministic xSID split."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.nlu.examples import OUT_OF_SCOPE, Example, rasa_intent_name
from bench.nlu.readers.clinc150 import read_clinc150
from bench.nlu.readers.fb_mtod import parse_tsv, read_fb_mtod
from bench.nlu.readers.hint3 import parse_csv, read_hint3
from bench.nlu.readers.xsid import XsidFormatError, parse_conll, read_xsid, split_half

CONLL = """# text = Is it going to rain today?
# intent = weather/find
# slots: 15:19:weather/attribute
1\tIs\tweather/find\tO
2\tit\tweather/find\tO

# text = set an alarm for 7
# intent = alarm/set_alarm
1\tset\talarm/set_alarm\tO
"""


def test_rasa_intent_name_replaces_retrieval_separator() -> None:
    """'/' would make Rasa read a retrieval intent, so it becomes '__'."""
    assert rasa_intent_name("weather/find") == "weather__find"


def test_parse_conll_reads_text_and_intent_headers() -> None:
    """Each CoNLL block gives one example with the header text and the mapped intent."""
    expected = [
        Example("Is it going to rain today?", "weather__find", "en"),
        Example("set an alarm for 7", "alarm__set_alarm", "en"),
    ]
    assert expected == parse_conll(CONLL, "en")


def test_parse_conll_rejects_block_without_intent() -> None:
    """A block with text but no intent is a format error naming the language."""
    with pytest.raises(XsidFormatError, match="de"):
        parse_conll("# text = hallo\n1\thallo\tx\tO\n", "de")


def test_split_half_is_deterministic_disjoint_and_stratified() -> None:
    """Same input, same halves; every example in exactly one half; each intent's examples split evenly."""
    examples = [Example(f"text {i}", f"intent{i % 3}", "en") for i in range(30)]
    train, test = split_half(examples)
    assert (train, test) == split_half(list(reversed(examples)))
    assert sorted(train + test, key=lambda e: e.text) == sorted(examples, key=lambda e: e.text)
    for intent in ("intent0", "intent1", "intent2"):
        assert sum(e.intent == intent for e in train) == 5
        assert sum(e.intent == intent for e in test) == 5


def test_read_xsid_same_split_halves_each_language(tmp_path: Path) -> None:
    """With train split == test split, each language's file is halved; the protocol says so."""
    (tmp_path / "en.valid.conll").write_text(CONLL, encoding="utf-8")
    (tmp_path / "zh.valid.conll").write_text(CONLL.replace("Is it", "会不会"), encoding="utf-8")
    benchmark = read_xsid(tmp_path, ["en", "zh"], "valid", "valid")
    assert {"en", "zh"} == {e.language for e in benchmark.train}
    assert len(benchmark.train) + len(benchmark.test) == 4
    assert "halved" in benchmark.protocol


def test_parse_tsv_reads_intent_and_utterance_columns() -> None:
    """PyText TSV: column 0 is the intent, column 2 the utterance; blank lines skipped."""
    content = "alarm/cancel_alarm\t\tCancelar todas las alarmas \tes_XX\t{}\n\n"
    assert [Example("Cancelar todas las alarmas", "alarm__cancel_alarm", "es")] == parse_tsv(content, "es")


def test_read_fb_mtod_uses_named_splits(tmp_path: Path) -> None:
    """Train and test come from `<lang>/<split>-<lang>.tsv`."""
    (tmp_path / "th").mkdir()
    (tmp_path / "th" / "train-th.tsv").write_text("weather/find\t\tอากาศ\tth_TH\t{}\n", encoding="utf-8")
    (tmp_path / "th" / "eval-th.tsv").write_text("alarm/set_alarm\t\tตั้งปลุก\tth_TH\t{}\n", encoding="utf-8")
    benchmark = read_fb_mtod(tmp_path, ["th"], "train", "eval")
    assert [Example("อากาศ", "weather__find", "th")] == benchmark.train
    assert [Example("ตั้งปลุก", "alarm__set_alarm", "th")] == benchmark.test


def test_read_clinc150_follows_paper_protocol(tmp_path: Path) -> None:
    """Train = train + oos_train, test = test + oos_test, validation = val + oos_val; oos mapped."""
    data = {
        "train": [["what is my balance", "balance"]],
        "oos_train": [["sing me a song", "oos"]],
        "val": [["balance please", "balance"]],
        "oos_val": [["who won the game", "oos"]],
        "test": [["how much money do i have", "balance"]],
        "oos_test": [["area of a circle", "oos"], ["a show on broadway", "oos"]],
    }
    (tmp_path / "data_full.json").write_text(json.dumps(data), encoding="utf-8")
    benchmark = read_clinc150(tmp_path)
    assert [e.intent for e in benchmark.train] == ["balance", OUT_OF_SCOPE]
    assert [e.intent for e in benchmark.test] == ["balance", OUT_OF_SCOPE, OUT_OF_SCOPE]
    assert len(benchmark.validation) == 2
    assert benchmark.has_out_of_scope


def test_parse_csv_maps_no_nodes_detected_and_tolerates_trailing_column() -> None:
    """HINT3: NO_NODES_DETECTED is out of scope; powerplay11's trailing empty column is ignored."""
    content = "sentence,label,\nUnable play,NO_NODES_DETECTED,\nI want offers,OFFERS_AND_REFERRALS,\n"
    expected = [Example("Unable play", OUT_OF_SCOPE, "en"), Example("I want offers", "OFFERS_AND_REFERRALS", "en")]
    assert expected == parse_csv(content)


def test_read_hint3_reads_one_bot_of_a_version(tmp_path: Path) -> None:
    """The bot's train and test CSVs of the version folder; the test set has out-of-scope examples."""
    for split, body in (("train", "EMI options?,EMI\n"), ("test", "Single,NO_NODES_DETECTED\n")):
        folder = tmp_path / "dataset" / "v2" / split
        folder.mkdir(parents=True)
        (folder / f"sofmattress_{split}.csv").write_text("sentence,label\n" + body, encoding="utf-8")
    benchmark = read_hint3(tmp_path, "sofmattress")
    assert benchmark.name == "hint3-sofmattress"
    assert [Example("EMI options?", "EMI", "en")] == benchmark.train
    assert [e.intent for e in benchmark.test] == [OUT_OF_SCOPE]
