"""Write a zip package: parts copied from another zip as their compressed bytes, new parts deflated.

``zipfile`` reads packages well but cannot copy an entry without inflating and deflating it again;
this writer copies the local entry's compressed data as it is (same CRC, sizes, method), so a part
the batch does not change comes out byte-identical and costs only a copy. New parts are deflated
as they are written, without holding them in memory. No zip64: the safety checks bound an input to
1 GiB inflated and 10,000 parts, far below the classic format's limits (checked anyway).
"""

from __future__ import annotations

import queue
import struct
import tempfile
import threading
import zipfile
import zlib
from dataclasses import dataclass
from typing import BinaryIO

_LOCAL = struct.Struct("<4s5H3L2H")
_CENTRAL = struct.Struct("<4s6H3L5H2L")
_END = struct.Struct("<4s4H2LH")
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_UTF8 = 0x800
_DESCRIPTOR = 0x08
_LIMIT = 0xFFFFFFFF
#: DOS time of new parts: 1980-01-01 00:00, so that the same run gives the same bytes.
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1
#: Deflate level of new parts: 1 is 3-4x faster than 6 and the sheet grows by about a third.
LEVEL = 1


class ZipWriteError(OSError):
    """The package cannot be written in the classic zip format (a part over 4 GiB)."""


@dataclass
class _Entry:
    name: bytes
    flags: int
    method: int
    time: int
    date: int
    crc: int
    compressed: int
    size: int
    offset: int
    external: int

    def described(self) -> tuple[int, ...]:
        """The fields the local header and the central directory both give, in their order:
        flags, method, time, date, CRC, sizes, name length."""
        return (
            self.flags,
            self.method,
            self.time,
            self.date,
            self.crc,
            self.compressed,
            self.size,
            len(self.name),
        )


class ZipOut:
    """A zip file being written to ``handle`` (a file opened ``wb``)."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.entries: list[_Entry] = []
        self.names: set[str] = set()

    def copy(self, raw: BinaryIO, info: zipfile.ZipInfo) -> None:
        """Copy one entry, described by ``info`` from ``zipfile``, out of the source file ``raw``
        (opened ``rb``) as its compressed bytes."""
        if info.flag_bits & 0x1:
            raise zipfile.BadZipFile(f"part {info.filename} is encrypted")
        raw.seek(info.header_offset)
        header = raw.read(_LOCAL.size)
        if len(header) != _LOCAL.size or header[:4] != _LOCAL_SIG:
            raise zipfile.BadZipFile(f"bad local header for part {info.filename}")
        fields = _LOCAL.unpack(header)
        raw.seek(info.header_offset + _LOCAL.size + fields[9] + fields[10])
        name, utf8 = _encoded(info)
        entry = self._begin(name, info, (info.flag_bits & ~_DESCRIPTOR) | utf8)
        entry.crc, entry.compressed, entry.size = info.CRC, info.compress_size, info.file_size
        self._local_header(entry)
        remaining = info.compress_size
        while remaining:
            block = raw.read(min(remaining, 1 << 20))
            if not block:
                raise zipfile.BadZipFile(f"part {info.filename} is truncated")
            self.handle.write(block)
            remaining -= len(block)

    def write(self, name: str, data: bytes) -> None:
        """A new part from bytes."""
        with self.open(name) as part:
            part.write(data)

    def open_late(self, name: str) -> LatePartWriter:
        """A new part whose beginning is given last (``LatePartWriter.finish``)."""
        return LatePartWriter(self, name)

    def open(self, name: str) -> PartWriter:
        """A new part written in pieces: ``with out.open(name) as part: part.write(...)``."""
        encoded = name.encode("utf-8")
        flags = _UTF8 if not name.isascii() else 0
        entry = self._begin(encoded, None, flags)
        self._local_header(entry)
        return PartWriter(self, entry)

    def _begin(self, name: bytes, info: zipfile.ZipInfo | None, flags: int) -> _Entry:
        text = name.decode("utf-8", errors="replace")
        if text in self.names:
            raise ValueError(f"part {text} written twice")
        self.names.add(text)
        offset = self.handle.tell()
        if offset > _LIMIT:
            raise ZipWriteError("the output would exceed 4 GiB")
        if info is None:
            return _Entry(
                name, flags, zipfile.ZIP_DEFLATED, _DOS_TIME, _DOS_DATE, 0, 0, 0, offset, 0
            )
        year, month, day, hour, minute, second = info.date_time
        dos_date = (max(year - 1980, 0) << 9) | (month << 5) | day
        dos_time = (hour << 11) | (minute << 5) | (second // 2)
        return _Entry(
            name, flags, info.compress_type, dos_time, dos_date, 0, 0, 0, offset, info.external_attr
        )

    def _local_header(self, entry: _Entry) -> None:
        self.handle.write(_LOCAL.pack(_LOCAL_SIG, 20, *entry.described(), 0) + entry.name)
        self.entries.append(entry)

    def _finish(self, entry: _Entry) -> None:
        """Write the sizes and CRC into the entry's local header (the file is seekable)."""
        if entry.compressed > _LIMIT or entry.size > _LIMIT:
            raise ZipWriteError(f"part {entry.name.decode()} would exceed 4 GiB")
        end = self.handle.tell()
        self.handle.seek(entry.offset + 14)
        self.handle.write(struct.pack("<3L", entry.crc, entry.compressed, entry.size))
        self.handle.seek(end)

    def close(self) -> None:
        """Write the central directory."""
        start = self.handle.tell()
        for entry in self.entries:
            self.handle.write(
                _CENTRAL.pack(
                    _CENTRAL_SIG,
                    20,
                    20,
                    *entry.described(),
                    0,
                    0,
                    0,
                    0,
                    entry.external,
                    entry.offset,
                )
                + entry.name
            )
        size = self.handle.tell() - start
        if start > _LIMIT or len(self.entries) > 0xFFFF:
            raise ZipWriteError("the output would exceed the zip format's limits")
        count = len(self.entries)
        self.handle.write(_END.pack(_END_SIG, 0, 0, count, count, size, start, 0))


class LatePartWriter:
    """A new part whose beginning is known only after the rest (the claims sheet: its column
    widths fit what was written). The rest is deflated into a temporary file as it comes; at the
    end the beginning is deflated and flushed to a byte boundary, and the two deflate streams are
    concatenated in the zip (a valid stream: the second never refers back into the first), with
    the CRC of the whole from ``crc32_combine``."""

    def __init__(self, zip_out: ZipOut, name: str):
        self.zip_out = zip_out
        self.name = name
        self.spool = tempfile.TemporaryFile(prefix="xl-claims-part-")  # noqa: SIM115 (see close)
        self.compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        self.crc = 0
        self.size = 0
        # zlib lets other threads run while it deflates: one thread deflates while the caller
        # builds the next rows (a second core's worth, on a machine that has one).
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self.failure: BaseException | None = None
        self.worker = threading.Thread(target=self._deflate, name="xl-claims-deflate", daemon=True)
        self.worker.start()

    def _deflate(self) -> None:
        while (data := self.queue.get()) is not None:
            if self.failure is not None:
                continue
            try:
                self.crc = zlib.crc32(data, self.crc)
                self.spool.write(self.compressor.compress(data))
            except BaseException as exc:  # raised again in the caller's thread
                self.failure = exc

    def write(self, data: bytes) -> None:
        if self.failure is not None:
            raise self.failure
        self.size += len(data)
        self.queue.put(data)

    def close(self) -> None:
        """Stop the deflating thread (the part is abandoned unless ``finish`` ran)."""
        if self.worker.is_alive():
            self.queue.put(None)
            self.worker.join()
        self.spool.close()

    def finish(self, head: bytes) -> None:
        """Write the part: ``head`` followed by everything written so far."""
        self.queue.put(None)
        self.worker.join()
        if self.failure is not None:
            raise self.failure
        self.spool.write(self.compressor.flush())
        first = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
        with self.zip_out.open(self.name) as part:
            part.raw(start, zlib.crc32(head), len(head))
            self.spool.seek(0)
            while block := self.spool.read(1 << 20):
                part.raw(block, None, 0)
            part.combine(self.crc, self.size)
        self.spool.close()


class PartWriter:
    """One new part being deflated into the zip."""

    def __init__(self, zip_out: ZipOut, entry: _Entry):
        self.zip_out = zip_out
        self.entry = entry
        self.compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -15)
        self.crc = 0
        self.size = 0
        self.compressed = 0

    def write(self, data: bytes) -> None:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        out = self.compressor.compress(data)
        if out:
            self.compressed += len(out)
            self.zip_out.handle.write(out)

    def raw(self, compressed: bytes, crc: int | None, size: int) -> None:
        """Already deflated bytes (see ``LatePartWriter``); ``crc`` of what they inflate to."""
        self.zip_out.handle.write(compressed)
        self.compressed += len(compressed)
        if crc is not None:
            self.crc, self.size = crc, size
        self._raw = True

    def combine(self, crc: int, size: int) -> None:
        """The CRC and size of the part once more data of ``crc``/``size`` follows."""
        self.crc = crc32_combine(self.crc, crc, size)
        self.size += size

    def close(self) -> None:
        if getattr(self, "_raw", False):
            self.entry.crc, self.entry.size, self.entry.compressed = (
                self.crc,
                self.size,
                self.compressed,
            )
            self.zip_out._finish(self.entry)
            return
        out = self.compressor.flush()
        self.compressed += len(out)
        self.zip_out.handle.write(out)
        self.entry.crc, self.entry.size, self.entry.compressed = (
            self.crc,
            self.size,
            self.compressed,
        )
        self.zip_out._finish(self.entry)

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC-32 of A+B from the CRCs of A and B and the length of B (zlib's crc32_combine, which
    Python's zlib does not offer before 3.13)."""
    if length2 <= 0:
        return crc1
    operator = [0xEDB88320] + [1 << n for n in range(31)]  # the operator for one zero bit
    for _ in range(3):  # 2, 4, then 8 zero bits: one zero byte
        operator = _gf2_square(operator)
    while length2:  # one zero byte, then 2, 4, 8... bytes: the bits of length2
        if length2 & 1:
            crc1 = _gf2_times(operator, crc1)
        length2 >>= 1
        operator = _gf2_square(operator)
    return crc1 ^ crc2


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, index = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[index]
        vector >>= 1
        index += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, matrix[n]) for n in range(32)]


def _encoded(info: zipfile.ZipInfo) -> tuple[bytes, int]:
    """The entry name as the source stored it (UTF-8 flag or the legacy code page), and the flag."""
    if not info.flag_bits & _UTF8:
        try:
            return info.filename.encode("cp437"), 0
        except UnicodeEncodeError:
            pass
    return info.filename.encode("utf-8"), _UTF8
