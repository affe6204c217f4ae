"""The handoff service's ties to the outside: Rasa over HTTP (the delivery outbox), Redis, Prometheus, background
threads, the YAML configuration and the knowledge-base index on disk. Use cases in ``handoff.services`` call these."""
