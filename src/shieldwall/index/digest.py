"""Exact lookup of cryptographic digests (MD5, SHA-256): which entries hold these bytes?

Digests only ever match byte-for-byte, so this is a map, not a similarity
index. It is kept as two sorted arrays (digest keys and ids) plus a small
in-memory delta, like the PDQ index, so that it saves as ``.npy`` arrays,
loads memory-mapped, and costs ``digest_size + 16`` bytes per entry instead of
a Python dict's ~150.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Self

import numpy as np
from numpy.typing import NDArray

from shieldwall.errors import InvalidHashError
from shieldwall.index import storage
from shieldwall.index.protocol import CorruptIndexError, as_ids

KIND = "digest"
DIGEST_SIZES = (16, 32)
"""MD5 and SHA-256 digest sizes in bytes."""


class DigestIndex:
    """Digest -> ids, for one digest size (fixed by the first add, or ``digest_size``)."""

    def __init__(self, digest_size: int | None = None, *, delta_limit: int = 65536) -> None:
        if digest_size is not None and digest_size not in DIGEST_SIZES:
            raise ValueError(f"digest_size must be one of {DIGEST_SIZES}")
        self.digest_size = digest_size
        self.delta_limit = delta_limit
        # Base: rows sorted by (digest, id); ``_ids`` aligned; ``_by_id`` rows sorted by id.
        self._digests = np.empty((0, digest_size or 16), np.uint8)
        self._ids = np.empty(0, np.int64)
        self._by_id = np.empty(0, np.int64)
        self._removed = np.zeros(0, bool)
        self._n_removed = 0
        # Delta: recent changes, folded into the base by compact().
        self._delta: dict[int, bytes] = {}
        self._delta_by_digest: dict[bytes, set[int]] = {}

    def __len__(self) -> int:
        return len(self._ids) - self._n_removed + len(self._delta)

    def _check(self, digest: bytes) -> bytes:
        if not isinstance(digest, bytes):
            raise InvalidHashError("a digest must be bytes", value=digest)
        size = self.digest_size or len(digest)
        if len(digest) != size or size not in DIGEST_SIZES:
            raise InvalidHashError(
                f"a digest must be {size if self.digest_size else '16 or 32'} bytes",
                value=digest.hex(),
            )
        return digest

    def _base_rows_of_ids(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        if not len(self._ids) or not len(ids):
            return np.empty(0, np.int64)
        pos = np.searchsorted(self._ids, ids, sorter=self._by_id)
        inside = pos < len(self._ids)
        rows: NDArray[np.int64] = self._by_id[pos[inside]]
        rows = rows[self._ids[rows] == ids[inside]]
        return rows[~self._removed[rows]]

    def _base_rows_of_digest(self, digest: bytes) -> NDArray[np.int64]:
        if not len(self._ids):
            return np.empty(0, np.int64)
        keys = self._digests.view(f"S{self._digests.shape[1]}").ravel()
        # ``S`` comparison ignores trailing NULs; the exact check below restores equality.
        lo = int(np.searchsorted(keys, digest, side="left"))
        hi = int(np.searchsorted(keys, digest, side="right"))
        rows = np.arange(lo, hi)
        want = np.frombuffer(digest, np.uint8)
        rows = rows[np.all(self._digests[rows] == want, axis=1)]
        return rows[~self._removed[rows]]

    def add(self, ids: NDArray[np.int64], digests: Sequence[bytes]) -> None:
        """Add (or replace) entries; ``ids[i]`` holds ``digests[i]``."""
        ids = as_ids(ids)
        if len(ids) != len(digests):
            raise ValueError(f"{len(ids)} ids but {len(digests)} digests")
        checked = [self._check(d) for d in digests]
        if checked and self.digest_size is None:
            self.digest_size = len(checked[0])
            self._digests = np.empty((0, self.digest_size), np.uint8)
        self.remove(ids.tolist())
        for key, digest in zip(ids.tolist(), checked, strict=True):
            old = self._delta.get(key)
            if old is not None:
                self._delta_by_digest[old].discard(key)
            self._delta[key] = digest
            self._delta_by_digest.setdefault(digest, set()).add(key)
        if len(self._delta) > self.delta_limit:
            self.compact()

    def remove(self, ids: Iterable[int]) -> int:
        """Remove entries by id; returns how many were present."""
        wanted = np.unique(np.fromiter((int(i) for i in ids), np.int64))
        removed = 0
        for key in wanted.tolist():
            digest = self._delta.pop(key, None)
            if digest is not None:
                self._delta_by_digest[digest].discard(key)
                removed += 1
        rows = self._base_rows_of_ids(wanted)
        if len(rows):
            if not self._removed.flags.writeable:
                self._removed = np.array(self._removed)
            self._removed[rows] = True
            self._n_removed += len(rows)
        return removed + len(rows)

    def lookup(self, digest: bytes) -> list[int]:
        """Ids holding exactly ``digest``, ascending."""
        digest = self._check(digest)
        found = set(self._ids[self._base_rows_of_digest(digest)].tolist())
        found |= self._delta_by_digest.get(digest, set())
        return sorted(found)

    def lookup_many(self, digests: Sequence[bytes]) -> list[list[int]]:
        return [self.lookup(d) for d in digests]

    def _live(self) -> tuple[NDArray[np.int64], NDArray[np.uint8]]:
        live = ~self._removed
        size = self.digest_size or 16
        delta_ids = np.fromiter(self._delta.keys(), np.int64, len(self._delta))
        delta = np.frombuffer(b"".join(self._delta.values()), np.uint8).reshape(-1, size)
        return (
            np.concatenate([self._ids[live], delta_ids]),
            np.concatenate([self._digests[live], delta]),
        )

    def compact(self) -> None:
        """Fold the delta and removals into new sorted base arrays."""
        ids, digests = self._live()
        size = digests.shape[1]
        order = np.lexsort((ids, digests.view(f"S{size}").ravel()))
        self._set_base(digests[order], ids[order], np.zeros(len(ids), bool))
        self._delta.clear()
        self._delta_by_digest.clear()

    def _set_base(
        self, digests: NDArray[np.uint8], ids: NDArray[np.int64], removed: NDArray[np.bool_]
    ) -> None:
        self._digests = np.ascontiguousarray(digests)
        self._ids = ids
        self._by_id = np.argsort(ids, kind="stable").astype(np.int64)
        self._removed = removed
        self._n_removed = int(np.count_nonzero(removed))

    def save(self, directory: Path) -> None:
        self.compact()
        params = {"count": len(self._ids), "digest_size": self.digest_size or 0}
        storage.write_index(directory, KIND, params, {"digests": self._digests, "ids": self._ids})

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        manifest = storage.read_manifest(directory)
        if manifest["kind"] != KIND:
            raise CorruptIndexError(f"this is a {manifest['kind']!r} index, not {KIND!r}")
        n, size = storage.param(manifest, "count"), storage.param(manifest, "digest_size")
        if size not in (0, *DIGEST_SIZES) or n < 0 or (size == 0 and n):
            raise CorruptIndexError("index manifest has an impossible digest size or count")
        digests = storage.load_array(
            directory, manifest, "digests", dtype=np.uint8, shape=(n, size or 16), mmap=mmap
        )
        ids = storage.load_array(directory, manifest, "ids", dtype=np.int64, shape=(n,), mmap=mmap)
        index = cls(size or None)
        index._set_base(digests, ids, np.zeros(n, bool))
        return index
