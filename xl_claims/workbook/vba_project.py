"""Replace a VBA module's code inside a workbook's ``vbaProject.bin``, keeping everything else.

The xlwings template is built from xlwings' standalone quickstart workbook, whose VBA project
carries xlwings' own module (needed) and a sample ``Module1.SampleCall`` (not for a shop). The
project is an OLE compound file; each module's stream is an optional compiled cache followed by
the module's source, compressed as MS-OVBA 2.4.1 describes. The quickstart's project is saved
with ``_VBA_PROJECT`` version 0xFFFF, so Office ignores every compiled cache and compiles from
the source: replacing the compressed source is enough. ``olefile`` rewrites a stream only at its
own size, so the new source is padded with a comment to compress to exactly the old length.
"""

from __future__ import annotations

import hashlib
import io
import struct

import olefile

from xl_claims.core.errors import UsageError

CHUNK = 4096
_SIGNATURE = 0x01
_MODULE_NAME, _STREAM_NAME, _MODULE_OFFSET = 0x0019, 0x001A, 0x0031


def compress(data: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.7: a CompressedContainer holding ``data``."""
    out = bytearray([_SIGNATURE])
    for start in range(0, len(data), CHUNK):
        out += _compress_chunk(data[start : start + CHUNK])
    return bytes(out)


def _compress_chunk(chunk: bytes) -> bytes:
    body = bytearray()
    seen: dict[bytes, list[int]] = {}  # 3 bytes → where they start, for the copy search
    position = 0
    while position < len(chunk):
        flags, tokens = 0, bytearray()
        for bit in range(8):
            if position >= len(chunk):
                break
            offset, length = _longest_match(chunk, position, seen)
            step = length if length >= 3 else 1
            for start in range(position, position + step):
                seen.setdefault(chunk[start : start + 3], []).append(start)
            if length >= 3:
                bit_count = max((position - 1).bit_length(), 4)
                tokens += struct.pack("<H", ((offset - 1) << (16 - bit_count)) | (length - 3))
                flags |= 1 << bit
            else:
                tokens.append(chunk[position])
            position += step
        body.append(flags)
        body += tokens
    if len(body) > CHUNK:  # incompressible: a raw chunk, which holds exactly 4096 bytes
        if len(chunk) < CHUNK:
            raise ValueError("a short chunk that does not compress cannot be stored")
        return struct.pack("<H", 0x3000 | (CHUNK - 1)) + chunk
    return struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + bytes(body)


def _longest_match(chunk: bytes, position: int, seen: dict[bytes, list[int]]) -> tuple[int, int]:
    """The longest earlier copy of the bytes at ``position`` (offset back, length)."""
    if position == 0:
        return 0, 0
    bit_count = max((position - 1).bit_length(), 4)
    maximum = min((0xFFFF >> bit_count) + 3, len(chunk) - position)
    best_offset, best_length = 0, 0
    for candidate in reversed(seen.get(chunk[position : position + 3], ())):
        length = 0
        while length < maximum and chunk[candidate + length] == chunk[position + length]:
            length += 1
        if length > best_length:
            best_offset, best_length = position - candidate, length
    return best_offset, best_length


def decompress(container: bytes) -> bytes:
    """MS-OVBA 2.4.1.3.1: the data in a CompressedContainer."""
    if not container or container[0] != _SIGNATURE:
        raise ValueError("not an MS-OVBA compressed container")
    out = bytearray()
    position = 1
    while position < len(container):
        header = struct.unpack_from("<H", container, position)[0]
        size, compressed = (header & 0x0FFF) + 3, bool(header & 0x8000)
        end, position, start = position + size, position + 2, len(out)
        if not compressed:
            out += container[position : position + CHUNK]
            position += CHUNK
            continue
        while position < end:
            flags = container[position]
            position += 1
            for bit in range(8):
                if position >= end:
                    break
                if not flags & (1 << bit):
                    out.append(container[position])
                    position += 1
                    continue
                token = struct.unpack_from("<H", container, position)[0]
                position += 2
                bit_count = max((len(out) - start - 1).bit_length(), 4)
                length = (token & (0xFFFF >> bit_count)) + 3
                offset = (token >> (16 - bit_count)) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def module_offsets(project: olefile.OleFileIO) -> dict[str, tuple[str, int]]:
    """Module name → (stream name, where its compressed source starts), from the dir stream."""
    data = decompress(project.openstream("VBA/dir").read())
    found: dict[str, tuple[str, int]] = {}
    position, name, stream = 0, "", ""
    while position + 6 <= len(data):
        record, size = struct.unpack_from("<HI", data, position)
        if record == 0x0009:  # PROJECTVERSION: its Size field is reserved, the body is 6 bytes
            size = 6
        body = data[position + 6 : position + 6 + size]
        position += 6 + size
        if record == _MODULE_NAME:
            name = body.decode("latin-1")
        elif record == _STREAM_NAME:
            stream = body.decode("latin-1")
        elif record == _MODULE_OFFSET:
            found[name] = (stream, struct.unpack("<I", body)[0])
    return found


def replace_module_source(vba_bin: bytes, module: str, source: str) -> bytes:
    """``vba_bin`` with ``module``'s code replaced by ``source`` (plus a padding comment)."""
    project = olefile.OleFileIO(io.BytesIO(vba_bin), write_mode=True)
    version = project.openstream("VBA/_VBA_PROJECT").read()[2:4]
    if version != b"\xff\xff":
        raise UsageError("the VBA project carries compiled code for one Office version only")
    offsets = module_offsets(project)
    if module not in offsets:
        raise UsageError(f"the VBA project has no module {module!r}")
    stream, offset = offsets[module]
    old = project.openstream(f"VBA/{stream}").read()
    removed = decompress(old[offset:])
    project.write_stream(
        f"VBA/{stream}", old[:offset] + _padded(source, len(old) - offset, removed)
    )
    project.fp.seek(0)
    return project.fp.read()


def _padded(source: str, size: int, removed: bytes) -> bytes:
    """``source`` and a comment naming what was removed, compressed to exactly ``size`` bytes.

    The comment gives the SHA-256 of the removed source (chained, for as many digits as needed):
    hexadecimal digits hardly compress, so each one adds about a byte. A flag byte every eight
    tokens can make the size jump over the target, so lines of other widths (whose line breaks
    compress to copies of the first one) and trailing spaces are tried too.
    """
    base = (source.rstrip("\r\n") + "\r\n").encode("latin-1")
    digests: list[bytes] = []
    digest = removed
    while len(digests) * 64 < 2 * size:
        digest = hashlib.sha256(digest).hexdigest().encode("ascii")
        digests.append(digest)
    digits = b"".join(digests)
    for width in (64, 32, 16):
        for length in range(len(digits) + 1):
            shown = digits[:length]
            lines = [shown[i : i + width] for i in range(0, length, width)] or [b""]
            note = b"' SHA-256 of the code removed: " + b"\r\n' ".join(lines)
            for spaces in range(4):
                packed = compress(base + note + b" " * spaces + b"\r\n")
                if len(packed) == size:
                    return packed
    raise UsageError(f"the new module source does not fit the module's {size} bytes")
