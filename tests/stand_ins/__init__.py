"""Local HTTP servers standing in for vendor APIs at the network edge (started by the tests, real HTTP)."""
