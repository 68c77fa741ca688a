"""The small, mutable half of :class:`~shieldwall.index.mih.MihPdqIndex`: recent additions.

A :class:`Delta` holds entries added since the last compaction, scanned linearly
by every query. It is append-only apart from two in-place changes: re-adding an
id already in it overwrites that slot's code, and removing an id clears its
``alive`` flag (the slot is reclaimed by the next compaction). While a
compaction runs the index holds two of them: the *frozen* one the compaction is
folding in (only ``alive`` flags still change there) and a fresh one receiving
new additions. The index's lock guards every call.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from shieldwall.index.chunking import hamming_table
from shieldwall.index.mih_tables import Found, nothing_found
from shieldwall.index.protocol import PDQ_BYTES

_SCAN_CELLS = 1 << 20
"""Query x entry pairs compared at once: bounds the scan's temporary memory to ~32 MB."""


class Delta:
    """Entries in slots ``0..n``; ``slot_of`` maps each live id to its slot."""

    __slots__ = ("alive", "codes", "ids", "n", "slot_of")

    def __init__(self) -> None:
        self.codes = np.empty((16, PDQ_BYTES), np.uint8)
        self.ids = np.empty(16, np.int64)
        self.alive = np.zeros(16, bool)
        self.n = 0
        self.slot_of: dict[int, int] = {}

    @property
    def live(self) -> int:
        """Entries present (slots minus removed ones)."""
        return len(self.slot_of)

    @property
    def nbytes(self) -> int:
        """Array bytes plus an estimate for the id map."""
        return self.codes.nbytes + self.ids.nbytes + self.alive.nbytes + 100 * len(self.slot_of)

    def add(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        """Add or replace entries (``ids`` unique); the caller removes them elsewhere first."""
        need = self.n + len(ids)
        if need > len(self.ids):
            cap = max(need, 2 * len(self.ids))
            self.codes = np.resize(self.codes, (cap, PDQ_BYTES))
            self.ids = np.resize(self.ids, cap)
            self.alive = np.resize(self.alive, cap)
        for i, key in enumerate(ids.tolist()):
            slot = self.slot_of.get(key)
            if slot is None:
                slot = self.slot_of[key] = self.n
                self.n += 1
                self.ids[slot] = key
                self.alive[slot] = True
            self.codes[slot] = codes[i]

    def kill(self, ids: list[int]) -> int:
        """Remove these ids if present; returns how many were."""
        removed = 0
        for key in ids:
            slot = self.slot_of.pop(key, None)
            if slot is not None:
                self.alive[slot] = False
                removed += 1
        return removed

    def entries(self) -> tuple[NDArray[np.int64], NDArray[np.uint8]]:
        """Copies of the live ids and codes, in slot order."""
        keep = np.flatnonzero(self.alive[: self.n])
        return self.ids[keep], self.codes[keep]

    def slot_ids(self) -> NDArray[np.int64]:
        """Every id that has a slot, live or removed (a view: copy before the next add)."""
        return self.ids[: self.n]

    def search(self, q64: NDArray[np.uint64], threshold: int) -> Found:
        """(query number, id, distance) of every live entry within the threshold."""
        if not self.slot_of:
            return nothing_found()
        queries = np.ascontiguousarray(q64).view(np.uint8).reshape(len(q64), PDQ_BYTES)
        step = max(1, _SCAN_CELLS // len(q64))
        parts: list[Found] = []
        for lo in range(0, self.n, step):
            hi = min(self.n, lo + step)
            dist = hamming_table(queries, self.codes[lo:hi])
            qn, slot = np.nonzero((dist <= threshold) & self.alive[lo:hi])
            parts.append((qn, self.ids[lo:hi][slot], dist[qn, slot]))
        if len(parts) == 1:
            return parts[0]
        q, i, d = zip(*parts, strict=True)
        return np.concatenate(q), np.concatenate(i), np.concatenate(d)
