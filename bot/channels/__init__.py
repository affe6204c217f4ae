"""Rasa input/output channels of the assistant (run inside the Rasa server, Python 3.10)."""
