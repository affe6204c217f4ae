"""Rules of the handoff domain as pure functions: no database, no network, no clock of their own."""
