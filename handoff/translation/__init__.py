"""Machine translation between agents and customers: one provider interface, an adapter per vendor, a cache and
the fail-soft service the API uses."""
