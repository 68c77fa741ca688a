"""The PDQ index contract: the ``PdqIndex`` protocol, ``Hit``, and the checks all indexes share.

Every index implementation (the linear oracle, the multi-index-hashing one) accepts
the same inputs and reports the same errors, so the checks live here once.
Codes are PDQ hashes as bytes: an ``(n, 32)`` ``uint8`` array, row ``i`` being
``bytes.fromhex(hex_i)``. Ids are arbitrary ``int64`` (database primary keys).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Self, TypeAlias, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from shieldwall.errors import InputError, InvalidHashError, ShieldwallError
from shieldwall.types import PDQ_BITS

PDQ_BYTES = PDQ_BITS // 8

PdqCodes: TypeAlias = NDArray[np.uint8]
"""PDQ hashes as bytes, shape ``(n, 32)``, dtype ``uint8``."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One indexed entry within the threshold of a query: its id and Hamming distance."""

    id: int
    distance: int


class InvalidThresholdError(InputError, ValueError):
    """A threshold outside what the index supports (it would silently lose matches otherwise)."""

    code = "invalid_threshold"


class CorruptIndexError(ShieldwallError):
    """A saved index whose manifest or arrays cannot be trusted; rebuild it from the store."""

    code = "corrupt_index"
    http_status = 500


@runtime_checkable
class PdqIndex(Protocol):
    """What the matcher needs from a PDQ index; results are exact, never approximate."""

    def add(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> None:
        """Add entries; an id already present has its code replaced."""
        ...

    def remove(self, ids: Iterable[int]) -> int:
        """Remove entries (visible to the next query); return how many were present."""
        ...

    def search(self, queries: NDArray[np.uint8], threshold: int) -> list[list[Hit]]:
        """Per query, every entry at distance <= threshold, sorted by (distance, id)."""
        ...

    def search_one(self, query: bytes | NDArray[np.uint8], threshold: int) -> list[Hit]:
        """One query, the latency path: same answer as ``search([query])[0]``."""
        ...

    def __len__(self) -> int: ...

    def save(self, directory: Path) -> None:
        """Write arrays (.npy) and a JSON manifest to ``directory`` (created if missing)."""
        ...

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        """Read an index written by :meth:`save` (memory-mapped unless ``mmap=False``)."""
        ...


def as_ids(ids: object) -> NDArray[np.int64]:
    """Ids as a 1-D int64 array, or :class:`InputError`."""
    arr = np.asarray(ids)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise InputError("ids must be a 1-D array of integers", value=arr.shape)
    return arr.astype(np.int64, copy=False)


def as_codes(codes: object, *, name: str = "codes") -> NDArray[np.uint8]:
    """Codes as a C-contiguous ``(n, 32)`` uint8 array, or :class:`InvalidHashError`."""
    arr = np.asarray(codes)
    if arr.ndim != 2 or arr.shape[1] != PDQ_BYTES or arr.dtype != np.uint8:
        raise InvalidHashError(
            f"{name} must be an (n, {PDQ_BYTES}) uint8 array of PDQ hashes as bytes",
            value=f"shape={arr.shape} dtype={arr.dtype}",
        )
    return np.ascontiguousarray(arr)


def as_query(query: bytes | NDArray[np.uint8]) -> NDArray[np.uint8]:
    """One query (32 bytes, or a 32-element uint8 array) as a ``(1, 32)`` array."""
    if isinstance(query, bytes | bytearray | memoryview):
        raw = bytes(query)
        if len(raw) != PDQ_BYTES:
            raise InvalidHashError(f"a PDQ query must be {PDQ_BYTES} bytes", value=raw.hex())
        return np.frombuffer(raw, dtype=np.uint8).reshape(1, PDQ_BYTES)
    return as_codes(np.asarray(query).reshape(1, -1), name="query")


def as_u64(codes: NDArray[np.uint8]) -> NDArray[np.uint64]:
    """The ``(n, 4)`` uint64 view of codes; XOR and popcount do not care about byte order."""
    return np.ascontiguousarray(codes).view(np.uint64).reshape(-1, PDQ_BYTES // 8)


def check_threshold(threshold: int, maximum: int) -> int:
    """``threshold`` as an int in ``0..maximum``, or :class:`InvalidThresholdError`."""
    if isinstance(threshold, bool) or not isinstance(threshold, int | np.integer):
        raise InvalidThresholdError("threshold must be an integer", value=threshold)
    if not 0 <= threshold <= maximum:
        raise InvalidThresholdError(
            f"threshold must be between 0 and {maximum} for this index", value=threshold
        )
    return int(threshold)


def last_wins(ids: NDArray[np.int64]) -> NDArray[np.intp]:
    """Positions of the last occurrence of each id, in input order (re-adding replaces)."""
    if len(ids) < 2:
        return np.arange(len(ids))
    _, first_in_reversed = np.unique(ids[::-1], return_index=True)
    return np.sort(len(ids) - 1 - first_in_reversed)


def to_hits(ids: NDArray[np.int64], distances: NDArray[np.integer]) -> list[Hit]:
    """Hits sorted by (distance, id), the order every index promises."""
    order = np.lexsort((ids, distances))
    return [
        Hit(id=i, distance=d)
        for i, d in zip(ids[order].tolist(), distances[order].tolist(), strict=True)
    ]
