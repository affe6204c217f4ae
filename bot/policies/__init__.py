"""Custom Rasa policies (run inside the Rasa server, Python 3.10)."""
