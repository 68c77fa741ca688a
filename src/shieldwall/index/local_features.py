"""Descriptor index for the local-features stage: which bank entries share keypoints with an upload.

Why a vote and not a verification here: verifying an upload against every entry (a RANSAC
per entry) does not scale; looking each of the upload's descriptors up once and counting,
per entry, the descriptors whose nearest bank descriptor belongs to it gives a short list
of candidates, and only those are verified (:func:`shieldwall.hashing.local_features.verify`).

Nearest neighbours by Hamming distance with faiss: exact (``IndexBinaryFlat``, brute
force) below ``FLAT_MAX_ROWS`` descriptor rows (~100 entries), then ``IndexBinaryIVF``
(``sqrt(rows)`` lists, ``NPROBE`` searched). Why: brute force over 126 entries' 62k rows
cost ~100 ms CPU per upload (1000 query descriptors) and grows linearly; the IVF answers
in ~11 ms there and finds the same nearest neighbour for 96.5% of the close matches
(distance ≤ 50), which a vote of dozens of descriptors hardly notices (bench/RESULTS.md).
The IVF is retrained when the rows have grown fourfold since it was trained, so a bank
built entry by entry pays a geometric series of rebuilds. Removals are tombstones
(``discard``): the owner is skipped when votes are counted and a rebuild drops its rows.

Knows nothing of ORB beyond "256-bit descriptors" and nothing of the store.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import faiss
import numpy as np
import numpy.typing as npt

__all__ = ["DescriptorIndex", "DescriptorVotes"]

K = TypeVar("K", bound=Hashable)

_BITS = 256
_BYTES = _BITS // 8
FLAT_MAX_ROWS = 50_000
"""Descriptor rows up to which the search is exact (brute force)."""
NPROBE = 16
"""Inverted lists searched per descriptor once the index is an IVF."""
_GROWTH = 4
"""Retrain the IVF when the rows reach this multiple of the rows it was trained on."""


@dataclass(frozen=True, slots=True)
class DescriptorVotes(Generic[K]):
    """One candidate: an entry key and how many of the upload's descriptors voted for it."""

    key: K
    votes: int


class DescriptorIndex(Generic[K]):
    """256-bit descriptors of many entries, each row owned by one entry key."""

    def __init__(self) -> None:
        self._index: faiss.IndexBinary = faiss.IndexBinaryFlat(_BITS)
        self._quantizer: faiss.IndexBinary | None = None  # the IVF's; faiss does not own it
        self._trained_rows = 0
        self._owners = np.zeros(0, dtype=np.int64)
        self._keys: list[K] = []
        self._slot: dict[K, int] = {}
        self._gone: set[int] = set()
        self._gone_rows = 0

    def __len__(self) -> int:
        """Entries held (tombstoned ones excluded)."""
        return len(self._slot)

    def __contains__(self, key: object) -> bool:
        return key in self._slot

    @property
    def descriptor_count(self) -> int:
        """Rows in the faiss index, tombstoned ones included."""
        return int(self._index.ntotal)

    @property
    def approximate(self) -> bool:
        """Whether the search is an IVF (approximate) rather than brute force."""
        return self._quantizer is not None

    def memory_bytes(self) -> int:
        """Descriptor rows, their owners and, for the IVF, its list ids and direct map
        (the centroids are not counted: ``sqrt(rows)`` of 32 bytes)."""
        per_row = _BYTES + 8 + (16 if self.approximate else 0)
        return self.descriptor_count * per_row

    def add(self, key: K, descriptors: npt.NDArray[np.uint8]) -> None:
        """Add an entry's descriptors (``(n, 32)`` uint8). Adding a key already held does
        nothing: an entry's features never change once stored, and the change log may
        replay an ``add`` (duplicated rows would split the entry's own votes)."""
        if key in self._slot:
            return
        if descriptors.ndim != 2 or descriptors.shape[1] != _BYTES:
            raise ValueError(f"descriptors must be (n, 32) uint8, got {descriptors.shape}")
        slot = len(self._keys)
        self._keys.append(key)
        self._slot[key] = slot
        if len(descriptors):
            self._index.add(np.ascontiguousarray(descriptors, dtype=np.uint8))
            self._owners = np.concatenate(
                [self._owners, np.full(len(descriptors), slot, dtype=np.int64)]
            )
            rows = int(self._index.ntotal)
            if (not self.approximate and rows >= FLAT_MAX_ROWS) or (
                self.approximate and rows >= _GROWTH * self._trained_rows
            ):
                self._rebuild()

    def discard(self, key: K) -> None:
        """Forget an entry (a tombstone; its rows stay until the index is rebuilt)."""
        slot = self._slot.pop(key, None)
        if slot is not None:
            self._gone.add(slot)
            self._gone_rows += int(np.count_nonzero(self._owners == slot))
            if self._gone_rows * 4 > len(self._owners):  # mostly dead rows: compact
                self._rebuild()

    def _codes(self) -> npt.NDArray[np.uint8]:
        """Every stored row, in row order (what a rebuild starts from)."""
        n = int(self._index.ntotal)
        if not n:
            return np.zeros((0, _BYTES), np.uint8)
        if isinstance(self._index, faiss.IndexBinaryIVF):
            return np.asarray(self._index.reconstruct_n(0, n), dtype=np.uint8)
        flat: Any = self._index  # faiss's typing does not name IndexBinaryFlat's storage
        return faiss.vector_to_array(flat.xb).reshape(n, _BYTES)

    def _rebuild(self) -> None:
        """Drop tombstoned rows and index the rest anew: brute force while few, else an IVF
        trained on them."""
        keep = ~np.isin(self._owners, np.fromiter(self._gone, np.int64, len(self._gone)))
        codes = np.ascontiguousarray(self._codes()[keep])
        self._owners = self._owners[keep]
        self._gone.clear()
        self._gone_rows = 0
        if len(codes) < FLAT_MAX_ROWS:
            self._index, self._quantizer = faiss.IndexBinaryFlat(_BITS), None
        else:
            quantizer = faiss.IndexBinaryFlat(_BITS)
            ivf = faiss.IndexBinaryIVF(quantizer, _BITS, max(64, math.isqrt(len(codes))))
            ivf.train(codes)
            ivf.make_direct_map()
            ivf.nprobe = NPROBE
            self._index, self._quantizer = ivf, quantizer
        if len(codes):
            self._index.add(codes)
        self._trained_rows = len(codes)

    def candidates(
        self,
        descriptors: npt.NDArray[np.uint8],
        *,
        max_hamming: int = 64,
        ratio: float = 0.8,
        min_votes: int = 8,
        limit: int = 10,
    ) -> list[DescriptorVotes[K]]:
        """Entries with at least ``min_votes`` votes, most votes first, at most ``limit``.

        A descriptor votes for the owner of its nearest bank descriptor when that is within
        ``max_hamming`` bits and either the second nearest has the same owner or the nearest
        is clearly closer (``ratio``, Lowe's test across the bank)."""
        if not len(descriptors) or not self._index.ntotal:
            return []
        # Four neighbours, so that two remain when tombstoned rows are among them.
        distances, rows = self._index.search(np.ascontiguousarray(descriptors, np.uint8), 4)
        dead = np.zeros(len(self._keys) + 1, dtype=bool)
        dead[list(self._gone)] = True
        dead[-1] = True  # owner -1: no neighbour
        owners = np.where(rows >= 0, self._owners[np.where(rows >= 0, rows, 0)], -1)
        alive = ~dead[owners]
        # The first two live neighbours of each descriptor, in distance order.
        order = np.argsort(~alive, axis=1, kind="stable")[:, :2]
        d = np.take_along_axis(distances, order, axis=1).astype(np.float64)
        o = np.take_along_axis(owners, order, axis=1)
        live = np.take_along_axis(alive, order, axis=1)
        d1, d2, o1, o2 = d[:, 0], d[:, 1], o[:, 0], o[:, 1]
        second = live[:, 1]
        ok = live[:, 0] & (d1 <= max_hamming) & ((o1 == o2) | (d1 < ratio * d2) | ~second)
        counts = np.bincount(o1[ok], minlength=len(self._keys))
        ranked = np.argsort(-counts, kind="stable")[:limit]
        return [
            DescriptorVotes(self._keys[int(slot)], int(counts[slot]))
            for slot in ranked
            if counts[slot] >= min_votes
        ]
