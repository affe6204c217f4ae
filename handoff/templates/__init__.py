"""Approved WhatsApp message templates: the only messages WhatsApp accepts after its 24-hour window."""
