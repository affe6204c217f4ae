"""The soak's ledger on hand-made records: lost, duplicated and out-of-order messages each counted where they are."""

from __future__ import annotations

from bench.soak import script
from bench.soak.ledger import Direction, Ledger, account, direction, recovery
from bench.soak.timeline import Conversation, Timeline


def test_direction_counts_each_kind_of_problem() -> None:
    assert direction([1, 2, 3], [1, 2, 3]) == Direction(3, 3, 0, 0, 0)
    assert direction([1, 2, 3], [1, 3]) == Direction(3, 2, 1, 0, 0)
    assert direction([1, 2, 3], [1, 2, 2, 3]) == Direction(3, 3, 0, 1, 0)
    assert direction([1, 2, 3], [2, 1, 3]) == Direction(3, 3, 0, 0, 1)


def record(*messages: tuple[str, str]) -> dict[str, object]:
    return {"messages": [{"role": role, "text": text} for role, text in messages]}


def conversation(sent: int, replied: int, received: list[int]) -> Conversation:
    item = Conversation("c1", "rest", conversation_id="soak-c1")
    item.sent = {n: 100.0 + n for n in range(1, sent + 1)}
    item.seen_by_agent = {n: 101.0 + n for n in range(1, sent + 1)}
    item.replied = {n: 102.0 + n for n in range(1, replied + 1)}
    item.received = [(n, 104.0 + n) for n in received]
    return item


def test_a_clean_conversation_has_zeros_and_its_delays() -> None:
    ledger = Ledger()
    messages = [("customer", script.ASK_FOR_A_PERSON), ("bot", "queued")]
    messages += [("customer", script.customer_text("c1", n)) for n in (1, 2)]
    messages += [("agent", script.agent_text("c1", n)) for n in (1, 2)]
    account(conversation(2, 2, [1, 2]), [record(*messages)], ledger)
    assert (ledger.lost, ledger.duplicated, ledger.out_of_order, ledger.handoffs_missing) == (0, 0, 0, 0)
    assert ledger.to_agents.delivered == ledger.to_customers.delivered == 2
    assert ledger.longest_to_agent == 1.0 and ledger.longest_to_customer == 2.0
    assert ledger.clean


def test_problems_in_either_direction_and_extra_handoffs_are_counted() -> None:
    ledger = Ledger()
    first = record(("customer", script.customer_text("c1", 2)), ("customer", script.customer_text("c1", 1)))
    second = record(("customer", script.customer_text("c1", 2)), ("agent", script.agent_text("c1", 1)))
    account(conversation(3, 2, [1, 1]), [first, second], ledger)
    assert ledger.to_agents == Direction(3, 2, 1, 1, 1)
    assert ledger.to_customers == Direction(2, 1, 1, 1, 0)
    assert ledger.handoffs_duplicated == 1
    assert not ledger.clean and ledger.problems


def test_recovery_is_the_first_round_trip_after_the_kill() -> None:
    timeline = Timeline()
    timeline.conversations["c1"] = conversation(3, 3, [1, 2, 3])
    timeline.faults.append(("handoff", 102.5, 104.0))
    [after] = recovery(timeline)
    assert after.ready_after == 1.5
    assert after.relay_after == 101.0 + 3 - 102.5  # message 3 was the first sent after the kill
    assert after.reply_after == 104.0 + 1 - 102.5  # reply 1 was posted at 103.0, after the kill
    assert after.recovered_after == max(1.5, after.relay_after, after.reply_after)


def test_replies_are_due_in_the_order_the_agent_sent_them() -> None:
    """Message 1 reached the agent after message 2, so the agent answered 2 first: that is counted once, towards the
    agent (with which came after which), and replies arriving in the agent's order are in order."""
    ledger = Ledger()
    messages = [("customer", script.customer_text("c1", n)) for n in (2, 1)]
    messages += [("agent", script.agent_text("c1", n)) for n in (2, 1)]
    item = conversation(2, 2, [2, 1])
    item.replied = {1: 110.0, 2: 105.0}
    account(item, [record(*messages)], ledger)
    assert Direction(2, 2, 0, 0, 1) == ledger.to_agents
    assert Direction(2, 2, 0, 0, 0) == ledger.to_customers
    assert ledger.problems == ["rest soak-c1 to agent: lost 0, duplicated 0, out of order 1; 1 after 2"]


def test_a_web_chat_is_judged_by_the_order_its_screen_shows() -> None:
    """The web chat shows replies by timestamp: reply 1 read back after reply 2 was pushed is shown, and counted, in
    its place; a screen showing them reversed is out of order."""
    messages = [("customer", script.customer_text("c1", n)) for n in (1, 2)]
    messages += [("agent", script.agent_text("c1", n)) for n in (1, 2)]
    for shown, out_of_order in (([1, 2], 0), ([2, 1], 1)):
        ledger = Ledger()
        item = conversation(2, 2, [2, 1])
        item.channel, item.shown = "socketio", shown
        account(item, [record(*messages)], ledger)
        assert out_of_order == ledger.to_customers.out_of_order
