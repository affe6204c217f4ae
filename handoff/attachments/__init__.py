"""Customers' and agents' files (images, PDFs): checked by content, stored on disk, linked to transcript messages."""
