"""The soak's printed and Markdown report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bench.soak.ledger import Ledger, Recovery


@dataclass(frozen=True)
class RunInfo:
    command: str
    started_at: str
    setup: str
    customers: int
    human: int
    by_channel: dict[str, int]
    messages: int
    wall_seconds: float
    finished: bool  # every human-mode customer got every answer before the deadline
    bot_mode: dict[str, int]
    machine: str


def _quantile(values: Sequence[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _s(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def render(info: RunInfo, ledger: Ledger, recoveries: Sequence[Recovery]) -> str:
    to_agents, to_customers = ledger.to_agents, ledger.to_customers
    lines = [
        f"### Soak, {info.setup} set-up ({info.started_at})",
        "",
        f"`{info.command}`",
        "",
        f"- {info.customers} customers ({info.human} in human mode), by channel: "
        + ", ".join(f"{channel} {count}" for channel, count in sorted(info.by_channel.items())),
        f"- target {info.messages} customer messages relayed and {info.messages} agent replies delivered;"
        f" wall time {info.wall_seconds:.0f} s; {'finished' if info.finished else 'NOT finished before the deadline'}",
        "- bot-mode turns: " + (", ".join(f"{k} {v}" for k, v in sorted(info.bot_mode.items())) or "none"),
        f"- machine: {info.machine}",
        "",
        "| | expected | arrived | lost | duplicated | out of order | longest delay | p50 | p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| customer → agent | {to_agents.expected} | {to_agents.delivered} | {to_agents.lost} |"
        f" {to_agents.duplicated} | {to_agents.out_of_order} | {ledger.longest_to_agent:.1f} s |"
        f" {_quantile(ledger.delays_to_agent, 0.5):.2f} s | {_quantile(ledger.delays_to_agent, 0.99):.1f} s |",
        f"| agent → customer | {to_customers.expected} | {to_customers.delivered} | {to_customers.lost} |"
        f" {to_customers.duplicated} | {to_customers.out_of_order} | {ledger.longest_to_customer:.1f} s |"
        f" {_quantile(ledger.delays_to_customer, 0.5):.2f} s | {_quantile(ledger.delays_to_customer, 0.99):.1f} s |",
        "",
        f"- handoffs: {ledger.conversations} requested, {ledger.handoffs_missing} missing,"
        f" {ledger.handoffs_duplicated} duplicated",
        "- left in outboxes: "
        + (", ".join(f"{name} {count}" for name, count in sorted(ledger.stuck.items())) or "nothing checked"),
        f"- messages customers sent again after a failure they could not tell from a loss: {ledger.resent}",
        f"- **lost {ledger.lost}, duplicated {ledger.duplicated}, out of order {ledger.out_of_order}**"
        f" → {'CLEAN' if ledger.clean else 'NOT CLEAN'}",
        "",
    ]
    if recoveries:
        lines += [
            "| fault | process | ready again | first relay | first reply | recovered |",
            "|---:|---|---:|---:|---:|---:|",
        ]
        for number, item in enumerate(recoveries, start=1):
            lines.append(
                f"| {number} | {item.process} | {item.ready_after:.1f} s | {_s(item.relay_after)} |"
                f" {_s(item.reply_after)} | {_s(item.recovered_after)} |"
            )
        lines.append("")
    if ledger.problems:
        lines += ["Problems:", "", *[f"- {problem}" for problem in ledger.problems[:40]], ""]
    return "\n".join(lines)
