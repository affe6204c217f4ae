"""Attachment bytes on disk under the service's data directory: random names, owner-only files."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

from handoff.attachments.sniff import HEAD_BYTES, FileType, detect


class AttachmentRefused(Exception):
    """A file that is not stored: ``reason`` is ``too_large`` or ``type``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class AttachmentStore:
    """Writes, opens and deletes files named by a random key (never by anything a user sent)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """Where the file of ``key`` lives; keys are hex, so no path can escape the root."""
        if not key or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("invalid storage key")
        return self.root / key

    async def write(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int, FileType]:
        """Stream ``chunks`` to a new file, refusing above ``max_bytes`` or an unknown type; returns key, size, type."""
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_hex(16)
        target = self.path(key)
        size = 0
        head = b""
        file_type: FileType | None = None
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise AttachmentRefused("too_large", f"the file is larger than {max_bytes} bytes")
                    if file_type is None:
                        head += chunk[: HEAD_BYTES - len(head)]
                        if len(head) >= HEAD_BYTES:
                            file_type = _checked(head)
                    out.write(chunk)
            if file_type is None:
                file_type = _checked(head)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return key, size, file_type

    def read(self, key: str) -> bytes:
        """The stored bytes of ``key``."""
        return self.path(key).read_bytes()

    def delete(self, key: str) -> None:
        """Remove the file of ``key`` (already gone is fine)."""
        self.path(key).unlink(missing_ok=True)


def _checked(head: bytes) -> FileType:
    file_type = detect(head)
    if file_type is None:
        raise AttachmentRefused("type", "only JPEG, PNG, GIF, WebP images and PDF documents are accepted")
    return file_type
