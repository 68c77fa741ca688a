"""The brute-force PDQ index: compare the query with every entry. The oracle for tests.

It is deliberately simple (one XOR and popcount over all codes per query), so
that when it and :class:`~shieldwall.index.mih.MihPdqIndex` disagree, the fast
one is wrong. It is also a fair choice for small banks: it needs 40 bytes per
entry plus a dict from id to row.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Self

import numpy as np
from numpy.typing import NDArray

from shieldwall.index import storage
from shieldwall.index.protocol import (
    PDQ_BYTES,
    CorruptIndexError,
    Hit,
    as_codes,
    as_ids,
    as_query,
    as_u64,
    check_threshold,
    last_wins,
    to_hits,
)
from shieldwall.types import PDQ_BITS

KIND = "linear"


class LinearPdqIndex:
    """Exact PDQ search by scanning every entry; any threshold 0..256."""

    def __init__(self) -> None:
        self._ids = np.empty(0, dtype=np.int64)
        self._codes = np.empty((0, PDQ_BYTES), dtype=np.uint8)
        self._n = 0
        self._row_of: dict[int, int] = {}

    def __len__(self) -> int:
        return self._n

    def _reserve(self, extra: int) -> None:
        need = self._n + extra
        if need <= len(self._ids):
            return
        cap = max(need, 2 * len(self._ids), 16)
        ids = np.empty(cap, dtype=np.int64)
        codes = np.empty((cap, PDQ_BYTES), dtype=np.uint8)
        ids[: self._n] = self._ids[: self._n]
        codes[: self._n] = self._codes[: self._n]
        self._ids, self._codes = ids, codes

    def add(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        ids, codes = as_ids(ids), as_codes(codes)
        if len(ids) != len(codes):
            raise ValueError(f"{len(ids)} ids but {len(codes)} codes")
        keep = last_wins(ids)
        self._reserve(len(keep))
        for i in keep.tolist():
            key = int(ids[i])
            row = self._row_of.get(key)
            if row is None:
                row = self._n
                self._n += 1
                self._row_of[key] = row
                self._ids[row] = key
            self._codes[row] = codes[i]

    def remove(self, ids: Iterable[int]) -> int:
        removed = 0
        for key in ids:
            row = self._row_of.pop(int(key), None)
            if row is None:
                continue
            removed += 1
            last = self._n - 1
            if row != last:
                # Keep rows dense: move the last entry into the hole.
                moved = int(self._ids[last])
                self._ids[row] = moved
                self._codes[row] = self._codes[last]
                self._row_of[moved] = row
            self._n = last
        return removed

    def search(self, queries: NDArray[np.uint8], threshold: int) -> list[list[Hit]]:
        queries = as_codes(queries, name="queries")
        threshold = check_threshold(threshold, PDQ_BITS)
        codes = as_u64(self._codes[: self._n])
        ids = self._ids[: self._n]
        out: list[list[Hit]] = []
        for q in as_u64(queries):
            dist = np.bitwise_count(codes ^ q).sum(axis=1, dtype=np.int32)
            hit = np.flatnonzero(dist <= threshold)
            out.append(to_hits(ids[hit], dist[hit]))
        return out

    def search_one(self, query: bytes | NDArray[np.uint8], threshold: int) -> list[Hit]:
        return self.search(as_query(query), threshold)[0]

    def save(self, directory: Path) -> None:
        storage.write_index(
            directory,
            KIND,
            {"count": self._n},
            {"ids": self._ids[: self._n], "codes": self._codes[: self._n]},
        )

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        """Read a saved linear index; it is copied into memory because it is mutable."""
        manifest = storage.read_manifest(directory)
        if manifest["kind"] != KIND:
            raise CorruptIndexError(f"this is a {manifest['kind']!r} index, not {KIND!r}")
        n = storage.param(manifest, "count")
        ids = storage.load_array(directory, manifest, "ids", dtype=np.int64, shape=(n,), mmap=mmap)
        codes = storage.load_array(
            directory, manifest, "codes", dtype=np.uint8, shape=(n, PDQ_BYTES), mmap=mmap
        )
        index = cls()
        index._ids = np.array(ids)
        index._codes = np.array(codes)
        index._n = n
        index._row_of = {key: row for row, key in enumerate(index._ids.tolist())}
        if len(index._row_of) != n:
            raise CorruptIndexError("saved linear index repeats an id")
        return index
