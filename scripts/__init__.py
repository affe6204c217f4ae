"""Developer tooling: environment bootstrap and the launcher behind `make run` (also used by end-to-end tests)."""
