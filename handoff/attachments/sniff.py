"""What a file is, decided by its first bytes (magic numbers), never by its name or a declared MIME type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    """An allowed file type: the Content-Type it is served with, its extension and how the console shows it."""

    mime_type: str
    extension: str
    kind: str  # "image" (shown inline) or "file" (a download link)


JPEG = FileType("image/jpeg", "jpg", "image")
PNG = FileType("image/png", "png", "image")
GIF = FileType("image/gif", "gif", "image")
WEBP = FileType("image/webp", "webp", "image")
PDF = FileType("application/pdf", "pdf", "file")

ALLOWED = (JPEG, PNG, GIF, WEBP, PDF)
# Enough leading bytes to recognise every allowed type.
HEAD_BYTES = 12


def detect(head: bytes) -> FileType | None:
    """The allowed type whose signature ``head`` starts with, or None (refused)."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    return None
