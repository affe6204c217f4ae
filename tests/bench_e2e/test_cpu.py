"""CPU accounting of the load benchmark: real processes read through /proc."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from bench.e2e import cpu
from bench.e2e.report import Results, render
from bench.e2e.stats import Summary

pytestmark = pytest.mark.skipif(not cpu.available(), reason="needs /proc")

BUSY = "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass\ntime.sleep(30)"


def test_a_busy_grandchild_is_counted_with_its_parent() -> None:
    """A worker child's CPU (as Sanic's workers are) counts toward the process that started it."""
    parent = subprocess.Popen(
        [sys.executable, "-c", f"import subprocess, sys; subprocess.run([sys.executable, '-c', {BUSY!r}])"]
    )
    try:
        deadline = time.monotonic() + 20
        seconds = 0.0
        while time.monotonic() < deadline and seconds < 0.55:
            time.sleep(0.2)
            seconds = cpu.process_tree_seconds(parent.pid)
        assert 0.55 <= seconds < 5.0
    finally:
        parent.kill()
        parent.wait()
        subprocess.run(["pkill", "-f", "time.process_time() + 0.6"], check=False)


def test_a_vanished_process_counts_zero() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert cpu.process_tree_seconds(process.pid) == 0.0


def test_samples_subtract_and_divide_per_message() -> None:
    before = cpu.CpuSample({"rasa": 1.0, cpu.CLIENT: 0.5})
    after = cpu.CpuSample({"rasa": 3.0, cpu.CLIENT: 0.9})
    per_message = cpu.per_message_ms(after.since(before), messages=100)
    assert per_message == pytest.approx({"rasa": 20.0, cpu.CLIENT: 4.0, "all": 24.0})
    assert cpu.per_message_ms({"rasa": 1.0}, messages=0) == {}


def test_the_client_sample_grows_with_its_own_work() -> None:
    first = cpu.CpuSample.take({})
    sum(i * i for i in range(2_000_000))
    assert cpu.CpuSample.take({}).since(first)[cpu.CLIENT] > 0.0


def test_report_has_the_cpu_table_when_measured() -> None:
    summary = Summary.of([0.02, 0.03], wall_seconds=0.1)
    text = render(
        Results(
            command="c",
            started_at="s",
            mode="quick",
            machine="m",
            concurrency={20: {"ours": summary, "stock": summary}},
            windows={},
            ledgers={},
            hops={},
            cpu_ms={20: {"ours": {"rasa": 20.0, "actions": 5.0, "all": 25.0}, "stock": {"rasa": 30.0, "all": 30.0}}},
        )
    )
    assert "| conversations at once | system | rasa | actions | all |" in text
    assert "| 20 | ours | 20.0 | 5.0 | 25.0 |" in text
    assert "| 20 | stock | 30.0 | – | 30.0 |" in text
