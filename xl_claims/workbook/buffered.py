"""Bytes gathered into writes of about a megabyte: streamed sheets are many small pieces, and a
deflate call per piece would cost more than the pieces."""

from __future__ import annotations

from collections.abc import Callable

#: Gathered bytes are written once they pass this size.
FLUSH_BYTES = 1 << 20


class BufferedWrites:
    """``add`` small pieces; ``write`` gets them joined, about ``FLUSH_BYTES`` at a time."""

    def __init__(self, write: Callable[[bytes], None]):
        self.write = write
        self.pending: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> None:
        self.pending.append(data)
        self.size += len(data)
        if self.size > FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.write(b"".join(self.pending))
            self.pending, self.size = [], 0


__all__ = ["FLUSH_BYTES", "BufferedWrites"]
