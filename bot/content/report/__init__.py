"""The per-language quality report: held-out split, training, metrics, coverage, rendering."""
