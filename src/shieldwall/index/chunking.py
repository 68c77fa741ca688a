"""Chunk arithmetic for multi-index hashing: where chunks sit, their radii, and verification.

Pure functions over numpy arrays, kept apart from :mod:`shieldwall.index.mih`
so the pigeonhole arithmetic can be read (and property-tested) on its own.
"""

from __future__ import annotations

import functools
import itertools
import math

import faiss
import numpy as np
from numpy.typing import NDArray

from shieldwall.index.protocol import PDQ_BYTES
from shieldwall.types import PDQ_BITS

MAX_CHUNK_BITS = 24
"""Offsets tables grow as 2^b: 24 bits is already 64 MiB per chunk."""


def chunk_starts(chunks: int) -> NDArray[np.int64]:
    """First bit of each chunk, spread evenly over the 256 bits."""
    return (np.arange(chunks, dtype=np.int64) * PDQ_BITS) // chunks


def chunk_values(codes: NDArray[np.uint8], start: int, bits: int) -> NDArray[np.uint32]:
    """The ``bits``-bit value at bit ``start`` (big-endian) of every code, for one chunk."""
    first = start // 8
    acc = np.zeros(len(codes), dtype=np.uint32)
    for i in range(4):
        if first + i < PDQ_BYTES:
            acc |= codes[:, first + i].astype(np.uint32) << np.uint32(24 - 8 * i)
    shift = 32 - (start % 8) - bits
    return (acc >> np.uint32(shift)) & np.uint32((1 << bits) - 1)


SMALL_INDEX_CHUNKS, LARGE_INDEX_CHUNKS = 16, 11
"""Chunk counts :func:`auto_chunks` picks between (threshold 31)."""

SMALL_INDEX_LIMIT = 1_500_000
"""Below this many entries, 16 chunks of 16 bits beat 11 wider ones (measured, below)."""


def auto_chunks(n: int) -> int:
    """How many chunks a base of ``n`` entries is split into: 16 below ~1.5M, else 11.

    The trade is probes against candidates. At threshold 31, 16 chunks of 16 bits need
    272 probes a query, each returning ``n / 65536`` candidates; 11 chunks of ``log2(n)``
    bits need ~2-3k probes returning about one candidate each. Measured on one core, 1,000
    queries at distance 8 in a batch (random codes, 2026-12-04): 100k entries 14 us a
    query with 16 chunks against 49 us with 11; 1M 65 against 114 us; 2M 190 against
    158 us; 10M 1,483 against 270 us. Sixteen chunks also hold less memory below the
    crossing (at 1M, 108 against 130 bytes an entry: the offsets table is 2^16 slots, not
    2^20).
    """
    return SMALL_INDEX_CHUNKS if n < SMALL_INDEX_LIMIT else LARGE_INDEX_CHUNKS


def auto_chunk_bits(n: int, chunks: int) -> int:
    """``b ~ log2(n)``: about one entry per chunk value, so tables cost ~8 B/entry/chunk."""
    return max(8, min(round(math.log2(max(n, 1))), PDQ_BITS // chunks, MAX_CHUNK_BITS))


def chunk_radii(threshold: int, chunks: int) -> list[int]:
    """Per-chunk flip radii with ``sum(r + 1) == threshold + 1`` (-1: chunk not probed)."""
    share, extra = divmod(threshold + 1, chunks)
    return [share + (1 if j < extra else 0) - 1 for j in range(chunks)]


@functools.lru_cache(maxsize=64)
def flip_masks(bits: int, radius: int) -> NDArray[np.int64]:
    """Every ``bits``-bit mask with at most ``radius`` set bits, fewest bits first (read-only)."""
    masks = np.array(
        [
            sum(1 << i for i in combo)
            for r in range(min(radius, bits) + 1)
            for combo in itertools.combinations(range(bits), r)
        ],
        dtype=np.int64,
    )
    masks.flags.writeable = False  # shared through the cache
    return masks


def distances(
    queries: NDArray[np.uint8], rows: NDArray[np.uint8], query_of_row: NDArray[np.intp]
) -> NDArray[np.int32]:
    """Hamming distance of each row to its query; ``query_of_row`` is sorted.

    faiss's ``hammings`` (a C popcount loop) is ~5x faster here than numpy, whose
    XOR and sum over a length-4 axis pay per-row overhead.
    """
    out = np.empty(len(rows), np.int32)
    bounds = np.searchsorted(query_of_row, np.arange(len(queries) + 1)).tolist()
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        if b > a:
            faiss.hammings(  # type: ignore[attr-defined]  # SWIG function, not in the stubs
                faiss.swig_ptr(queries[i]),
                faiss.swig_ptr(rows[a:b]),
                1,
                b - a,
                PDQ_BYTES,
                faiss.swig_ptr(out[a:b]),
            )
    return out


def hamming_table(queries: NDArray[np.uint8], rows: NDArray[np.uint8]) -> NDArray[np.int32]:
    """``(len(queries), len(rows))`` Hamming distances, every query against every row.

    Used for the linear scan of an index's recent additions: faiss's C loop costs ~20 us
    for one query against 8,192 rows where numpy's XOR and sum over the length-4 axis cost
    ~220 us, and every lookup pays it.
    """
    out = np.empty((len(queries), len(rows)), np.int32)
    if len(queries) and len(rows):
        q = np.ascontiguousarray(queries)
        r = np.ascontiguousarray(rows)
        faiss.hammings(  # type: ignore[attr-defined]  # SWIG function, not in the stubs
            faiss.swig_ptr(q), faiss.swig_ptr(r), len(q), len(r), PDQ_BYTES, faiss.swig_ptr(out)
        )
    return out
