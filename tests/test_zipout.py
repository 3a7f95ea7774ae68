"""The package writer's zip bookkeeping: the CRC of two joined deflate streams."""

from __future__ import annotations

import random
import zlib

import pytest

from xl_claims.workbook.zipout import crc32_combine


@pytest.mark.parametrize(("first", "second"), [(0, 5), (5, 0), (1, 1), (100, 3000), (70000, 12345)])
def test_crc32_combine_is_the_crc_of_the_joined_bytes(first, second):
    rng = random.Random(first * 7 + second)
    a, b = rng.randbytes(first), rng.randbytes(second)
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)
