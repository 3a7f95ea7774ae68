"""A compact map from 64-bit digests to 64-bit numbers, for one entry per claim line of a run.

A Python dict of a million ``(str, str)`` keys holds about 240 bytes a line and a dict of ints
about 110; this open-addressing table over two ``array('Q')`` holds 16 bytes a slot (32 at its
fullest load), so the duplicate check of a 1,000,000-line run stays near 32 MB.
"""

from __future__ import annotations

from array import array

_MASK64 = (1 << 64) - 1


def digest(key: object) -> int:
    """A 64-bit digest of a hashable key, never 0 (0 marks an empty slot). Python's keyed
    SipHash: two different keys of one run collide with probability about n²/2⁶⁵ (3·10⁻⁸ for a
    million lines); the digest is not stable across runs."""
    return (hash(key) & _MASK64) or 1


class DigestMap:
    """``digest → value`` (both below 2⁶⁴); no deletion."""

    def __init__(self, capacity: int = 1 << 12):
        size = 1 << max(capacity - 1, 1).bit_length()
        self._keys = array("Q", bytes(8 * size))
        self._values = array("Q", bytes(8 * size))
        self._mask = size - 1
        self._count = 0

    def setdefault(self, key: int, value: int) -> int:
        """The value stored for ``key``, storing ``value`` first when there is none."""
        keys, mask = self._keys, self._mask
        slot = key & mask
        while True:
            found = keys[slot]
            if found == key:
                return self._values[slot]
            if found == 0:
                keys[slot] = key
                self._values[slot] = value
                self._count += 1
                if self._count * 2 > mask:
                    self._grow()
                return value
            slot = (slot + 1) & mask

    def put(self, key: int, value: int) -> None:
        """Store ``value`` for ``key``, replacing what was there."""
        keys, mask = self._keys, self._mask
        slot = key & mask
        while keys[slot] and keys[slot] != key:
            slot = (slot + 1) & mask
        if keys[slot] == key:
            self._values[slot] = value
        else:
            self.setdefault(key, value)

    def _grow(self) -> None:
        old_keys, old_values = self._keys, self._values
        size = (self._mask + 1) * 2
        keys, values = array("Q", bytes(8 * size)), array("Q", bytes(8 * size))
        mask = size - 1
        for key, value in zip(old_keys, old_values, strict=True):
            if key:
                slot = key & mask
                while keys[slot]:
                    slot = (slot + 1) & mask
                keys[slot], values[slot] = key, value
        self._keys, self._values, self._mask = keys, values, mask

    def __len__(self) -> int:
        return self._count


__all__ = ["DigestMap", "digest"]
