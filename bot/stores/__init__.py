"""Tracker stores of the Rasa server (Python 3.10, runs inside Rasa)."""
