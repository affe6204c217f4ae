"""`python -m actions.server` as a real process: shared secret, loopback binding, start-up checks, outbox flush at
start and the privacy endpoints. The handoff service is a local stand-in HTTP server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from actions.outbox import Outbox
from scripts.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "unit-action-server-token-5f1c"
SERVICE_KEY = "unit-service-key"


@dataclass
class StandIn:
    """A handoff service that accepts everything and records what it got."""

    url: str
    requests: list[tuple[str, str, dict]] = field(default_factory=list)


@pytest.fixture(scope="module")
def handoff_service() -> Iterator[StandIn]:
    """The stand-in on a free loopback port, for the module."""
    stand_in = StandIn(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
            stand_in.requests.append((self.path, self.headers.get("Authorization") or "", body))
            payload = json.dumps({"id": "h1", "status": "queued", "position": 1}).encode()
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand_in.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield stand_in
    server.shutdown()


def start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    base = {k: v for k, v in os.environ.items() if k not in {"NIMBUS_MODE", "ACTION_SERVER_TOKEN"}}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "actions.server", "--port", str(port)],
            cwd=ROOT,
            env={**base, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@dataclass
class Running:
    url: str
    port: int
    log: Path
    outbox: Outbox


@pytest.fixture(scope="module")
def server(handoff_service: StandIn, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The action server in production mode with a token, over an outbox that an earlier run left a handoff and
    some records in."""
    data = tmp_path_factory.mktemp("actions")
    outbox = Outbox(data / "outbox.sqlite3")
    outbox.put("kept-1", {"conversation_id": "kept-1", "channel": "rest", "language": "en"}, "down")
    outbox.add_dead_message("private-1", "m0", {"message_id": "m0", "text": "my iban"}, 413, "rejected")
    outbox.mark_relayed("private-1", ["m1"])
    port, log = free_port(), data / "actions.log"
    env = {
        "NIMBUS_MODE": "production",
        "ACTION_SERVER_TOKEN": TOKEN,
        "ACTIONS_OUTBOX_PATH": str(data / "outbox.sqlite3"),
        "HANDOFF_URL": handoff_service.url,
        "HANDOFF_SERVICE_KEY": SERVICE_KEY,
    }
    process = start(env, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield Running(url, port, log, outbox)
    finally:
        stop(process)


@pytest.mark.parametrize(
    "mode",
    [
        None,  # unset means production
        "",  # so does empty
        "production",
    ],
)
def test_refuses_to_start_outside_demo_mode_without_the_token(tmp_path: Path, mode: str | None) -> None:
    """No ACTION_SERVER_TOKEN outside demo mode: exit code 2 and a message naming the variable, nothing served."""
    env = {"ACTIONS_OUTBOX_PATH": str(tmp_path / "o.sqlite3")}
    if mode is not None:
        env["NIMBUS_MODE"] = mode
    process = start(env, free_port(), tmp_path / "log")
    assert process.wait(timeout=60) == 2
    assert "ACTION_SERVER_TOKEN" in (tmp_path / "log").read_text()


def test_health_is_open(server: Running) -> None:
    """A liveness probe needs no credential."""
    assert httpx.get(f"{server.url}/health").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/webhook"),
        ("GET", "/actions"),
        ("POST", "/privacy/export"),
        ("POST", "/privacy/erase"),
        ("POST", "/privacy/retention"),
        ("GET", "/does-not-exist"),
        ("OPTIONS", "/webhook"),  # a CORS preflight learns nothing either
        ("POST", "/health"),
    ],
)
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
        {"X-Token": TOKEN},
    ],
)
def test_every_other_route_needs_the_bearer_token(server: Running, method: str, path: str, headers: dict) -> None:
    """Without exactly `Authorization: Bearer <token>` every route but GET /health answers 401 JSON."""
    response = httpx.request(
        method, f"{server.url}{path}", headers=headers, params={"token": TOKEN}, json={"conversation_id": "x"}
    )
    assert response.status_code == 401
    assert response.json() == {"error": "missing or invalid bearer token"}


def test_the_token_opens_the_action_list(server: Running) -> None:
    """With the token, rasa_sdk's own routes answer as before."""
    response = httpx.get(f"{server.url}/actions", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert "action_handoff" in [action["name"] for action in response.json()]


def test_listens_on_loopback_only(server: Running) -> None:
    """Every listening socket on the server's port is bound to 127.0.0.1 (ACTIONS_BIND_HOST's default)."""
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) == server.port:
                listening.append(address)
    assert listening == ["0100007F"]


def test_outbox_is_flushed_at_start(server: Running, handoff_service: StandIn) -> None:
    """A handoff an earlier run kept is delivered when the server starts, with the service key, without waiting for
    another handoff."""
    deadline = time.monotonic() + 20
    while not any(body.get("conversation_id") == "kept-1" for _, _, body in handoff_service.requests):
        assert time.monotonic() < deadline, server.log.read_text()
        time.sleep(0.2)
    path, authorization, _ = next(r for r in handoff_service.requests if r[2].get("conversation_id") == "kept-1")
    assert ("/api/v1/handoffs", f"Bearer {SERVICE_KEY}") == (path, authorization)
    while server.outbox.has("kept-1"):
        assert time.monotonic() < deadline
        time.sleep(0.1)


def test_privacy_export_then_erase(server: Running) -> None:
    """Export answers the conversation's records, erase their counts; afterwards the export is empty."""
    headers = {"Authorization": f"Bearer {TOKEN}"}
    body = {"conversation_id": "private-1"}
    exported = httpx.post(f"{server.url}/privacy/export", headers=headers, json=body).json()
    assert exported["counts"] == {"pending_handoff": 0, "pending_message": 0, "dead_letter": 1, "relayed_message": 1}
    assert exported["records"]["dead_letter"][0]["payload"]["text"] == "my iban"
    erased = httpx.post(f"{server.url}/privacy/erase", headers=headers, json=body).json()
    assert (erased["total"], erased["erased"]["dead_letter"]) == (2, 1)
    again = httpx.post(f"{server.url}/privacy/export", headers=headers, json=body).json()
    assert sum(again["counts"].values()) == 0


def test_privacy_retention_purges_what_is_older(server: Running) -> None:
    """`POST /privacy/retention` answers how many records past the period it purged."""
    server.outbox.add_dead_message("old-1", "m5", {"message_id": "m5", "text": "x"}, 413, "rejected")
    headers = {"Authorization": f"Bearer {TOKEN}"}
    keep = httpx.post(f"{server.url}/privacy/retention", headers=headers, json={"older_than_seconds": 3600})
    assert (keep.status_code, keep.json()["purged"]) == (200, 0)
    purged = httpx.post(f"{server.url}/privacy/retention", headers=headers, json={"older_than_seconds": 0})
    assert purged.json()["purged"] >= 1
    assert server.outbox.dead_letters("old-1") == []


@pytest.mark.parametrize("body", [{}, {"conversation_id": ""}, {"conversation_id": 5}, ["x"], "x"])
def test_privacy_request_without_a_conversation_id_is_a_400(server: Running, body: object) -> None:
    """A malformed privacy request is refused with a JSON error."""
    response = httpx.post(f"{server.url}/privacy/erase", headers={"Authorization": f"Bearer {TOKEN}"}, json=body)
    assert response.status_code == 400
    assert "conversation_id" in response.json()["error"]


def test_the_log_names_no_conversation_id(server: Running, handoff_service: StandIn) -> None:
    """A handoff run through the server leaves the conversation id (a phone number here) out of the log."""
    sender = "whatsapp:5215550987"
    user = {"event": "user", "text": "a person please", "input_channel": "whatsapp", "message_id": "m9",
            "parse_data": {"intent": {"name": "request_human"}, "entities": []}}  # fmt: skip
    call = {
        "next_action": "action_handoff",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {"language": "en"},
            "latest_message": user["parse_data"],
            "events": [user],
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }
    response = httpx.post(f"{server.url}/webhook", json=call, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert any(body.get("conversation_id") == sender for _, _, body in handoff_service.requests)
    time.sleep(0.5)
    assert "5215550987" not in server.log.read_text()


def test_the_token_never_reaches_the_log(server: Running) -> None:
    """After accepted and refused requests carrying it, the token appears nowhere in the server's output."""
    httpx.get(f"{server.url}/actions", headers={"Authorization": f"Bearer {TOKEN}"})
    httpx.post(f"{server.url}/webhook", headers={"Authorization": f"Bearer {TOKEN}"}, content=b"{not json")
    httpx.get(f"{server.url}/actions", headers={"Authorization": f"Bearer {TOKEN}x"})
    time.sleep(0.5)
    log = server.log.read_text()
    assert "Registered function for 'action_handoff'" in log
    assert TOKEN not in log
