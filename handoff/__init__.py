"""Handoff service: queues, routing, agents and a durable store for human handoffs."""
