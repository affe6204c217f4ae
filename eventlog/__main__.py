"""`python -m eventlog consume|summary`: the event-log consumer and a summary of what it stored."""

from __future__ import annotations

import argparse
import os
import sys

from eventlog.consumer import Source, consume
from eventlog.store import EventStore


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m eventlog", description=__doc__)
    parser.add_argument("command", choices=["consume", "summary"])
    parser.add_argument(
        "--database-url", default=os.environ.get("EVENTLOG_DATABASE_URL", "sqlite:///var/eventlog.sqlite3")
    )
    parser.add_argument("--amqp-url", default=os.environ.get("NIMBUS_AMQP_URL", Source.amqp_url))
    parser.add_argument("--exchange", default=os.environ.get("EVENTLOG_EXCHANGE", Source.exchange))
    parser.add_argument("--queue", default=os.environ.get("EVENTLOG_QUEUE", Source.queue))
    parser.add_argument("--idle-seconds", type=float, default=None, help="stop after this long without an event")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    store = EventStore(args.database_url)
    try:
        if args.command == "consume":
            source = Source(amqp_url=args.amqp_url, exchange=args.exchange, queue=args.queue)
            print(f"eventlog: reading queue {source.queue!r} into the event store; Ctrl-C stops", flush=True)
            try:
                stored = consume(source, store, idle_seconds=args.idle_seconds)
            except KeyboardInterrupt:
                return 0
            print(f"eventlog: stored {stored} events")
        else:
            for (event, name), count in sorted(store.counts().items(), key=lambda item: -item[1]):
                print(f"{count:>8}  {event:<12} {name or ''}")
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
