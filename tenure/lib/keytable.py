"""A read-only mapping from text keys to integers, for looking up a batch of keys at a time.

Held as two numpy arrays (the keys' UTF-8 bytes, sorted, and their values) and searched in one
vectorised binary search per batch. A dict of a million external ids took ~120 MB and its look-ups
cost most of what the reading process of an order import spent resolving customers (random
accesses into a large table: ~1 µs a key); here the same million take ~20 MB and a batch of keys is
found in C (docs/benchmarks.md, session 12).

Written here rather than taken from a package (marisa-trie, pyahocorasick): a few lines over numpy,
which Tenure already depends on.
"""

from collections.abc import Iterable

import numpy as np

# Keys longer than this (in UTF-8 bytes), or holding a NUL (numpy drops trailing NULs), are kept in
# a dict beside the arrays, so one long key does not widen every row of the array.
WIDTH_LIMIT = 64


class KeyTable:
    def __init__(self, pairs: Iterable[tuple[str, int]]):
        keys: list[bytes] = []
        values: list[int] = []
        self._other: dict[str, int] = {}
        for key, value in pairs:
            raw = key.encode()
            if len(raw) > WIDTH_LIMIT or b"\0" in raw:
                self._other[key] = value
            else:
                keys.append(raw)
                values.append(value)
        self._width = max(map(len, keys), default=1) or 1
        array = np.array(keys, dtype=f"S{self._width}")
        order = np.argsort(array, kind="stable")
        self._keys = array[order]
        self._values = np.array(values, dtype=np.int64)[order]

    def __len__(self) -> int:
        return len(self._keys) + len(self._other)

    def find(self, keys: Iterable[str]) -> dict[str, int]:
        """{key: value} of the given keys that are in the table."""
        found: dict[str, int] = {}
        wanted: list[str] = []
        raws: list[bytes] = []
        width = self._width
        other = self._other
        for key in keys:
            raw = key.encode()
            if len(raw) <= width and b"\0" not in raw:
                wanted.append(key)
                raws.append(raw)
            elif other and key in other:
                found[key] = other[key]
        if raws and len(self._keys):
            probe = np.array(raws, dtype=self._keys.dtype)
            at = np.searchsorted(self._keys, probe)
            at[at == len(self._keys)] = len(self._keys) - 1
            hit = self._keys[at] == probe
            for key, value, ok in zip(wanted, self._values[at].tolist(), hit.tolist(), strict=True):
                if ok:
                    found[key] = value
        return found
