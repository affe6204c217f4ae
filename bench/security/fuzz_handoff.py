"""A long schema-driven fuzz (Schemathesis) of the handoff API against a real ``uvicorn handoff.main:app``.

The same engine as ``tests/security/test_handoff_fuzz.py`` with a larger budget: every operation of the served
``/openapi.json`` gets valid and invalid generated requests as the admin and as an agent, and any 5xx is printed
with the request that caused it. Exit code 1 when one was found.

    .venv/bin/python bench/security/fuzz_handoff.py --minutes 10 --examples 500
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.handoff.live_server import ADMIN_TOKEN, SERVICE_KEY, LiveHandoff  # noqa: E402
from tests.security.api_fuzz import fuzz, seed_ids  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Run the fuzz and print a summary."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0, help="total time budget (default 10)")
    parser.add_argument("--examples", type=int, default=500, help="generated requests per operation at most")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as data, LiveHandoff(Path(data), env={"HANDOFF_RATE_LIMIT_PER_TOKEN": "0"}) as s:
        known = list(seed_ids(s.url, SERVICE_KEY))
        tokens = {"admin": ADMIN_TOKEN, "agent": "demo-agent-claire"}
        report = fuzz(s.url, tokens, known, examples_per_operation=args.examples, seconds=args.minutes * 60)
    print(f"{report.requests} requests over {len(report.operations)} operations in {time.monotonic() - started:.0f} s")
    print("by status: " + ", ".join(f"{code}: {count}" for code, count in sorted(report.by_status.items())))
    for error in report.server_errors:
        print(f"5xx: {error}")
    print(f"{len(report.server_errors)} server errors")
    return 1 if report.server_errors else 0


if __name__ == "__main__":
    sys.exit(main())
