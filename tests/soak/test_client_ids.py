"""Found by the soak: a REST or web-chat message whose relay reached the agent just before Rasa died, sent again by the
customer, reached the agent twice. A client's own message id now makes the second sending the same message."""

from __future__ import annotations

from bot.channels.client_ids import MAX_CLIENT_ID_LENGTH, client_id_problem, client_message_id


def test_the_same_client_id_in_the_same_conversation_is_the_same_message() -> None:
    first = client_message_id("soak-c1", "m-7")
    assert first == client_message_id("soak-c1", "m-7")
    assert first is not None and len(first) <= 64


def test_ids_are_bound_to_their_conversation() -> None:
    assert client_message_id("soak-c1", "m-7") != client_message_id("soak-c2", "m-7")


def test_no_id_or_a_bad_one_leaves_the_id_to_rasa() -> None:
    assert client_message_id("soak-c1", None) is None
    assert client_id_problem(None) is None
    for bad in ("", 7, "x" * (MAX_CLIENT_ID_LENGTH + 1), "a\nb"):
        assert client_id_problem(bad) is not None
        assert client_message_id("soak-c1", bad) is None
