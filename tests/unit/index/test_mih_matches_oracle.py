"""Property tests: the multi-index-hashing index returns exactly what brute force returns.

Exactness is the whole promise (recall 1.0, no false hits), so the queries are
built to sit on the edge: hashes planted at distance == threshold and
threshold + 1, random thresholds, and histories of adds, removals, re-adds and
compactions, for several chunkings.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.index import LinearPdqIndex, MihPdqIndex
from shieldwall.index.mih import chunk_radii, chunk_starts, chunk_values


def flip(code: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    unpacked = np.unpackbits(code)
    unpacked[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(unpacked)


def planted_queries(codes: np.ndarray, threshold: int, rng: np.random.Generator) -> np.ndarray:
    """Queries at distance threshold-1, threshold, threshold+1 from stored codes, plus noise."""
    rows = rng.integers(0, len(codes), 12)
    near = [flip(codes[r], max(0, threshold + k % 3 - 1), rng) for k, r in enumerate(rows)]
    noise = rng.integers(0, 256, (4, 32), dtype=np.uint8)
    return np.concatenate([np.stack(near), noise, codes[:2]])


chunkings = st.sampled_from(
    [
        {},
        {"chunks": 11},
        {"chunks": 11, "chunk_bits": 12},
        {"chunks": 8, "chunk_bits": 10},
        {"chunks": 16, "chunk_bits": 16},
        {"chunks": 4},
        {"chunks": 11, "delta_limit": 40},
    ]
)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    threshold=st.integers(0, 31),
    chunking=chunkings,
    ops=st.lists(st.sampled_from(["add", "remove", "readd", "compact"]), max_size=6),
)
def test_mih_equals_linear_oracle(
    seed: int, threshold: int, chunking: dict[str, int], ops: list[str]
) -> None:
    rng = np.random.default_rng(seed)
    mih, oracle = MihPdqIndex(**chunking), LinearPdqIndex()
    # Clustered codes (near-duplicates of a few seeds) make matches common.
    seeds = rng.integers(0, 256, (20, 32), dtype=np.uint8)
    codes = np.stack([flip(seeds[i % 20], int(rng.integers(0, 40)), rng) for i in range(600)])
    ids = rng.choice(10**12, 600, replace=False).astype(np.int64)
    for index in (mih, oracle):
        index.add(ids, codes)
    mih.compact()  # start from a built base, so later changes exercise base + delta
    for op in ops:
        if op == "add":
            new_ids = rng.choice(10**12, 30, replace=False).astype(np.int64)
            new_codes = np.stack([flip(codes[int(rng.integers(600))], 3, rng) for _ in range(30)])
            mih.add(new_ids, new_codes)
            oracle.add(new_ids, new_codes)
        elif op == "remove":
            gone = rng.choice(ids, 25).tolist()
            assert mih.remove(gone) == oracle.remove(gone)
        elif op == "readd":
            again = rng.choice(ids, 10, replace=False)
            fresh = rng.integers(0, 256, (10, 32), dtype=np.uint8)
            mih.add(again, fresh)
            oracle.add(again, fresh)
        else:
            mih.compact()
        assert len(mih) == len(oracle)
    queries = planted_queries(codes, threshold, rng)
    assert mih.search(queries, threshold) == oracle.search(queries, threshold)
    assert [mih.search_one(q, threshold) for q in queries[:3]] == oracle.search(
        queries[:3], threshold
    )


@given(threshold=st.integers(0, 63), chunks=st.integers(1, 64))
def test_chunk_radii_satisfy_the_pigeonhole_bound(threshold: int, chunks: int) -> None:
    radii = chunk_radii(threshold, chunks)
    assert len(radii) == chunks
    assert sum(r + 1 for r in radii) == threshold + 1
    assert max(radii) - min(radii) <= 1


@given(data=st.binary(min_size=32, max_size=32), chunks=st.sampled_from([4, 8, 11, 16]))
def test_chunk_values_read_the_right_bits(data: bytes, chunks: int) -> None:
    bits = min(24, 256 // chunks)
    text = "".join(f"{byte:08b}" for byte in data)
    codes = np.frombuffer(data, np.uint8).reshape(1, 32)
    for start in chunk_starts(chunks).tolist():
        assert int(chunk_values(codes, start, bits)[0]) == int(text[start : start + bits], 2)


def test_batched_and_single_searches_agree_beyond_one_block() -> None:
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    mih = MihPdqIndex()
    mih.add(np.arange(3000, dtype=np.int64), codes)
    queries = np.stack([flip(codes[i], i % 32, rng) for i in range(300)])
    batched = mih.search(queries, 31)
    assert batched == [mih.search_one(q, 31) for q in queries]
    assert all(hits and hits[0].id == i for i, hits in enumerate(batched))


def test_delta_is_folded_into_the_base_by_compact() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 256, (100, 32), dtype=np.uint8)
    mih = MihPdqIndex()
    mih.add(np.arange(100, dtype=np.int64), codes)
    mih.remove([0, 1])
    assert (mih.base_size, mih.delta_size, len(mih)) == (0, 100, 98)
    mih.compact()
    assert (mih.base_size, mih.delta_size, len(mih)) == (98, 0, 98)
    assert mih.search_one(codes[5], 0)[0].id == 5
    assert mih.search_one(codes[0], 0) == []
