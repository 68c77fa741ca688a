"""Descriptor index for the local-features stage: which bank entries share keypoints with an upload.

Why a vote and not a verification here: verifying an upload against every entry (a RANSAC
per entry) does not scale; looking each of the upload's descriptors up once and counting,
per entry, the descriptors whose nearest bank descriptor belongs to it gives a short list
of candidates, and only those are verified (:func:`shieldwall.hashing.local_features.verify`).

Exact nearest neighbours by Hamming distance with faiss's ``IndexBinaryFlat`` (brute
force, SIMD popcount). At a few hundred entries that takes a few milliseconds per upload;
it grows linearly with the bank (500 descriptors an entry), so a bank of hundreds of
thousands of image-added entries would need faiss's ``IndexBinaryIVF`` (approximate) —
not done yet, see bench/RESULTS.md. Removals are tombstones (``discard``): the owner is
skipped when votes are counted and the next rebuild drops its rows.

Knows nothing of ORB beyond "256-bit descriptors" and nothing of the store.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

import faiss
import numpy as np
import numpy.typing as npt

__all__ = ["DescriptorIndex", "DescriptorVotes"]

K = TypeVar("K", bound=Hashable)

_BITS = 256


@dataclass(frozen=True, slots=True)
class DescriptorVotes(Generic[K]):
    """One candidate: an entry key and how many of the upload's descriptors voted for it."""

    key: K
    votes: int


class DescriptorIndex(Generic[K]):
    """256-bit descriptors of many entries, each row owned by one entry key."""

    def __init__(self) -> None:
        self._index = faiss.IndexBinaryFlat(_BITS)
        self._owners = np.zeros(0, dtype=np.int64)
        self._keys: list[K] = []
        self._slot: dict[K, int] = {}
        self._gone: set[int] = set()

    def __len__(self) -> int:
        """Entries held (tombstoned ones excluded)."""
        return len(self._slot)

    def __contains__(self, key: object) -> bool:
        return key in self._slot

    @property
    def descriptor_count(self) -> int:
        """Rows in the faiss index, tombstoned ones included."""
        return int(self._index.ntotal)

    def memory_bytes(self) -> int:
        """Descriptor rows plus the owner table (8 bytes a row as Python ints are not
        counted exactly; this is the array size they would take)."""
        return self.descriptor_count * (_BITS // 8 + 8)

    def add(self, key: K, descriptors: npt.NDArray[np.uint8]) -> None:
        """Add an entry's descriptors (``(n, 32)`` uint8); re-adding a key replaces it."""
        if key in self._slot:
            self.discard(key)
        if descriptors.ndim != 2 or descriptors.shape[1] != _BITS // 8:
            raise ValueError(f"descriptors must be (n, 32) uint8, got {descriptors.shape}")
        slot = len(self._keys)
        self._keys.append(key)
        self._slot[key] = slot
        if len(descriptors):
            self._index.add(np.ascontiguousarray(descriptors, dtype=np.uint8))
            self._owners = np.concatenate(
                [self._owners, np.full(len(descriptors), slot, dtype=np.int64)]
            )

    def discard(self, key: K) -> None:
        """Forget an entry (a tombstone; its rows stay until the index is rebuilt)."""
        slot = self._slot.pop(key, None)
        if slot is not None:
            self._gone.add(slot)

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
        distances, rows = self._index.search(np.ascontiguousarray(descriptors, np.uint8), 2)
        owners = self._owners
        d1, d2 = distances[:, 0], distances[:, 1]
        r1, r2 = rows[:, 0], rows[:, 1]
        o1 = owners[np.where(r1 >= 0, r1, 0)]
        o2 = np.where(r2 >= 0, owners[np.where(r2 >= 0, r2, 0)], -1)
        ok = (r1 >= 0) & (d1 <= max_hamming) & ((o1 == o2) | (d1 < ratio * d2) | (r2 < 0))
        counts = np.bincount(o1[ok], minlength=len(self._keys))
        order = np.argsort(-counts, kind="stable")
        out: list[DescriptorVotes[K]] = []
        for slot in order:
            if counts[slot] < min_votes or len(out) >= limit:
                break
            if int(slot) not in self._gone:
                out.append(DescriptorVotes(self._keys[int(slot)], int(counts[slot])))
        return out
