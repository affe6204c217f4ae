"""Several "hosts" on this machine behind a load balancer: the scaled set-up as it runs on several machines.

Each host is its own Rasa server, action server and handoff service (the three processes of scripts/stack.py) with
its own ports and data directory. The hosts share what several machines share: PostgreSQL (Rasa's tracker store,
the handoff database), Redis (Rasa's lock store, socket.io rooms, channel dedup, the handoff service's live events),
RabbitMQ (Rasa's event broker) and, for the handoff services, one data directory (attachments, generated keys: a
shared volume in production). HAProxy (scripts/load_balancer.py) is the only public entry.

Usage (tests, benchmarks)::

    with Hosts.throwaway(tmp_dir, "soak") as hosts:        # starts HAProxy and both hosts, waits until ready
        hosts.lb_url                                       # http://127.0.0.1:<port>: webhooks, socket.io, console
        hosts.urls(0).rasa, hosts.urls(1).handoff          # one host's internal URLs
        hosts.kill_host(0)                                 # SIGKILL every process group of host 0 at once
        hosts.wait_lb_state(0, "DOWN")                     # until HAProxy's health checks see it
        hosts.restart_host(0)                              # starts it again, waits for it and for HAProxy
    # everything stopped; throwaway databases, exchange and queue removed (in a background thread)

Each process of a host is its own process group (as in scripts/stack.py); `kill_host` SIGKILLs all of them
together, `hosts.host(i)` is the host's `Stack` for finer faults (``hosts.host(i).service("rasa")``).
`make run-hosts` runs this with fixed ports (``python -m scripts.hosts``).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
import uuid
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from scripts import load_balancer
from scripts.lifecycle import Started
from scripts.load_balancer import Backend, LoadBalancerConfig
from scripts.ports import free_port
from scripts.scaling import EventStream, Scaling
from scripts.stack import (
    KB_INDEX_DIR,
    MODEL_PATH,
    ROOT,
    Ports,
    Service,
    Stack,
    StackConfig,
    StackError,
    make_private_dir,
    wait_ready,
)

HOST_NAMES = ("host-a", "host-b", "host-c", "host-d")


@dataclass(frozen=True)
class HostUrls:
    """One host's internal addresses (never public in production)."""

    name: str
    rasa: str
    actions: str
    handoff: str


def host_configs(base: StackConfig, count: int, lb_url: str, ports: Sequence[Ports] | None = None) -> list[StackConfig]:
    """`count` hosts made from `base` (secrets, scaling, model): each with its own ports and data directory under
    ``base.data_dir/<host>``, the handoff services sharing ``base.data_dir/shared``, all trusting the LB's origin."""
    shared_dir = base.data_dir / "shared"
    configs = []
    for index in range(count):
        name = HOST_NAMES[index]
        host_ports = ports[index] if ports else Ports.free()
        data_dir = base.data_dir / name
        own_origins = [f"http://127.0.0.1:{host_ports.handoff}", f"http://localhost:{host_ports.handoff}"]
        extra_env = {
            "RASA_CORS_ORIGINS": ",".join([lb_url, *own_origins]),
            "HANDOFF_PUBLIC_RASA_URL": lb_url,
            "HANDOFF_ALLOWED_ORIGINS": lb_url,
            "HANDOFF_DATA_DIR": str(shared_dir),
            "NIMBUS_HOST_NAME": name,
            **base.extra_env,
        }
        configs.append(
            dataclasses.replace(
                base, ports=host_ports, data_dir=data_dir, log_dir=data_dir / "log", extra_env=extra_env
            )
        )
    return configs


class Hosts(Started):
    """HAProxy and `count` hosts over shared PostgreSQL, Redis and RabbitMQ. A context manager: `start` on enter,
    `stop` on exit (also after a failure)."""

    def __init__(
        self,
        base: StackConfig,
        count: int = 2,
        lb_port: int | None = None,
        host_ports: Sequence[Ports] | None = None,
        throwaway: bool = False,
    ) -> None:
        """`base` gives what the hosts share (secrets, model, `scaling` with its databases and event stream) and the
        root data directory; its ports are not used. `throwaway` drops the databases, exchange and queue at `stop`."""
        if not 1 <= count <= len(HOST_NAMES):
            raise ValueError(f"between 1 and {len(HOST_NAMES)} hosts")
        scaling = dataclasses.replace(base.scaling, shared_stores=True)
        self.base = dataclasses.replace(base, scaling=scaling)
        self.drop_at_stop = throwaway
        # A throwaway set-up's data is dropped anyway, so its processes get little time to finish cleanly.
        self.stop_grace_seconds = 3.0 if throwaway else 10.0
        self.data_dir = base.data_dir
        lb_port = lb_port or free_port()
        lb_url = f"http://127.0.0.1:{lb_port}"
        self.configs = host_configs(self.base, count, lb_url, host_ports)
        self.stacks = [Stack(config) for config in self.configs]
        backends = [Backend(HOST_NAMES[i], c.ports.rasa, c.ports.handoff) for i, c in enumerate(self.configs)]
        self.lb_config = LoadBalancerConfig(backends=backends, port=lb_port, stats_port=free_port())
        self.lb: Service | None = None

    @classmethod
    def throwaway(cls, data_dir: Path, name: str, count: int = 2, workers: int = 1) -> Hosts:
        """Demo-mode hosts for tests and benchmarks: fixed secrets named after `name` (as
        `StackConfig.throwaway`), their own PostgreSQL databases, RabbitMQ exchange and queue, all removed at stop."""
        tag = f"{name}_{uuid.uuid4().hex[:8]}".replace("-", "_")
        scaling = Scaling(
            workers=workers,
            shared_stores=True,
            rasa_database=f"{tag}_rasa",
            handoff_database=f"{tag}_handoff",
        )
        return cls(StackConfig.throwaway(data_dir, name, scaling=scaling), count=count, throwaway=True)

    # -- what callers read -------------------------------------------------------------------------------------

    @property
    def lb_url(self) -> str:
        """The public entry: /webhooks/..., /socket.io/..., the console, the web chat page and /api/v1."""
        return self.lb_config.url

    @property
    def events(self) -> EventStream:
        """Where Rasa publishes tracker events (RabbitMQ URL, exchange, queue)."""
        return self.base.scaling.events

    @property
    def count(self) -> int:
        return len(self.stacks)

    def host(self, index: int) -> Stack:
        """Host `index`'s three processes (its `Stack`)."""
        return self.stacks[index]

    def urls(self, index: int) -> HostUrls:
        config = self.configs[index]
        return HostUrls(HOST_NAMES[index], config.rasa_url, config.actions_url, config.handoff_url)

    def lb_states(self) -> dict[tuple[str, str], str]:
        """HAProxy's view: ``{(backend, host name): "UP" | "DOWN" | ...}``."""
        return load_balancer.server_states(self.lb_config)

    def wait_lb_state(
        self, index: int, state: str, timeout_seconds: float = 30.0, backends: Collection[str] | None = None
    ) -> None:
        """Waits until the load balancer's `backends` (default: all three; "rasa_webhooks", "rasa_socketio",
        "handoff") see host `index` as `state` ("UP" or "DOWN")."""
        name = HOST_NAMES[index]
        deadline = time.monotonic() + timeout_seconds
        while True:
            states = {
                backend: value
                for (backend, server), value in self.lb_states().items()
                if server == name and (backends is None or backend in backends)
            }
            if states and all(value == state for value in states.values()):
                return
            if time.monotonic() > deadline:
                raise StackError(f"load balancer did not see {name} {state} within {timeout_seconds} s: {states}")
            time.sleep(0.2)

    # -- life cycle --------------------------------------------------------------------------------------------

    def start(self, timeout_seconds: float = 300.0) -> None:
        """Starts HAProxy and every host's processes at once, then waits until each answers its readiness URL and
        HAProxy sees every host up."""
        self.base.scaling.ensure_databases()
        make_private_dir(self.data_dir)
        make_private_dir(self.data_dir / "shared")
        config_path = load_balancer.write_config(self.lb_config, self.data_dir / "haproxy.cfg")
        self.lb = Service(
            name="haproxy",
            command=load_balancer.command(config_path),
            env=dict(os.environ),
            ready_url=f"{self.lb_config.stats_url};csv",
            log_path=self.data_dir / "log" / "haproxy.log",
        )
        self.lb.start()
        for stack in self.stacks:
            for service in stack.services:
                service.start()
        deadline = time.monotonic() + timeout_seconds
        with httpx.Client(timeout=2.0) as http:
            wait_ready(self.lb, http, deadline)
            for stack in self.stacks:
                for service in stack.services:
                    wait_ready(service, http, deadline)
        for index in range(self.count):
            self.wait_lb_state(index, "UP")

    def kill_host(self, index: int) -> None:
        """SIGKILLs every process group of host `index` at once (a machine that dies); nothing is cleaned up."""
        processes = [service.process for service in self.stacks[index].services if service.process is not None]
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        for process in processes:
            process.wait(timeout=10)

    def restart_host(self, index: int, timeout_seconds: float = 240.0) -> None:
        """Starts host `index` again (after `kill_host` or a partial failure) and waits until it is ready and HAProxy
        routes to it."""
        stack = self.stacks[index]
        for service in stack.services:
            service.stop()
            service.start()
        deadline = time.monotonic() + timeout_seconds
        with httpx.Client(timeout=2.0) as http:
            for service in stack.services:
                wait_ready(service, http, deadline)
        self.wait_lb_state(index, "UP", timeout_seconds=max(5.0, deadline - time.monotonic()))

    def check_alive(self) -> None:
        """Raises if a process (of any host, or HAProxy) has stopped on its own."""
        for stack in self.stacks:
            stack.check_alive()
        if self.lb is not None and self.lb.exited() is not None:
            raise StackError(f"haproxy exited; log tail:\n{self.lb.log_tail()}")

    def stop(self) -> None:
        """Stops the hosts, then HAProxy; a throwaway set-up also drops its databases, exchange and queue."""
        # Every process at once: each may take its grace period to stop, and the whole set-up goes down anyway.
        services = [service for stack in self.stacks for service in stack.services]
        with ThreadPoolExecutor(max_workers=len(services)) as pool:
            list(pool.map(lambda service: service.stop(grace_seconds=self.stop_grace_seconds), services))
        if self.lb is not None:
            self.lb.stop()
        if self.drop_at_stop:
            # DROP DATABASE waits for a checkpoint (seconds per database on a busy machine): let the caller go on
            # meanwhile; the interpreter still waits for this thread before it exits.
            threading.Thread(target=self.base.scaling.drop_databases, name="drop-throwaway-databases").start()


# -- `make run-hosts` ----------------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Two hosts behind HAProxy on this machine (`make run-hosts`).")
    parser.add_argument("--hosts", type=int, default=int(os.environ.get("HOSTS", "2")))
    parser.add_argument("--lb-port", type=int, default=int(os.environ.get("NIMBUS_LB_PORT", "8000")))
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "hosts")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("NIMBUS_WORKERS", "1")))
    parser.add_argument("--postgres-url", default=os.environ.get("NIMBUS_POSTGRES_URL", Scaling.postgres_url))
    parser.add_argument("--redis-url", default=os.environ.get("NIMBUS_REDIS_URL", Scaling.redis_url))
    parser.add_argument("--amqp-url", default=os.environ.get("NIMBUS_AMQP_URL", Scaling.amqp_url))
    return parser.parse_args(argv)


def fixed_ports(count: int) -> list[Ports]:
    """host-a on 5105/5155/8180, host-b on 5205/5255/8280, ...: the single-host defaults plus 100 per host."""
    return [Ports(rasa=5005 + 100 * n, actions=5055 + 100 * n, handoff=8080 + 100 * n) for n in range(1, count + 1)]


def main(argv: list[str] | None = None) -> int:
    from handoff.secrets_store import load_or_create_secret
    from scripts.run import DEMO_WARNING, LauncherSettings, interrupt, load_internal_secrets, serve

    args = parse_args(sys.argv[1:] if argv is None else argv)
    settings = LauncherSettings.from_env()
    data_dir: Path = args.data_dir.resolve()
    make_private_dir(data_dir)
    if not MODEL_PATH.exists():
        print(f"No Rasa model at {MODEL_PATH}: run `make train`.", file=sys.stderr)
        return 2
    base = StackConfig(
        ports=Ports(),
        data_dir=data_dir,
        log_dir=data_dir / "log",
        model_path=MODEL_PATH,
        kb_index_dir=KB_INDEX_DIR,
        rasa_api_token=load_or_create_secret(settings.rasa_api_token, data_dir / "rasa_api_token").value,
        handoff_service_key=load_or_create_secret(settings.handoff_service_key, data_dir / "handoff_service_key").value,
        handoff_admin_token=load_or_create_secret(settings.handoff_admin_token, data_dir / "handoff_admin_token").value,
        internal=load_internal_secrets(data_dir, settings.internal),
        demo=settings.demo,
        scaling=Scaling(
            workers=args.workers,
            shared_stores=True,
            postgres_url=args.postgres_url,
            redis_url=args.redis_url,
            amqp_url=args.amqp_url,
        ),
    )
    hosts = Hosts(base, count=args.hosts, lb_port=args.lb_port, host_ports=fixed_ports(args.hosts))
    signal.signal(signal.SIGTERM, interrupt)
    if settings.demo:
        print(DEMO_WARNING, flush=True)
    print(f"Starting HAProxy and {args.hosts} hosts (Rasa takes ~30-60 s)...", flush=True)
    return serve(hosts, lambda: print_banner(hosts, data_dir), "Stopped every host and the load balancer.")


def print_banner(hosts: Hosts, data_dir: Path) -> None:
    lines = [
        "",
        f"  Load balancer (HAProxy)  {hosts.lb_url}   webhooks, web chat (socket.io), console, /api/v1",
        f"  Web chat                 {hosts.lb_url}/chat",
        f"  Agent console            {hosts.lb_url}/console",
        f"  HAProxy statistics       {hosts.lb_config.stats_url}",
    ]
    for index in range(hosts.count):
        urls = hosts.urls(index)
        lines.append(f"  {urls.name:<24} rasa {urls.rasa}  actions {urls.actions}  handoff {urls.handoff}")
    lines += [
        f"  Tracker events           RabbitMQ exchange {hosts.events.exchange!r}, queue {hosts.events.queue!r}"
        " (read them with `python -m eventlog consume`)",
        f"  Data and logs            {data_dir}",
        "  Ctrl-C stops everything.",
        "",
    ]
    print("\n".join(lines), flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
