"""The fast exact PDQ index: multi-index hashing over compact CSR tables, plus an incremental delta.

How a search stays exact: split the 256 bits into ``m`` disjoint chunks of ``b``
bits. If ``distance(q, x) <= T`` then, by the pigeonhole principle, the chunks
cannot all differ in more than their share: with per-chunk radii ``r_j`` such
that ``sum(r_j + 1) > T``, at least one chunk ``j`` differs in ``<= r_j`` bits.
So probing, in chunk ``j``'s table, every value within ``r_j`` bit flips of the
query's chunk finds every true match; each candidate is then verified on the
full 256 bits (XOR + popcount). At the default ``m = 11`` and ``T = 31`` the
radii are ten 2s and one 1 (10*3 + 2 = 32 > 31): about 2,800 probes per query.

Layout (why it is lean and loads instantly): per chunk, a CSR table made of
``offsets`` (``2^b + 1`` uint32: where each chunk value's rows start) and
``rows`` (``n`` uint32 row numbers sorted by chunk value). Plus ``codes``
(32 B/entry) and ``ids`` (int64, sorted so an id is found by binary search, no
hash map). With ``b = round(log2(n))`` (20 at 1M, 23 at 10M; the chunks need
not cover all 256 bits for the pigeonhole argument to hold) that is
``32 + 8 + 4m + 4m * 2^b / n``, about 130 bytes per entry at 1M and 120 at 10M,
all in contiguous arrays saved as ``.npy`` and memory-mapped, so a cold start is
a few ``np.load(mmap_mode="r")`` calls. Each query costs ~2-3k probes and
~2-4k candidates, i.e. a few thousand random memory reads.

Why not faiss ``IndexBinaryMultiHash`` (ThreatExchange's default)? Measured by
``bench/bench_index.py`` at 1M it adds ~780 B/entry (a ``std::unordered_map``
of ``std::vector`` per table, plus ThreatExchange's Python id lists), it can
only be serialised whole (pickle) and reloaded by rebuilding its maps (~2 s
at 1M), an ``add`` rebuilds a Python reverse map over all entries (~1 s at
1M), and with 16-bit chunks each of its 272 probes returns ``n / 65536``
candidates: ~41k per query at 10M, more than ten times the count here.

Incremental updates never rebuild on the query path: the immutable base is
joined by a small in-memory delta (scanned linearly) and a tombstone bitmap for
removed base rows. Adding or removing is visible to the very next query.
``compact()`` folds the delta into a new base (``O(n log n)``; it also runs by
itself when the delta outgrows ``delta_limit``, so an occasional ``add`` pays
for a rebuild: call ``compact()`` off the request path to avoid that).

Thresholds: ``0..max_threshold`` (set at construction, default 31). A larger
threshold raises :class:`InvalidThresholdError` rather than silently scanning
everything: use :class:`LinearPdqIndex` for wide, exploratory searches.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from shieldwall.index import storage
from shieldwall.index.chunking import (
    MAX_CHUNK_BITS,
    auto_chunk_bits,
    chunk_radii,
    chunk_starts,
    chunk_values,
    distances,
    flip_masks,
)
from shieldwall.index.protocol import (
    PDQ_BYTES,
    CorruptIndexError,
    Hit,
    InvalidThresholdError,
    as_codes,
    as_ids,
    as_query,
    as_u64,
    check_threshold,
    last_wins,
    to_hits,
)
from shieldwall.types import DEFAULT_PDQ_THRESHOLD, PDQ_BITS

KIND = "mih"
_QUERY_BLOCK = 128
"""Queries searched together: bounds temporary memory to ~100 MB at 10M entries."""


class MihPdqIndex:
    """Exact multi-index-hashing PDQ index (see the module docstring for the design).

    Searches may run while nothing writes; callers serialise writers (``add``,
    ``remove``, ``compact``) against readers, as the matcher's lock does.
    """

    def __init__(
        self,
        *,
        max_threshold: int = DEFAULT_PDQ_THRESHOLD,
        chunks: int = 11,
        chunk_bits: int | None = None,
        delta_limit: int | None = None,
    ) -> None:
        """``chunk_bits=None`` picks ``~log2(n)`` at each compaction; ``delta_limit=None``
        compacts when the delta exceeds ``max(8192, n / 512)`` entries."""
        if not 1 <= chunks <= 64:
            raise ValueError("chunks must be between 1 and 64")
        if chunk_bits is not None and not 1 <= chunk_bits <= min(
            MAX_CHUNK_BITS, PDQ_BITS // chunks
        ):
            raise ValueError(f"chunk_bits must be 1..{min(MAX_CHUNK_BITS, PDQ_BITS // chunks)}")
        self.max_threshold = check_threshold(max_threshold, PDQ_BITS)
        self.chunks = chunks
        self.fixed_chunk_bits = chunk_bits
        self.delta_limit = delta_limit
        self._set_base(
            np.empty((0, PDQ_BYTES), np.uint8),
            np.empty(0, np.int64),
            np.zeros((chunks, 0), np.uint32),
            np.zeros((chunks, 2**8 + 1), np.uint32),
            8,  # an empty base; the real width is chosen when the first base is built
        )
        self._clear_delta()

    # -- state -------------------------------------------------------------------------------

    def _set_base(
        self,
        codes: NDArray[np.uint8],
        ids: NDArray[np.int64],
        rows: NDArray[np.uint32],
        offsets: NDArray[np.uint32],
        bits: int,
        removed: NDArray[np.bool_] | None = None,
    ) -> None:
        self._codes = codes
        self._ids = ids
        self._rows = rows.reshape(-1)
        self._offsets = offsets.reshape(-1)
        self._bits = bits
        self._removed = np.zeros(len(ids), bool) if removed is None else removed
        self._n_removed = int(np.count_nonzero(self._removed))
        self._plans: dict[int, tuple[NDArray[np.int64], ...]] = {}
        starts = chunk_starts(self.chunks)
        self._qbyte = starts // 8
        self._qshift = (32 - starts % 8 - bits).astype(np.uint32)
        self._qshift_int = (PDQ_BITS - starts - bits).tolist()

    def _clear_delta(self) -> None:
        self._d_codes = np.empty((16, PDQ_BYTES), np.uint8)
        self._d_ids = np.empty(16, np.int64)
        self._d_alive = np.zeros(16, bool)
        self._d_n = 0
        self._d_slot: dict[int, int] = {}

    @property
    def chunk_bits(self) -> int:
        """Bits per chunk of the current base tables."""
        return self._bits

    @property
    def base_size(self) -> int:
        return len(self._ids)

    @property
    def delta_size(self) -> int:
        """Entries (live or removed) waiting in the delta for the next compaction."""
        return self._d_n

    def __len__(self) -> int:
        return len(self._ids) - self._n_removed + len(self._d_slot)

    def memory_bytes(self) -> int:
        """Bytes held by the index's arrays (mapped or not) plus an estimate for the delta map."""
        arrays = (self._codes, self._ids, self._rows, self._offsets, self._removed)
        delta = self._d_codes.nbytes + self._d_ids.nbytes + self._d_alive.nbytes
        return sum(a.nbytes for a in arrays) + delta + 100 * len(self._d_slot)

    def _plan(self, threshold: int) -> tuple[NDArray[np.int64], ...]:
        """For one threshold: per probe its chunk, flip mask, and table/row bases."""
        plan = self._plans.get(threshold)
        if plan is None:
            chunk_parts, mask_parts = [], []
            for j, radius in enumerate(chunk_radii(threshold, self.chunks)):
                if radius >= 0:
                    masks = flip_masks(self._bits, radius)
                    chunk_parts.append(np.full(len(masks), j, np.int64))
                    mask_parts.append(masks)
            chunk = np.concatenate(chunk_parts)
            offset_base = chunk * ((1 << self._bits) + 1)
            row_base = chunk * len(self._ids)
            plan = self._plans[threshold] = (
                chunk,
                np.concatenate(mask_parts),
                offset_base,
                row_base,
            )
        return plan

    # -- updates ------------------------------------------------------------------------------

    def _base_rows(self, ids: NDArray[np.int64]) -> NDArray[np.intp]:
        """Live base rows holding any of ``ids``."""
        if not len(self._ids) or not len(ids):
            return np.empty(0, np.intp)
        pos = np.searchsorted(self._ids, ids)
        inside = pos < len(self._ids)
        pos = pos[inside]
        found = pos[self._ids[pos] == ids[inside]]
        live: NDArray[np.intp] = found[~self._removed[found]]
        return live

    def _tombstone(self, rows: NDArray[np.intp]) -> None:
        if len(rows):
            if not self._removed.flags.writeable:
                self._removed = np.array(self._removed)
            self._removed[rows] = True
            self._n_removed += len(rows)

    def add(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        ids, codes = as_ids(ids), as_codes(codes)
        if len(ids) != len(codes):
            raise ValueError(f"{len(ids)} ids but {len(codes)} codes")
        keep = last_wins(ids)
        ids, codes = ids[keep], codes[keep]
        limit = self.delta_limit or max(8192, len(self._ids) // 512)
        if self._d_n + len(ids) > limit:
            self._rebuild(ids, codes)
            return
        self._tombstone(self._base_rows(ids))
        self._add_to_delta(ids, codes)

    def _add_to_delta(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        need = self._d_n + len(ids)
        if need > len(self._d_ids):
            cap = max(need, 2 * len(self._d_ids))
            self._d_codes = np.resize(self._d_codes, (cap, PDQ_BYTES))
            self._d_ids = np.resize(self._d_ids, cap)
            self._d_alive = np.resize(self._d_alive, cap)
        for i, key in enumerate(ids.tolist()):
            slot = self._d_slot.get(key)
            if slot is None:
                slot = self._d_slot[key] = self._d_n
                self._d_n += 1
                self._d_ids[slot] = key
                self._d_alive[slot] = True
            self._d_codes[slot] = codes[i]

    def remove(self, ids: Iterable[int]) -> int:
        wanted = np.unique(as_ids(np.fromiter((int(i) for i in ids), np.int64)))
        removed = 0
        for key in wanted.tolist():
            slot = self._d_slot.pop(key, None)
            if slot is not None:
                self._d_alive[slot] = False
                removed += 1
        rows = self._base_rows(wanted)
        self._tombstone(rows)
        return removed + len(rows)

    def compact(self) -> None:
        """Fold the delta and tombstones into a new base (tables rebuilt, chunk bits re-chosen)."""
        self._rebuild(np.empty(0, np.int64), np.empty((0, PDQ_BYTES), np.uint8))

    def _rebuild(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        live = ~self._removed
        d_live = self._d_alive[: self._d_n]
        all_ids = np.concatenate([self._ids[live], self._d_ids[: self._d_n][d_live], ids])
        all_codes = np.concatenate([self._codes[live], self._d_codes[: self._d_n][d_live], codes])
        # Stable sort by id, then keep the last of equal ids: later sources replace earlier.
        order = np.argsort(all_ids, kind="stable")
        sorted_ids = all_ids[order]
        last = np.ones(len(order), bool)
        last[:-1] = sorted_ids[:-1] != sorted_ids[1:]
        ids_out = np.ascontiguousarray(sorted_ids[last])
        codes_out = np.ascontiguousarray(all_codes[order[last]])
        del all_codes, order, sorted_ids
        n = len(ids_out)
        bits = self.fixed_chunk_bits or auto_chunk_bits(n, self.chunks)
        rows = np.empty((self.chunks, n), np.uint32)
        offsets = np.zeros((self.chunks, (1 << bits) + 1), np.uint32)
        row_numbers = np.arange(n, dtype=np.uint64)
        for j, start in enumerate(chunk_starts(self.chunks).tolist()):
            values = chunk_values(codes_out, start, bits)
            # Sorting (value << 32 | row) as one uint64 is faster than an argsort.
            keys = (values.astype(np.uint64) << np.uint64(32)) | row_numbers
            keys.sort()
            rows[j] = keys.astype(np.uint32)
            np.cumsum(np.bincount(values, minlength=1 << bits), out=offsets[j, 1:])
        self._set_base(codes_out, ids_out, rows, offsets, bits)
        self._clear_delta()

    # -- search -------------------------------------------------------------------------------

    def _check(self, threshold: int) -> int:
        threshold = check_threshold(threshold, PDQ_BITS)
        if threshold > self.max_threshold:
            raise InvalidThresholdError(
                f"threshold above this index's max_threshold {self.max_threshold}; "
                "build it with a larger max_threshold or use LinearPdqIndex",
                value=threshold,
            )
        return threshold

    def search_one(self, query: bytes | NDArray[np.uint8], threshold: int) -> list[Hit]:
        return self._search_block(as_query(query), self._check(threshold))[0]

    def search(self, queries: NDArray[np.uint8], threshold: int) -> list[list[Hit]]:
        queries = as_codes(queries, name="queries")
        threshold = self._check(threshold)
        out: list[list[Hit]] = []
        for lo in range(0, len(queries), _QUERY_BLOCK):
            out.extend(self._search_block(queries[lo : lo + _QUERY_BLOCK], threshold))
        return out

    def _search_block(self, q8: NDArray[np.uint8], threshold: int) -> list[list[Hit]]:
        nq = len(q8)
        q64 = as_u64(q8)
        found_q, found_ids, found_dist = self._search_base(q8, threshold)
        if len(self._d_slot):
            dq, dids, ddist = self._search_delta(q64, threshold)
            found_q = np.concatenate([found_q, dq])
            found_ids = np.concatenate([found_ids, dids])
            found_dist = np.concatenate([found_dist, ddist])
        if nq == 1:
            return [to_hits(found_ids, found_dist)]
        order = np.argsort(found_q, kind="stable")
        found_q, found_ids, found_dist = found_q[order], found_ids[order], found_dist[order]
        bounds = np.searchsorted(found_q, np.arange(nq + 1)).tolist()
        return [to_hits(found_ids[a:b], found_dist[a:b]) for a, b in itertools.pairwise(bounds)]

    def _query_chunks(self, q8: NDArray[np.uint8]) -> NDArray[np.int64]:
        """The ``(queries, chunks)`` chunk values of each query."""
        mask = (1 << self._bits) - 1
        if len(q8) == 1:
            # One query: Python big ints beat a dozen tiny numpy operations.
            word = int.from_bytes(q8.tobytes(), "big")
            return np.array([[(word >> s) & mask for s in self._qshift_int]], np.int64)
        padded = np.zeros((len(q8), PDQ_BYTES + 4), np.uint32)
        padded[:, :PDQ_BYTES] = q8
        qb = self._qbyte
        word4 = (padded[:, qb] << 24) | (padded[:, qb + 1] << 16)
        word4 |= (padded[:, qb + 2] << 8) | padded[:, qb + 3]
        return ((word4 >> self._qshift) & mask).astype(np.int64)

    def _search_base(
        self, q8: NDArray[np.uint8], threshold: int
    ) -> tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.int32]]:
        """(query number, id, distance) of every live base entry within the threshold."""
        n, nq = len(self._ids), len(q8)
        empty = np.empty(0, np.intp), np.empty(0, np.int64), np.empty(0, np.int32)
        if n == 0:
            return empty
        chunk, masks, offset_base, row_base = self._plan(threshold)
        per_query = len(chunk)
        slots = self._query_chunks(q8)[:, chunk]
        slots ^= masks
        slots += offset_base
        slots = slots.ravel()
        lo = self._offsets.take(slots)
        lens = self._offsets.take(slots + 1)
        lens -= lo
        probe = np.flatnonzero(lens)
        if not len(probe):
            return empty
        lens = lens.take(probe).astype(np.intp)
        starts = lo.take(probe).astype(np.intp)
        starts += row_base.take(probe if nq == 1 else probe % per_query)
        ends = np.cumsum(lens)
        # Concatenate the row ranges [start, start + len) without a Python loop.
        positions = np.repeat(starts - ends + lens, lens)
        positions += np.arange(int(ends[-1]))
        cand = self._rows.take(positions).astype(np.intp)
        cand_q = np.repeat(probe // per_query, lens) if nq > 1 else np.zeros(len(cand), np.intp)
        dist = distances(q8, self._codes.take(cand, axis=0), cand_q)
        keep = np.flatnonzero(dist <= threshold)
        cand, cand_q, dist = cand.take(keep), cand_q.take(keep), dist.take(keep)
        if self._n_removed:
            live = np.flatnonzero(~self._removed.take(cand))
            cand, cand_q, dist = cand.take(live), cand_q.take(live), dist.take(live)
        # A row can be found through several chunks: keep one (query, row) pair.
        _, first = np.unique(cand_q * n + cand, return_index=True)
        found_q: NDArray[np.intp] = cand_q[first]
        found_ids: NDArray[np.int64] = self._ids[cand[first]]
        found_dist: NDArray[np.int32] = dist[first]
        return found_q, found_ids, found_dist

    def _search_delta(
        self, q64: NDArray[np.uint64], threshold: int
    ) -> tuple[NDArray[np.intp], NDArray[np.int64], NDArray[np.int32]]:
        codes = as_u64(self._d_codes[: self._d_n])
        dist = np.bitwise_count(codes[None, :, :] ^ q64[:, None, :]).sum(axis=2, dtype=np.int32)
        qn, slot = np.nonzero((dist <= threshold) & self._d_alive[: self._d_n])
        return qn, self._d_ids[slot], dist[qn, slot]

    # -- persistence --------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        d_live = np.flatnonzero(self._d_alive[: self._d_n])
        params: dict[str, Any] = {
            "count": len(self._ids),
            "delta_count": len(d_live),
            "chunks": self.chunks,
            "chunk_bits": self._bits,
            "auto_chunk_bits": self.fixed_chunk_bits is None,
            "max_threshold": self.max_threshold,
            "delta_limit": self.delta_limit or 0,
        }
        arrays: dict[str, NDArray[Any]] = {
            "codes": self._codes,
            "ids": self._ids,
            "rows": self._rows.reshape(self.chunks, -1),
            "offsets": self._offsets.reshape(self.chunks, -1),
            "removed": self._removed,
            "delta_codes": self._d_codes[d_live],
            "delta_ids": self._d_ids[d_live],
        }
        storage.write_index(directory, KIND, params, arrays)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        """Open a saved index; base arrays are memory-mapped (read-only) unless ``mmap=False``."""
        manifest = storage.read_manifest(directory)
        if manifest["kind"] != KIND:
            raise CorruptIndexError(f"this is a {manifest['kind']!r} index, not {KIND!r}")
        p = storage.param
        n, m, bits = p(manifest, "count"), p(manifest, "chunks"), p(manifest, "chunk_bits")
        max_t, limit = p(manifest, "max_threshold"), p(manifest, "delta_limit")
        k = p(manifest, "delta_count")
        auto = p(manifest, "auto_chunk_bits", bool)
        if not (1 <= m <= 64 and 1 <= bits <= min(MAX_CHUNK_BITS, PDQ_BITS // m)):
            raise CorruptIndexError("index manifest has impossible chunking parameters")
        if min(n, k, max_t, limit) < 0 or max_t > PDQ_BITS:
            raise CorruptIndexError("index manifest has negative or too large counts")

        def arr(name: str, dtype: type[np.generic], shape: tuple[int, ...], mm: bool) -> Any:
            return storage.load_array(directory, manifest, name, dtype=dtype, shape=shape, mmap=mm)

        codes = arr("codes", np.uint8, (n, PDQ_BYTES), mmap)
        ids = arr("ids", np.int64, (n,), mmap)
        rows = arr("rows", np.uint32, (m, n), mmap)
        offsets = arr("offsets", np.uint32, (m, (1 << bits) + 1), mmap)
        removed = np.array(arr("removed", np.bool_, (n,), False))
        delta_codes = arr("delta_codes", np.uint8, (k, PDQ_BYTES), False)
        delta_ids = arr("delta_ids", np.int64, (k,), False)
        if np.any(offsets[:, 0] != 0) or np.any(offsets[:, -1] != n):
            raise CorruptIndexError("index offsets do not match the entry count")
        if n > 1 and not bool(np.all(ids[1:] > ids[:-1])):
            raise CorruptIndexError("index ids are not strictly increasing")
        index = cls(
            max_threshold=max_t,
            chunks=m,
            chunk_bits=None if auto else bits,
            delta_limit=limit or None,
        )
        index._set_base(codes, ids, rows, offsets, bits, removed)
        if len(np.unique(delta_ids)) != k or len(index._base_rows(np.sort(delta_ids))):
            raise CorruptIndexError("index delta repeats an id or one still in the base")
        index._add_to_delta(delta_ids, delta_codes)
        return index
