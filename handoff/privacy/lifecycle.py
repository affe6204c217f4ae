"""Starting and stopping the privacy features in the app's lifespan, saying at start what was installed."""

from __future__ import annotations

import sys
from collections.abc import Callable

import httpx

from handoff.privacy.directory import directory_for
from handoff.privacy.logs import install_log_redaction
from handoff.privacy.retention import PrivacyWorker
from handoff.privacy.runtime import PrivacyRuntime, build_runtime
from handoff.services.context import ServiceContext


def start(
    ctx: ServiceContext, transport: httpx.BaseTransport | None = None
) -> tuple[PrivacyRuntime, Callable[[], None]]:
    """Build the runtime, scrub personal data from log lines, start the retention/erasure worker."""
    settings = ctx.settings
    directory = settings.customer_directory_path
    if settings.customers_file is not None and not settings.customers_file.is_file():
        raise RuntimeError(f"HANDOFF_CUSTOMERS_FILE {settings.customers_file} does not exist")
    directory_for(directory).lookup("")  # parse now, so a malformed file stops the start with its message
    runtime, close = build_runtime(settings, transport)
    installed = install_log_redaction(runtime.pseudonym)
    # A start-up line on stderr like the service's others: INFO records of the service's loggers have no handler.
    print(
        f"handoff: privacy: erasure reaches {', '.join(['handoff_db', *runtime.stores])}; "
        f"not configured: {', '.join(runtime.not_configured) or 'none'}; "
        f"log redaction on {', '.join(installed)}; "
        f"retention {f'{settings.retention_days} days' if settings.retention_days else 'off'}; "
        f"stored text redaction {'on' if settings.redaction_on else 'off'}; "
        f"customer directory {directory or 'none (nobody is a VIP)'}",
        file=sys.stderr,
        flush=True,
    )
    worker = PrivacyWorker(ctx, runtime, settings.retention_check_seconds) if settings.retention_check_seconds else None
    if worker is not None:
        worker.start()

    def stop() -> None:
        if worker is not None:
            worker.stop()
        close()

    return runtime, stop
