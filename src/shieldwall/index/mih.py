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
hash map). That is ``32 + 8 + 4m + 4m * 2^b / n`` bytes per entry, all in
contiguous arrays saved as ``.npy`` and memory-mapped, so a cold start is a few
``np.load(mmap_mode="r")`` calls. The shape is chosen at each compaction from
``n`` (``chunking.auto_chunks``): below ~1.5M entries ``m = 16`` chunks of 16
bits (272 probes a query at threshold 31, each returning ``n / 65536``
candidates; ~108 bytes per entry at 1M); above, ``m = 11`` chunks of
``b = round(log2(n))`` bits (23 at 10M; the chunks need not cover all 256 bits
for the pigeonhole argument to hold), ~2-3k probes and ~2-4k candidates a query
and ~120 bytes per entry at 10M. Either way a query is a few thousand random
memory reads.

Why not faiss ``IndexBinaryMultiHash`` (ThreatExchange's default)? Measured by
``bench/bench_index.py`` at 1M it adds ~780 B/entry (a ``std::unordered_map``
of ``std::vector`` per table, plus ThreatExchange's Python id lists), it can
only be serialised whole (pickle) and reloaded by rebuilding its maps (~2 s
at 1M), an ``add`` rebuilds a Python reverse map over all entries (~1 s at
1M), and with 16-bit chunks each of its 272 probes returns ``n / 65536``
candidates: ~41k per query at 10M, more than ten times the count here.

Incremental updates never rebuild on the query path: the immutable base
(:class:`~shieldwall.index.mih_tables.MihTables`) is joined by a small in-memory
delta (scanned linearly) and a tombstone bitmap for removed base rows. Adding or
removing is visible to the very next query.

Compaction folds the delta and tombstones into a new base (``O(n log n)``: ~3 s
at 1M entries, 18-46 s at 10M). When the delta outgrows its limit
(``delta_limit``, default ``max(8192, n / 512)`` entries) ``add`` does not
rebuild: it starts a background compaction on a daemon thread (at most one at a
time) and returns. The compaction works from a snapshot: the base (immutable,
shared), a read-only copy of the tombstones (copied on the next write, not at
the snapshot) and a copy of the delta's live entries; the delta itself is
*frozen* (its entries stay searchable, only removals still touch it) and a fresh
delta takes new additions. Queries, adds and removes carry on against the old
base and both deltas. When the new base is ready it is swapped in under the
index's lock, and the changes made since the snapshot are re-applied in
``O(changes log n)``: the fresh delta becomes the delta, and every id it holds
or that was removed since the snapshot is tombstoned in the new base, so
nothing added since is lost and nothing removed since comes back.

Bounded stall: if the deltas (plus ids removed since the snapshot) pass
``HARD_CAP_FACTOR`` (4) times the limit while a compaction still runs, the
writing call waits for it (for every chained compaction until the backlog is
under the cap) instead of letting the linear scan grow without bound. A single
``add`` of more than the hard cap is a bulk load and is compacted in by the
caller (readers keep answering from the old state until the swap).
``background_compaction=False`` restores the old behaviour: the ``add`` that
crosses the limit rebuilds synchronously. ``compact()`` is always synchronous
(it first waits for a running background compaction); ``wait_for_compaction()``
waits without starting one.

Concurrency guarantee: every public method is thread-safe and atomic. Writers
(``add``, ``remove``, ``compact``) are serialised by an internal writer lock;
every method also holds a short state lock while it reads or changes the state,
so a search sees each add or remove entirely or not at all, and sees every one
that returned before it started. Searches run one at a time per index (the
callers serialise them already). The compaction thread holds the state lock
only to take its snapshot (``O(delta)``) and to swap (``O(changes)``), never
while it builds. ``save()`` during a compaction does not wait: it writes the
base and deltas as they are (consistent, taken under the state lock; the
immutable base arrays are written outside it). If a compaction fails (e.g. out
of memory) nothing is lost: the deltas are merged back, the error is logged and
raised as :class:`CompactionError` by the next ``wait_for_compaction()`` or by an
``add``/``remove`` that reached the hard cap; ``compact()`` simply retries.

Thresholds: ``0..max_threshold`` (set at construction, default 31). A larger
threshold raises :class:`InvalidThresholdError` rather than silently scanning
everything: use :class:`LinearPdqIndex` for wide, exploratory searches.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from shieldwall.errors import ShieldwallError
from shieldwall.index import storage
from shieldwall.index.chunking import (
    MAX_CHUNK_BITS,
    auto_chunk_bits,
    auto_chunks,
    chunk_radii,
    chunk_starts,
    chunk_values,
)
from shieldwall.index.mih_delta import Delta
from shieldwall.index.mih_tables import Found, MihTables
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

__all__ = [
    "HARD_CAP_FACTOR",
    "KIND",
    "CompactionError",
    "MihPdqIndex",
    # Chunk arithmetic, re-exported for the property tests that check it.
    "chunk_radii",
    "chunk_starts",
    "chunk_values",
]

log = logging.getLogger("shieldwall.index")

KIND = "mih"
HARD_CAP_FACTOR = 4
"""Backlog (deltas + ids removed since the snapshot), in delta limits, at which writers wait."""
_QUERY_BLOCK = 128
"""Queries searched together: bounds temporary memory to ~100 MB at 10M entries."""


class CompactionError(ShieldwallError):
    """Folding the delta into a new base failed (e.g. out of memory); the index is still exact."""

    code = "index_compaction_failed"
    http_status = 500


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """What a compaction folds: nothing here changes while it builds."""

    tables: MihTables
    removed: NDArray[np.bool_]
    delta_ids: NDArray[np.int64]
    delta_codes: NDArray[np.uint8]
    extra_ids: NDArray[np.int64]
    extra_codes: NDArray[np.uint8]


_NO_IDS = np.empty(0, np.int64)
_NO_CODES = np.empty((0, PDQ_BYTES), np.uint8)


class MihPdqIndex:
    """Exact multi-index-hashing PDQ index (see the module docstring for the design).

    Thread-safe: concurrent searches, adds and removes are each atomic, and
    compaction runs in the background without stalling them (module docstring).
    """

    def __init__(
        self,
        *,
        max_threshold: int = DEFAULT_PDQ_THRESHOLD,
        chunks: int | None = None,
        chunk_bits: int | None = None,
        delta_limit: int | None = None,
        background_compaction: bool = True,
    ) -> None:
        """``chunks=None`` picks the chunk count at each compaction (``auto_chunks``: 16
        below ~1.5M entries, 11 above); ``chunk_bits=None`` picks ``~log2(n)`` bits a chunk
        at each compaction (a fixed ``chunk_bits`` needs a fixed ``chunks``); ``delta_limit=None``
        compacts when the delta exceeds ``max(8192, n / 512)`` entries;
        ``background_compaction=False`` makes that compaction run inside ``add``."""
        if chunks is not None and not 1 <= chunks <= 64:
            raise ValueError("chunks must be between 1 and 64")
        if chunk_bits is not None and chunks is None:
            raise ValueError("a fixed chunk_bits needs a fixed chunks")
        if (
            chunk_bits is not None
            and chunks is not None
            and not 1 <= chunk_bits <= min(MAX_CHUNK_BITS, PDQ_BITS // chunks)
        ):
            raise ValueError(f"chunk_bits must be 1..{min(MAX_CHUNK_BITS, PDQ_BITS // chunks)}")
        if delta_limit is not None and delta_limit < 1:
            raise ValueError("delta_limit must be positive (or None for the default)")
        self.max_threshold = check_threshold(max_threshold, PDQ_BITS)
        self.fixed_chunks = chunks
        self.fixed_chunk_bits = chunk_bits
        self.delta_limit = delta_limit
        self.background_compaction = background_compaction
        # Lock order: _writer, then _state. The compaction thread takes _state only.
        self._writer = threading.Lock()
        self._state = threading.Lock()
        self._changed = threading.Condition(self._state)  # notified when a compaction ends
        self._tables = MihTables.empty(chunks or auto_chunks(0))
        self._removed: NDArray[np.bool_] = np.zeros(0, bool)
        self._n_removed = 0
        self._delta = Delta()
        self._frozen: Delta | None = None
        self._removed_since: list[NDArray[np.int64]] = []
        self._n_removed_since = 0
        self._running = False
        self._error: Exception | None = None

    # -- state -------------------------------------------------------------------------------

    @property
    def chunks(self) -> int:
        """Chunks of the current base tables."""
        return self._tables.chunks

    @property
    def chunk_bits(self) -> int:
        """Bits per chunk of the current base tables."""
        return self._tables.bits

    @property
    def base_size(self) -> int:
        """Rows in the current base (removed rows included until the next compaction)."""
        return len(self._tables)

    @property
    def delta_size(self) -> int:
        """Entries (live or removed) waiting in the deltas for the next compaction."""
        with self._state:
            return self._slots()

    @property
    def hard_cap(self) -> int:
        """Backlog at which a write waits for the running compaction (``HARD_CAP_FACTOR``
        delta limits)."""
        return HARD_CAP_FACTOR * self._limit()

    @property
    def backlog(self) -> int:
        """Delta slots scanned by every query plus removals to re-apply at the next swap."""
        with self._state:
            return self._slots() + self._n_removed_since

    @property
    def compacting(self) -> bool:
        """Whether a compaction (background or synchronous) is running now."""
        return self._running

    def __len__(self) -> int:
        with self._state:
            frozen = self._frozen.live if self._frozen is not None else 0
            return len(self._tables) - self._n_removed + self._delta.live + frozen

    def memory_bytes(self) -> int:
        """Bytes held by the index's arrays (mapped or not) plus an estimate for the delta map."""
        with self._state:
            frozen = self._frozen.nbytes if self._frozen is not None else 0
            return self._tables.nbytes + self._removed.nbytes + self._delta.nbytes + frozen

    def _limit(self) -> int:
        return self.delta_limit or max(8192, len(self._tables) // 512)

    def _slots(self) -> int:
        """Delta slots every query scans (both deltas while a compaction runs)."""
        return self._delta.n + (self._frozen.n if self._frozen is not None else 0)

    def _live_rows(self, ids: NDArray[np.int64]) -> NDArray[np.intp]:
        """Live base rows holding any of ``ids``."""
        rows = self._tables.rows_of(ids)
        live: NDArray[np.intp] = rows[~self._removed[rows]]
        return live

    def _tombstone(self, rows: NDArray[np.intp]) -> None:
        if len(rows):
            # Read-only when memory-mapped or shared with a running compaction: copy on write.
            if not self._removed.flags.writeable:
                self._removed = np.array(self._removed)
            self._removed[rows] = True
            self._n_removed += len(rows)

    # -- updates ------------------------------------------------------------------------------

    def add(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        ids, codes = as_ids(ids), as_codes(codes)
        if len(ids) != len(codes):
            raise ValueError(f"{len(ids)} ids but {len(codes)} codes")
        keep = last_wins(ids)
        ids, codes = ids[keep], codes[keep]
        with self._writer:
            limit = self._limit()
            with self._state:
                slots = self._slots()
            if self.background_compaction:
                bulk = len(ids) > HARD_CAP_FACTOR * limit
            else:
                bulk = slots + len(ids) > limit
            if bulk:
                self._compact_now(ids, codes)
                return
            with self._state:
                self._make_room(limit, len(ids))
                if self._frozen is not None:
                    self._frozen.kill(ids.tolist())
                self._tombstone(self._live_rows(ids))
                self._delta.add(ids, codes)
                self._maybe_start(limit)

    def remove(self, ids: Iterable[int]) -> int:
        wanted = np.unique(as_ids(np.fromiter((int(i) for i in ids), np.int64)))
        listed = wanted.tolist()
        with self._writer, self._state:
            limit = self._limit()
            self._make_room(limit, 0)
            removed = self._delta.kill(listed)
            if self._frozen is not None:
                removed += self._frozen.kill(listed)
                # The new base is built from before this removal: tombstone there at the swap.
                self._removed_since.append(wanted)
                self._n_removed_since += len(wanted)
            rows = self._live_rows(wanted)
            self._tombstone(rows)
            self._maybe_start(limit)
        return removed + len(rows)

    def _maybe_start(self, limit: int) -> None:
        """Past the limit, start a background compaction (state lock held)."""
        if self.background_compaction and not self._running and self._slots() > limit:
            self._start_background()

    def _make_room(self, limit: int, incoming: int) -> None:
        """Before a write (state lock held): while it would take the backlog past the hard
        cap, wait for the compaction that folds the backlog (starting one if none runs).

        Raises :class:`CompactionError`, with nothing changed, if a compaction this write
        waited for failed: the write is refused rather than growing the delta for ever.
        """
        if not self.background_compaction:
            return
        cap = HARD_CAP_FACTOR * limit
        waited = False
        while self._slots() + self._n_removed_since + incoming > cap and (
            self._running or self._slots()
        ):
            if not self._running:
                if waited and self._error is not None:
                    error, self._error = self._error, None
                    raise CompactionError(f"index compaction failed: {error}") from error
                self._start_background()
            self._changed.wait()
            waited = True

    # -- compaction ---------------------------------------------------------------------------

    def compact(self) -> None:
        """Fold the deltas and tombstones into a new base now (tables rebuilt, chunk bits
        re-chosen); waits for a running background compaction first."""
        with self._writer:
            self._compact_now(_NO_IDS, _NO_CODES)

    def wait_for_compaction(self, timeout: float | None = None) -> bool:
        """Wait until no compaction runs; ``False`` if ``timeout`` seconds passed first.

        Raises :class:`CompactionError` (once) if the last background compaction failed.
        """
        with self._state:
            idle = self._changed.wait_for(lambda: not self._running, timeout)
            if idle and self._error is not None:
                error, self._error = self._error, None
                raise CompactionError(f"index compaction failed: {error}") from error
            return idle

    def _compact_now(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        """Compact on the calling thread (writer lock held), folding in ``(ids, codes)``.

        The batch becomes visible at the swap; readers use the old state until then.
        """
        with self._state:
            while self._running:
                self._changed.wait()
            snapshot = self._begin(ids, codes)
        try:
            tables = self._fold(snapshot)
        except BaseException:
            with self._state:
                self._abort(None)
            raise
        with self._state:
            self._swap(tables)
            self._running = False

    def _start_background(self) -> None:
        snapshot = self._begin(_NO_IDS, _NO_CODES)
        threading.Thread(
            target=self._compact_in_background,
            args=(snapshot,),
            name="mih-compaction",
            daemon=True,
        ).start()

    def _compact_in_background(self, snapshot: _Snapshot) -> None:
        # Block (GIL released) until the writer that started this thread has left the lock:
        # otherwise the build would hold the GIL and that add() could take a whole switch
        # interval (5 ms) to return.
        with self._state:
            pass
        while True:
            try:
                tables = self._fold(snapshot)
            except Exception as exc:
                log.exception("index.compaction_failed entries=%s", len(snapshot.tables))
                with self._state:
                    self._abort(exc)
                return
            with self._state:
                self._swap(tables)
                if self._slots() <= self._limit():
                    self._running = False
                    self._changed.notify_all()
                    return
                # Writes during the build already outgrew the limit: go again.
                snapshot = self._begin(_NO_IDS, _NO_CODES)

    def _begin(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> _Snapshot:
        """Freeze the delta and take a snapshot (state lock held, nothing running)."""
        self._running = True
        self._error = None
        self._frozen, self._delta = self._delta, Delta()
        self._removed_since, self._n_removed_since = [], 0
        # Shared with the compaction: the next tombstone copies it instead of writing here.
        self._removed.flags.writeable = False
        delta_ids, delta_codes = self._frozen.entries()
        return _Snapshot(self._tables, self._removed, delta_ids, delta_codes, ids, codes)

    def _fold(self, snap: _Snapshot) -> MihTables:
        """The new base holding exactly the snapshot's entries (no lock held: the slow part)."""
        base = snap.tables
        if np.any(snap.removed):
            live = ~snap.removed
            base_ids, base_codes = base.ids[live], base.codes[live]
        else:
            base_ids, base_codes = base.ids, base.codes
        all_ids = np.concatenate([base_ids, snap.delta_ids, snap.extra_ids])
        all_codes = np.concatenate([base_codes, snap.delta_codes, snap.extra_codes])
        del base_ids, base_codes
        # Stable sort by id, then keep the last of equal ids: later sources replace earlier.
        order = np.argsort(all_ids, kind="stable")
        sorted_ids = all_ids[order]
        last = np.ones(len(order), bool)
        last[:-1] = sorted_ids[:-1] != sorted_ids[1:]
        ids_out = np.ascontiguousarray(sorted_ids[last])
        codes_out = np.ascontiguousarray(all_codes[order[last]])
        del all_codes, order, sorted_ids
        chunks = self.fixed_chunks or auto_chunks(len(ids_out))
        bits = self.fixed_chunk_bits or auto_chunk_bits(len(ids_out), chunks)
        return MihTables.build(ids_out, codes_out, chunks, bits)

    def _swap(self, tables: MihTables) -> None:
        """Install the new base and re-apply the changes made since the snapshot.

        ``O(changes log n)``: every id added since the snapshot lives in the fresh
        delta and every id removed since is listed, so tombstoning those ids in
        the new base (built from before them) leaves exactly the current entries.
        """
        changed = np.unique(np.concatenate([self._delta.slot_ids(), *self._removed_since]))
        rows = tables.rows_of(changed)
        # A fresh (lazily zeroed) bitmap: allocating it costs no O(n) work here.
        removed = np.zeros(len(tables), bool)
        removed[rows] = True
        self._tables, self._removed, self._n_removed = tables, removed, len(rows)
        self._frozen = None
        self._removed_since, self._n_removed_since = [], 0
        self._changed.notify_all()

    def _abort(self, error: Exception | None) -> None:
        """A compaction failed: merge the fresh delta back into the frozen one and go on."""
        frozen = self._frozen
        if frozen is not None:
            # Ids in the fresh delta were removed from the frozen one when they were added.
            frozen.add(*self._delta.entries())
            self._delta, self._frozen = frozen, None
        self._removed_since, self._n_removed_since = [], 0
        self._running = False
        self._error = error
        self._changed.notify_all()

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
        with self._state:
            parts: list[Found] = [
                self._tables.search(q8, threshold, self._removed, self._n_removed)
            ]
            for delta in (self._frozen, self._delta):
                if delta is not None and delta.live:
                    parts.append(delta.search(q64, threshold))
        if len(parts) == 1:
            found_q, found_ids, found_dist = parts[0]
        else:
            found_q, found_ids, found_dist = (np.concatenate(p) for p in zip(*parts, strict=True))
        if nq == 1:
            return [to_hits(found_ids, found_dist)]
        order = np.argsort(found_q, kind="stable")
        found_q, found_ids, found_dist = found_q[order], found_ids[order], found_dist[order]
        bounds = np.searchsorted(found_q, np.arange(nq + 1)).tolist()
        return [to_hits(found_ids[a:b], found_dist[a:b]) for a, b in itertools.pairwise(bounds)]

    # -- persistence --------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index as it is now; a running compaction is neither waited for nor
        disturbed (its base and both deltas are saved, taken consistently under the lock)."""
        with self._state:
            tables = self._tables  # immutable: written below, outside the lock
            removed = np.array(self._removed)
            parts = [d.entries() for d in (self._frozen, self._delta) if d is not None]
        delta_ids = np.concatenate([p[0] for p in parts])
        delta_codes = np.concatenate([p[1] for p in parts])
        params: dict[str, Any] = {
            "count": len(tables),
            "delta_count": len(delta_ids),
            "chunks": tables.chunks,
            "auto_chunks": self.fixed_chunks is None,
            "chunk_bits": tables.bits,
            "auto_chunk_bits": self.fixed_chunk_bits is None,
            "max_threshold": self.max_threshold,
            "delta_limit": self.delta_limit or 0,
        }
        arrays: dict[str, NDArray[Any]] = {
            "codes": tables.codes,
            "ids": tables.ids,
            "rows": tables.rows.reshape(tables.chunks, -1),
            "offsets": tables.offsets.reshape(tables.chunks, -1),
            "removed": removed,
            "delta_codes": delta_codes,
            "delta_ids": delta_ids,
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
        # Written since the chunk count became automatic; older snapshots used the old
        # default (11) unless a caller fixed it, and are re-chunked at their next compaction.
        auto_m = p(manifest, "auto_chunks", bool) if "auto_chunks" in manifest["params"] else auto
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
            chunks=None if auto_m and auto else m,
            chunk_bits=None if auto else bits,
            delta_limit=limit or None,
        )
        index._tables = MihTables(codes, ids, rows, offsets, bits, m)
        index._removed = removed
        index._n_removed = int(np.count_nonzero(removed))
        if len(np.unique(delta_ids)) != k or len(index._live_rows(np.sort(delta_ids))):
            raise CorruptIndexError("index delta repeats an id or one still in the base")
        index._delta.add(delta_ids, delta_codes)
        with index._state:
            # A snapshot saved while a compaction ran holds its whole backlog in the delta;
            # left there, every query would scan it linearly until the next write.
            index._maybe_start(index._limit())
        return index
