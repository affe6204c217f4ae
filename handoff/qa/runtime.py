"""Starting the quality review in the app's lifespan: load the rules (a bad file stops the start with its
message), then the background reviewer when ``HANDOFF_QA_INTERVAL_SECONDS`` is above 0."""

from __future__ import annotations

import sys
from collections.abc import Callable

from handoff.errors import InvalidInputError, StartupRefusedError
from handoff.qa.language import ProjectDetector
from handoff.qa.rules import QaRules, load_rules
from handoff.qa.worker import QaWorker, Reviewer
from handoff.services.context import ServiceContext


def build_reviewer(ctx: ServiceContext) -> Reviewer:
    """The reviewer of this process, with the configured rules and the project's language detector."""
    settings = ctx.settings
    try:
        rules: QaRules = load_rules(settings.qa_rules_path, required=settings.qa_rules_file is not None)
    except InvalidInputError as e:
        raise StartupRefusedError(f"quality review rules: {e}") from e
    return Reviewer(ctx.sessions, rules, ProjectDetector(), ctx.clock, batch_size=settings.qa_batch_size)


def start(ctx: ServiceContext) -> tuple[Reviewer, Callable[[], None]]:
    """Build the reviewer and start its worker; the callback stops it."""
    reviewer = build_reviewer(ctx)
    interval = ctx.settings.qa_interval_seconds
    worker = QaWorker(reviewer, interval) if interval > 0 else None
    print(
        f"handoff: quality review rules {ctx.settings.qa_rules_path} (version {reviewer.rules.version}); "
        f"{f'reviewing closed handoffs every {interval:g} s' if worker else 'background review off'}",
        file=sys.stderr,
        flush=True,
    )
    if worker is not None:
        worker.start()

    def stop() -> None:
        if worker is not None:
            worker.stop()

    return reviewer, stop
