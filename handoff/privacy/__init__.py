"""Privacy of customer data: pseudonyms, export and erasure across every store, retention, the customer directory."""
