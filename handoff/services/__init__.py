"""The handoff service's use cases: what the API routes and background workers ask for (create, claim, reply,
transfer, close, manage, report), each over a database session. Pure rules live in ``handoff.domain``, the ties to
Rasa, Redis, Prometheus, threads and files in ``handoff.adapters``."""
