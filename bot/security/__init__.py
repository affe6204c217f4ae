"""What the Rasa server's edge enforces: who may send as whom, how much, and what customer text may do."""
