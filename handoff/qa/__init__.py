"""Automatic quality review of closed handoffs: pure checks over a conversation, rules per queue, a background
reviewer that catches up after downtime, and the supervisors' confirm/dismiss decisions."""
