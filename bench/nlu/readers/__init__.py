"""One reader per public dataset; each returns a `Benchmark`."""
