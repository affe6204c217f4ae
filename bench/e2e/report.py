"""The Markdown report: ours vs stock by concurrency and by turn number, the ledger, and the hops."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bench.e2e.ledger import Ledger
from bench.e2e.stats import TURN_WINDOWS, Summary, format_ms, format_number, format_ratio, ratio


@dataclass(frozen=True)
class Results:
    """Everything one benchmark run measured."""

    command: str
    started_at: str
    mode: str
    machine: str
    concurrency: Mapping[int, Mapping[str, Summary]]  # concurrency -> system -> summary
    windows: Mapping[str, Mapping[tuple[int, int], Summary]]  # long variant -> window -> summary
    ledgers: Mapping[str, Ledger]  # run label -> ledger
    hops: Mapping[str, Summary]
    steps: Mapping[int, Mapping[str, Summary]] = field(default_factory=dict)  # ours: concurrency -> message kind
    notes: Sequence[str] = ()
    cpu_ms: Mapping[int, Mapping[str, Mapping[str, float]]] = field(default_factory=dict)  # level -> system -> process


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def concurrency_table(results: Mapping[int, Mapping[str, Summary]]) -> str:
    header = [
        "conversations at once",
        "msgs ours / stock",
        "p50 ms ours / stock",
        "p95 ms ours / stock",
        "p99 ms ours / stock",
        "msg/s ours / stock",
        "p50 ratio",
        "p95 ratio",
        "throughput ratio",
    ]
    rows = []
    for level in sorted(results):
        ours, stock = results[level]["ours"], results[level]["stock"]
        rows.append(
            [
                str(level),
                f"{ours.count} / {stock.count}",
                f"{format_ms(ours.p50)} / {format_ms(stock.p50)}",
                f"{format_ms(ours.p95)} / {format_ms(stock.p95)}",
                f"{format_ms(ours.p99)} / {format_ms(stock.p99)}",
                f"{format_number(ours.throughput)} / {format_number(stock.throughput)}",
                format_ratio(ratio(ours.p50, stock.p50)),
                format_ratio(ratio(ours.p95, stock.p95)),
                format_ratio(ratio(ours.throughput, stock.throughput)),
            ]
        )
    return table(header, rows)


def windows_table(windows: Mapping[str, Mapping[tuple[int, int], Summary]]) -> str:
    variants = list(windows)
    header = ["turns", *(f"{variant} p50 / p95 ms" for variant in variants)]
    header += [f"{variant} / stock p50" for variant in variants if variant != "stock"]
    rows = []
    for window in TURN_WINDOWS:
        row = [f"{window[0]}–{window[1]}"]
        row += [f"{format_ms(windows[v][window].p50)} / {format_ms(windows[v][window].p95)}" for v in variants]
        if "stock" in windows:
            stock_p50 = windows["stock"][window].p50
            row += [format_ratio(ratio(windows[v][window].p50, stock_p50)) for v in variants if v != "stock"]
        rows.append(row)
    first, last = TURN_WINDOWS[0], TURN_WINDOWS[-1]
    growth = [f"growth p50 {last[0]}–{last[1]} / {first[0]}–{first[1]}"]
    growth += [format_ratio(ratio(windows[v][last].p50, windows[v][first].p50)) for v in variants]
    growth += ["" for v in variants if v != "stock" and "stock" in windows]
    rows.append(growth)
    return table(header, rows)


def steps_table(steps: Mapping[int, Mapping[str, Summary]]) -> str:
    levels = sorted(steps)
    kinds = sorted({kind for level in levels for kind in steps[level]})
    header = ["message", *(f"{level} at once: n, p50 / p95 ms" for level in levels)]
    rows = []
    for kind in kinds:
        row = [kind]
        for level in levels:
            summary = steps[level].get(kind)
            row.append(
                "–" if summary is None else f"{summary.count}, {format_ms(summary.p50)} / {format_ms(summary.p95)}"
            )
        rows.append(row)
    return table(header, rows)


def ledger_table(ledgers: Mapping[str, Ledger]) -> str:
    header = [
        "run",
        "sent",
        "replied",
        "relayed",
        "lost",
        "duplicated",
        "bot answered in human mode",
        "failed",
        "no reply (policy chose silence)",
        "ok",
    ]
    rows = [
        [
            label,
            str(ledger.sent),
            str(ledger.replied),
            str(ledger.relayed),
            str(ledger.lost),
            str(ledger.duplicated + ledger.out_of_order),
            str(ledger.answered_in_human_mode),
            str(ledger.failed),
            str(ledger.unanswered),
            "yes" if ledger.clean else "**NO**",
        ]
        for label, ledger in ledgers.items()
    ]
    return table(header, rows)


def hops_table(hops: Mapping[str, Summary]) -> str:
    slowest = max(hops, key=lambda name: hops[name].p50) if hops else None
    rows = [
        [
            f"**{name}**" if name == slowest else name,
            str(summary.count),
            format_ms(summary.p50),
            format_ms(summary.p95),
            format_ms(summary.p99),
        ]
        for name, summary in hops.items()
    ]
    return table(["hop (one request in flight)", "calls", "p50 ms", "p95 ms", "p99 ms"], rows)


def cpu_table(cpu_ms: Mapping[int, Mapping[str, Mapping[str, float]]]) -> str:
    """CPU milliseconds per message by process and concurrency, ours and stock side by side."""
    processes: list[str] = []
    for systems in cpu_ms.values():
        for values in systems.values():
            processes += [name for name in values if name not in processes and name != "all"]
    header = ["conversations at once", "system", *processes, "all"]
    rows = []
    for level in sorted(cpu_ms):
        for system in ("ours", "stock"):
            values = cpu_ms[level].get(system, {})
            if values:
                cells = [f"{values[name]:.1f}" if name in values else "–" for name in processes]
                rows.append([str(level), system, *cells, f"{values['all']:.1f}"])
    return table(header, rows)


def render(results: Results) -> str:
    parts = [
        "# End-to-end load benchmark: ours vs stock `rasa init` (issue 9)",
        "",
        f"- command: `{results.command}`",
        f"- run: {results.started_at}, mode **{results.mode}**, machine: {results.machine}",
        "- both systems served from the same `.venv-rasa` in the same run, phases interleaved (ours, then stock);"
        " latency is per customer message over Rasa's REST channel, measured by the client; throughput is"
        " messages answered (or relayed) per second of wall time. Ratios are ours / stock.",
        "",
        "## Throughput and latency by concurrency",
        "",
        concurrency_table(results.concurrency),
        "",
        *(
            [
                "## CPU per message by process",
                "",
                "CPU milliseconds (user + system, each process with its worker children, from /proc) spent during the"
                " load phase, divided by the messages played. With every core busy, throughput is roughly"
                " cores × 1000 / `all`.",
                "",
                cpu_table(results.cpu_ms),
                "",
            ]
            if any(results.cpu_ms.values())
            else []
        ),
        "## Ours by kind of message",
        "",
        "`faq`: a KB question answered from the index; `human_mode`: relayed to the agent, no bot reply;"
        " `refund` and `request_human` end with a handoff.",
        "",
        steps_table(results.steps),
        "",
        "## Latency by turn number (one long conversation at a time)",
        "",
        "`ours-bot`: every turn answered by the bot (greetings, KB questions, order status); `ours-human`: handed"
        " to a person at turn 2, every later message relayed to the agent; `stock`: rasa-init intents.",
        "",
        windows_table(results.windows),
        "",
        "## Nothing lost, nothing duplicated",
        "",
        "Every customer message must get exactly one reply, or (after a handoff) no reply and exactly one relay"
        " stored by the handoff service; Rasa's tracker must hold each message once.",
        "",
        ledger_table(results.ledgers),
        "",
        "## Hops of our hot path (measured separately)",
        "",
        hops_table(results.hops),
        "",
    ]
    if results.notes:
        parts += ["## Notes", "", *(f"- {note}" for note in results.notes), ""]
    return "\n".join(parts)
