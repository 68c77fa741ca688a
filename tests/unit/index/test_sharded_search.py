"""A corpus retro-hunt split over shards finds exactly what one index over everything finds.

The batch engine holds the remembered items in several :class:`ShardIndex` (one per Ray
actor) and merges their rows; here the shards are held in-process and the merged answer is
compared with the brute-force oracle (:class:`LinearPdqIndex`) over the whole set, for shard
counts that do and do not divide the set, including empty shards.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from shieldwall.index.linear import LinearPdqIndex
from shieldwall.pipeline.corpus_hunt import ShardIndex, local_search


def _near(code: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    out = code.copy()
    for bit in rng.choice(256, size=bits, replace=False):
        out[bit // 8] ^= 1 << (bit % 8)
    return out


@pytest.mark.parametrize("shards", [1, 2, 3, 7, 40])
def test_sharded_search_equals_the_oracle_over_everything(shards: int) -> None:
    rng = np.random.default_rng(shards)
    codes = rng.integers(0, 256, size=(30, 32), dtype=np.uint8)
    ids = np.arange(100, 130, dtype=np.int64)
    probes = np.stack(
        [
            _near(codes[i], bits, rng)
            for i, bits in zip(range(0, 30, 3), itertools.cycle([0, 9, 20, 31, 40]))
        ]
        + [rng.integers(0, 256, size=32, dtype=np.uint8)]
    )
    oracle = LinearPdqIndex()
    oracle.add(ids, codes)
    bounds = np.linspace(0, len(ids), shards + 1, dtype=np.int64)
    held = [ShardIndex((ids[a:b], codes[a:b])) for a, b in itertools.pairwise(bounds)]
    search = local_search(held)
    pdqs = [bytes(p).hex() for p in probes]
    for threshold in (0, 10, 31):
        expected = [
            sorted((h.id, h.distance) for h in row) for row in oracle.search(probes, threshold)
        ]
        got = [sorted(row) for row in search(pdqs, threshold)]
        assert got == expected
    assert sum(len(r) for r in search(pdqs, 31)) >= 8  # the planted copies within 31 are found
