"""The streamed sheets' write buffer: pieces joined, about a megabyte a write, nothing lost."""

from __future__ import annotations

from xl_claims.workbook.buffered import FLUSH_BYTES, BufferedWrites


def test_pieces_are_written_joined_once_past_a_megabyte_and_the_rest_on_flush():
    writes: list[bytes] = []
    out = BufferedWrites(writes.append)
    piece = b"x" * (600 * 1024)
    out.add(piece)
    assert writes == []  # 600 KiB: kept
    out.add(piece)  # 1,200 KiB: past FLUSH_BYTES (1 MiB)
    assert [len(w) for w in writes] == [1200 * 1024] and FLUSH_BYTES == 1024 * 1024
    out.add(b"<end/>")
    out.flush()
    out.flush()  # nothing pending: no empty write
    assert writes[1:] == [b"<end/>"]
    assert b"".join(writes) == piece * 2 + b"<end/>"
