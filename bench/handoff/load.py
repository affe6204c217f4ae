"""HTTP load on a real ``uvicorn handoff.main:app`` process: creations per second and claim/reply latency.

For each backend and each code tree (``baseline``: the commit ``common.BASELINE_REF`` names, exported with
``git archive``; ``new``: the working tree) a fresh database is created, the service started (one worker on SQLite,
two on PostgreSQL by default), and concurrent clients (asyncio, with ``rawhttp``'s light client or httpx) create
handoffs, then agents claim them concurrently and reply once each. The clients run on the same machine as the
server, so figures are a floor of what the service does; the CPU seconds the service's processes and the clients
spent during the creations (``/proc/<pid>/stat`` and ``getrusage``) say how much of the machine each took.

    .venv/bin/python bench/handoff/load.py --backends sqlite postgresql --handoffs 400 --concurrency 16 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, Protocol

import httpx
from common import ROOT, code_tree, cpu_seconds, markdown_table, percentile, python_path, throwaway_database
from rawhttp import RawClient

from scripts.ports import free_port

SERVICE_KEY = "bench-service-key"
ADMIN_TOKEN = "bench-admin-token"
AGENTS = 8


def start_service(url: str, var_dir: Path, port: int, code: str, workers: int) -> subprocess.Popen[bytes]:
    """Start uvicorn with the bench settings and wait until /readyz answers."""
    env = {
        **os.environ,
        "HANDOFF_DATABASE_URL": url,
        "HANDOFF_VAR_DIR": str(var_dir),
        "HANDOFF_SERVICE_KEY": SERVICE_KEY,
        "HANDOFF_ADMIN_TOKEN": ADMIN_TOKEN,
        "HANDOFF_DELIVERY_INTERVAL_SECONDS": "0",
        "NIMBUS_MODE": "demo",  # the demo queues
        "HANDOFF_RATE_LIMIT_PER_TOKEN": "0",  # a load test is a flood on purpose
        "PYTHONPATH": python_path(code),
    }
    # uvicorn puts --app-dir (by default the working directory, the working tree) first on sys.path: without it the
    # baseline would import the working tree's ``handoff`` instead of its own.
    command = [sys.executable, "-m", "uvicorn", "handoff.main:app", "--app-dir", str(code_tree(code))]
    command += ["--port", str(port), "--log-level", "warning"]
    # The same server settings for both code trees: uvloop and httptools (installed with uvicorn[standard]), and no
    # access log, whose lines would measure the terminal rather than the service; idle connections are kept long
    # enough that a loaded machine does not close one under a client about to reuse it.
    command += ["--loop", "uvloop", "--http", "httptools", "--no-access-log", "--timeout-keep-alive", "60"]
    process = subprocess.Popen([*command, "--workers", str(workers)], cwd=ROOT, env=env)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("service did not become ready")


class Response(Protocol):
    """What the bench reads of an answer, from either client."""

    @property
    def status_code(self) -> int: ...

    def json(self) -> Any: ...

    def raise_for_status(self) -> object: ...


Call = Callable[..., Awaitable[Response]]


@contextlib.asynccontextmanager
async def client_for(kind: str, base: str, concurrency: int) -> AsyncIterator[Call]:
    """``call(method, path, json=..., headers=...)`` on the chosen client, with up to twice ``concurrency``
    connections (the contested claims open more requests at once than the creations)."""
    if kind == "httpx":
        limits = httpx.Limits(max_connections=concurrency * 2)
        async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:

            async def call_httpx(method: str, path: str, **kwargs: Any) -> Response:
                return await client.request(method, path, **kwargs)

            yield call_httpx
        return
    url = httpx.URL(base)
    raw = RawClient(url.host, url.port or 80, concurrency * 2)

    async def call_raw(method: str, path: str, *, json: Any = None, headers: dict[str, str] | None = None) -> Response:
        return await raw.request(method, path, json_body=json, headers=headers)

    try:
        yield call_raw
    finally:
        await raw.aclose()


async def timed(call: Call, method: str, url: str, **kwargs: object) -> tuple[float, Response]:
    """Milliseconds and response of one request."""
    start = time.perf_counter()
    response = await call(method, url, **kwargs)
    return (time.perf_counter() - start) * 1000, response


def client_cpu_seconds() -> float:
    """CPU seconds this process (the clients) has used."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_load(base: str, handoffs: int, concurrency: int, server_pid: int, client: str) -> dict[str, object]:
    """Create, claim and reply; returns throughput, latency and CPU figures."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    service = {"Authorization": f"Bearer {SERVICE_KEY}"}
    async with client_for(client, base, concurrency) as call:
        queues = [q["name"] for q in (await call("GET", "/api/v1/queues", headers=admin)).json()]
        tokens = []
        for index in range(AGENTS):
            created = await call(
                "POST",
                "/api/v1/agents",
                headers=admin,
                json={
                    "id": f"bench{index}",
                    "display_name": f"Bench {index}",
                    "languages": ["en", "es", "fr"],
                    "skills": ["general", "orders", "billing"],
                    "queues": queues,
                    "max_concurrent": 100,
                    "status": "online",
                },
            )
            tokens.append(created.json()["token"])

        semaphore = asyncio.Semaphore(concurrency)
        create_ms: list[float] = []
        ids: list[str] = []

        async def create(index: int) -> None:
            body = {
                "conversation_id": f"bench-{index}",
                "channel": "rest",
                "customer_id": f"c{index}",
                "language": ("en", "es", "fr")[index % 3],
                "reason": "explicit_request",
                "topic": "general",
                "transcript": [{"role": "customer", "text": "I need a person please"}] * 5,
                "intents": ["greet", "request_human"],
            }
            async with semaphore:
                elapsed, response = await timed(call, "POST", "/api/v1/handoffs", json=body, headers=service)
            response.raise_for_status()
            create_ms.append(elapsed)
            ids.append(response.json()["id"])

        server_before, client_before = cpu_seconds(server_pid), client_cpu_seconds()
        start = time.perf_counter()
        await asyncio.gather(*(create(i) for i in range(handoffs)))
        create_seconds = time.perf_counter() - start
        server_create = cpu_seconds(server_pid) - server_before
        client_create = client_cpu_seconds() - client_before

        claim_ms: list[float] = []
        reply_ms: list[float] = []
        conflicts = 0

        async def work(agent_index: int) -> None:
            nonlocal conflicts
            headers = {"Authorization": f"Bearer {tokens[agent_index]}"}
            for hid in ids[agent_index::AGENTS]:
                elapsed, response = await timed(call, "POST", f"/api/v1/handoffs/{hid}/claim", headers=headers)
                if response.status_code == 409:
                    conflicts += 1
                    continue
                response.raise_for_status()
                claim_ms.append(elapsed)
                elapsed, response = await timed(
                    call,
                    "POST",
                    f"/api/v1/handoffs/{hid}/replies",
                    json={"text": "Hello, I am on it."},
                    headers=headers,
                )
                response.raise_for_status()
                reply_ms.append(elapsed)

        server_before = cpu_seconds(server_pid)
        await asyncio.gather(*(work(i) for i in range(AGENTS)))
        server_agents = cpu_seconds(server_pid) - server_before

        # Contested claims: every agent tries the same handoff at once; exactly one must win.
        contested = 0
        for index in range(20):
            body = {
                "conversation_id": f"race-{index}",
                "channel": "rest",
                "language": "en",
                "reason": "explicit_request",
                "topic": "general",
            }
            hid = (await call("POST", "/api/v1/handoffs", json=body, headers=service)).json()["id"]
            results = await asyncio.gather(
                *(
                    call("POST", f"/api/v1/handoffs/{hid}/claim", headers={"Authorization": f"Bearer {t}"})
                    for t in tokens
                )
            )
            winners = sum(1 for r in results if r.status_code == 200)
            contested += winners == 1
    return {
        "creations_per_s": handoffs / create_seconds,
        "create_p50": percentile(create_ms, 50),
        "create_p99": percentile(create_ms, 99),
        "claim_p50": percentile(claim_ms, 50),
        "claim_p99": percentile(claim_ms, 99),
        "reply_p50": percentile(reply_ms, 50),
        "reply_p99": percentile(reply_ms, 99),
        "service_cpu_ms_per_creation": 1000 * server_create / handoffs,
        "client_cpu_ms_per_creation": 1000 * client_create / handoffs,
        "creations_per_service_cpu_s": handoffs / server_create if server_create else float("nan"),
        "service_cpu_ms_per_claim_and_reply": 1000 * server_agents / max(1, len(reply_ms)),
        "conflicts": conflicts,
        "races_with_one_winner": f"{contested}/20",
    }


def row(result: dict[str, object]) -> list[object]:
    """One table row of a run."""
    return [
        result["backend"],
        result["code"],
        result["workers"],
        result["clients"],
        f"{result['creations_per_s']:.1f}",
        f"{result['create_p50']:.1f} / {result['create_p99']:.1f}",
        f"{result['claim_p50']:.1f} / {result['claim_p99']:.1f}",
        f"{result['reply_p50']:.1f} / {result['reply_p99']:.1f}",
        f"{result['service_cpu_ms_per_creation']:.2f} / {result['client_cpu_ms_per_creation']:.2f}",
        f"{result['creations_per_service_cpu_s']:.0f}",
        f"{result['service_cpu_ms_per_claim_and_reply']:.2f}",
        result["races_with_one_winner"],
    ]


HEADER = [
    "backend",
    "code",
    "workers",
    "clients",
    "creations/s",
    "create p50/p99 ms",
    "claim p50/p99 ms (8 agents)",
    "reply p50/p99 ms",
    "CPU ms per creation: service / clients",
    "creations per service CPU-second",
    "service CPU ms per claim + reply",
    "8-way claim races with exactly one winner",
]


FIGURES = (
    "creations_per_s",
    "create_p50",
    "create_p99",
    "claim_p50",
    "claim_p99",
    "reply_p50",
    "reply_p99",
    "service_cpu_ms_per_creation",
    "client_cpu_ms_per_creation",
    "creations_per_service_cpu_s",
    "service_cpu_ms_per_claim_and_reply",
)


def median_of(runs: list[dict[str, object]]) -> dict[str, object]:
    """One result from several rounds of the same backend and code: the median of each figure, every race."""
    merged: dict[str, object] = {
        key: statistics.median(float(r[key]) for r in runs)  # type: ignore[arg-type]
        for key in FIGURES
    }
    won = sum(int(str(r["races_with_one_winner"]).split("/")[0]) for r in runs)
    merged["races_with_one_winner"] = f"{won}/{20 * len(runs)}"
    merged["conflicts"] = sum(int(r["conflicts"]) for r in runs)  # type: ignore[call-overload]
    merged["rounds"] = len(runs)
    merged["creations_per_s_rounds"] = [round(float(r["creations_per_s"]), 1) for r in runs]  # type: ignore[arg-type]
    return merged


def main() -> None:
    """Run each backend with each code tree and print a markdown table (and JSON lines with ``--json``).

    With ``--rounds N`` the code trees alternate N times per backend (baseline first in odd rounds, new first in even
    ones, so a load that rises or falls during the run weighs on both) and each figure is the median of its rounds.
    """
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--codes", nargs="+", default=["baseline", "new"], choices=["baseline", "new"])
    parser.add_argument("--handoffs", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--postgresql-workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--client", choices=["raw", "httpx"], default="raw", help="raw: rawhttp's light client (default); httpx"
    )
    parser.add_argument("--json", type=Path, help="append one JSON object per backend and code to this file")
    args = parser.parse_args()
    rows = []
    for backend in args.backends:
        workers = args.postgresql_workers if backend == "postgresql" else 1
        runs: dict[str, list[dict[str, object]]] = {code: [] for code in args.codes}
        for round_index in range(args.rounds):
            for code in args.codes if round_index % 2 == 0 else list(reversed(args.codes)):
                with throwaway_database(backend) as url, tempfile.TemporaryDirectory() as var_dir:
                    port = free_port()
                    process = start_service(url, Path(var_dir), port, code, workers)
                    try:
                        runs[code].append(
                            asyncio.run(
                                run_load(
                                    f"http://127.0.0.1:{port}",
                                    args.handoffs,
                                    args.concurrency,
                                    process.pid,
                                    args.client,
                                )
                            )
                        )
                    finally:
                        process.terminate()
                        process.wait(timeout=30)
        for code in args.codes:
            result = median_of(runs[code])
            result.update(backend=backend, code=code, workers=workers, clients=args.concurrency, client=args.client)
            rows.append(row(result))
            if args.json:
                with args.json.open("a") as handle:
                    handle.write(json.dumps(result) + "\n")
    print(markdown_table(HEADER, rows))


if __name__ == "__main__":
    main()
