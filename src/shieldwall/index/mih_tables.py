"""The immutable half of :class:`~shieldwall.index.mih.MihPdqIndex`: one built base of CSR tables.

A :class:`MihTables` is built once (by a compaction, or loaded from disk) and
never changed afterwards: that is what lets a background compaction read the
current base while queries keep using it, and lets ``save()`` write its arrays
without holding the index's lock. What changes between compactions (removals,
recent additions) lives in :class:`~shieldwall.index.mih.MihPdqIndex` as a
tombstone bitmap and linear deltas, passed in to :meth:`MihTables.search`.

Layout and the search are described in :mod:`shieldwall.index.mih`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from shieldwall.index.chunking import chunk_radii, chunk_starts, chunk_values, distances, flip_masks
from shieldwall.index.protocol import PDQ_BYTES
from shieldwall.types import PDQ_BITS

Found = tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.int32]]
"""(query number, id, distance) of every entry found, one row per (query, entry) pair."""


def nothing_found() -> Found:
    return np.empty(0, np.intp), np.empty(0, np.int64), np.empty(0, np.int32)


class MihTables:
    """Codes, sorted ids and per-chunk CSR tables of one base; read-only once built.

    The one mutable member is the per-threshold probe plan cache, which only
    ever gains entries computed from the immutable fields (a race can at worst
    compute a plan twice).
    """

    __slots__ = (
        "bits",
        "chunks",
        "codes",
        "ids",
        "offsets",
        "plans",
        "qbyte",
        "qshift",
        "qshift_int",
        "rows",
    )

    def __init__(
        self,
        codes: NDArray[np.uint8],
        ids: NDArray[np.int64],
        rows: NDArray[np.uint32],
        offsets: NDArray[np.uint32],
        bits: int,
        chunks: int,
    ) -> None:
        self.codes = codes
        self.ids = ids
        self.rows = rows.reshape(-1)
        self.offsets = offsets.reshape(-1)
        self.bits = bits
        self.chunks = chunks
        self.plans: dict[int, tuple[NDArray[np.int64], ...]] = {}
        starts = chunk_starts(chunks)
        self.qbyte = starts // 8
        self.qshift = (32 - starts % 8 - bits).astype(np.uint32)
        self.qshift_int: list[int] = (PDQ_BITS - starts - bits).tolist()

    @classmethod
    def empty(cls, chunks: int) -> MihTables:
        """A base with no entries; the real chunk width is chosen when the first base is built."""
        return cls(
            np.empty((0, PDQ_BYTES), np.uint8),
            np.empty(0, np.int64),
            np.zeros((chunks, 0), np.uint32),
            np.zeros((chunks, 2**8 + 1), np.uint32),
            8,
            chunks,
        )

    @classmethod
    def build(
        cls, ids: NDArray[np.int64], codes: NDArray[np.uint8], chunks: int, bits: int
    ) -> MihTables:
        """Tables over ``ids`` (strictly increasing) and their ``codes``: ``O(n log n)``."""
        n = len(ids)
        rows = np.empty((chunks, n), np.uint32)
        offsets = np.zeros((chunks, (1 << bits) + 1), np.uint32)
        row_numbers = np.arange(n, dtype=np.uint64)
        for j, start in enumerate(chunk_starts(chunks).tolist()):
            values = chunk_values(codes, start, bits)
            # Sorting (value << 32 | row) as one uint64 is faster than an argsort.
            keys = (values.astype(np.uint64) << np.uint64(32)) | row_numbers
            keys.sort()
            rows[j] = keys.astype(np.uint32)
            np.cumsum(np.bincount(values, minlength=1 << bits), out=offsets[j, 1:])
        return cls(codes, ids, rows, offsets, bits, chunks)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def nbytes(self) -> int:
        return self.codes.nbytes + self.ids.nbytes + self.rows.nbytes + self.offsets.nbytes

    def rows_of(self, ids: NDArray[np.int64]) -> NDArray[np.intp]:
        """Rows holding any of ``ids`` (removed or not), one per id found."""
        if not len(self.ids) or not len(ids):
            return np.empty(0, np.intp)
        pos = np.searchsorted(self.ids, ids)
        inside = pos < len(self.ids)
        pos = pos[inside]
        found: NDArray[np.intp] = pos[self.ids[pos] == ids[inside]]
        return found

    def _plan(self, threshold: int) -> tuple[NDArray[np.int64], ...]:
        """For one threshold: per probe its chunk, flip mask, and table/row bases."""
        plan = self.plans.get(threshold)
        if plan is None:
            chunk_parts, mask_parts = [], []
            for j, radius in enumerate(chunk_radii(threshold, self.chunks)):
                if radius >= 0:
                    masks = flip_masks(self.bits, radius)
                    chunk_parts.append(np.full(len(masks), j, np.int64))
                    mask_parts.append(masks)
            chunk = np.concatenate(chunk_parts)
            offset_base = chunk * ((1 << self.bits) + 1)
            row_base = chunk * len(self.ids)
            plan = self.plans[threshold] = (
                chunk,
                np.concatenate(mask_parts),
                offset_base,
                row_base,
            )
        return plan

    def _query_chunks(self, q8: NDArray[np.uint8]) -> NDArray[np.int64]:
        """The ``(queries, chunks)`` chunk values of each query."""
        mask = (1 << self.bits) - 1
        if len(q8) == 1:
            # One query: Python big ints beat a dozen tiny numpy operations.
            word = int.from_bytes(q8.tobytes(), "big")
            return np.array([[(word >> s) & mask for s in self.qshift_int]], np.int64)
        padded = np.zeros((len(q8), PDQ_BYTES + 4), np.uint32)
        padded[:, :PDQ_BYTES] = q8
        qb = self.qbyte
        word4 = (padded[:, qb] << 24) | (padded[:, qb + 1] << 16)
        word4 |= (padded[:, qb + 2] << 8) | padded[:, qb + 3]
        return ((word4 >> self.qshift) & mask).astype(np.int64)

    def search(
        self,
        q8: NDArray[np.uint8],
        threshold: int,
        removed: NDArray[np.bool_],
        n_removed: int,
    ) -> Found:
        """Every entry within the threshold whose row is not set in ``removed``."""
        n, nq = len(self.ids), len(q8)
        if n == 0:
            return nothing_found()
        chunk, masks, offset_base, row_base = self._plan(threshold)
        per_query = len(chunk)
        slots = self._query_chunks(q8)[:, chunk]
        slots ^= masks
        slots += offset_base
        slots = slots.ravel()
        lo = self.offsets.take(slots)
        lens = self.offsets.take(slots + 1)
        lens -= lo
        probe = np.flatnonzero(lens)
        if not len(probe):
            return nothing_found()
        lens = lens.take(probe).astype(np.intp)
        starts = lo.take(probe).astype(np.intp)
        starts += row_base.take(probe if nq == 1 else probe % per_query)
        ends = np.cumsum(lens)
        # Concatenate the row ranges [start, start + len) without a Python loop.
        positions = np.repeat(starts - ends + lens, lens)
        positions += np.arange(int(ends[-1]))
        cand = self.rows.take(positions).astype(np.intp)
        cand_q = np.repeat(probe // per_query, lens) if nq > 1 else np.zeros(len(cand), np.intp)
        dist = distances(q8, self.codes.take(cand, axis=0), cand_q)
        keep = np.flatnonzero(dist <= threshold)
        cand, cand_q, dist = cand.take(keep), cand_q.take(keep), dist.take(keep)
        if n_removed:
            live = np.flatnonzero(~removed.take(cand))
            cand, cand_q, dist = cand.take(live), cand_q.take(live), dist.take(live)
        # A row can be found through several chunks: keep one (query, row) pair.
        _, first = np.unique(cand_q * n + cand, return_index=True)
        found_q: NDArray[np.intp] = cand_q[first]
        found_ids: NDArray[np.int64] = self.ids[cand[first]]
        found_dist: NDArray[np.int32] = dist[first]
        return found_q, found_ids, found_dist
