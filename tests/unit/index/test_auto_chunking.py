"""The index picks its chunk count from its size, and a snapshot keeps that choice honest.

Below ~1.5M entries sixteen 16-bit chunks answer faster than eleven wider ones; above,
eleven win (``chunking.auto_chunks``). The choice is made at each compaction, so a
saved index must say whether its count was chosen or fixed: a fixed count stays fixed
through save, load and compaction, a chosen one is chosen again, and a snapshot written
before the count was automatic (no ``auto_chunks`` in its manifest) still loads and
answers the same.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shieldwall.index import MihPdqIndex
from shieldwall.index.chunking import SMALL_INDEX_LIMIT, auto_chunks


def filled(index: MihPdqIndex, n: int = 300) -> tuple[np.ndarray, MihPdqIndex]:
    codes = np.random.default_rng(7).integers(0, 256, (n, 32), dtype=np.uint8)
    index.add(np.arange(n, dtype=np.int64), codes)
    index.compact()
    return codes, index


def near(codes: np.ndarray, bits: int = 12) -> np.ndarray:
    unpacked = np.unpackbits(codes, axis=1)
    unpacked[:, :bits] ^= 1
    return np.packbits(unpacked, axis=1)


def test_small_and_large_sizes_get_their_counts() -> None:
    assert auto_chunks(0) == 16
    assert auto_chunks(SMALL_INDEX_LIMIT - 1) == 16
    assert auto_chunks(SMALL_INDEX_LIMIT) == 11
    assert auto_chunks(10_000_000) == 11


def test_a_default_index_is_chunked_for_its_size() -> None:
    _, index = filled(MihPdqIndex())
    assert (index.chunks, index.chunk_bits) == (16, 8)  # log2(300) bits, at least 8


def test_a_fixed_count_survives_save_load_and_compaction(tmp_path: Path) -> None:
    codes, index = filled(MihPdqIndex(chunks=11))
    assert index.chunks == 11
    index.save(tmp_path / "i")
    again = MihPdqIndex.load(tmp_path / "i")
    again.add(np.array([10_000], np.int64), codes[:1])
    again.compact()
    assert again.chunks == 11


def test_an_older_snapshot_without_the_flag_loads_and_is_rechunked(tmp_path: Path) -> None:
    codes, index = filled(MihPdqIndex(chunks=11))
    index.save(tmp_path / "i")
    manifest_path = tmp_path / "i" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["params"]["auto_chunks"]  # as written before the count was automatic
    manifest_path.write_text(json.dumps(manifest))
    old = MihPdqIndex.load(tmp_path / "i")
    queries = near(codes[:40])
    before = old.search(queries, 31)
    assert old.chunks == 11
    old.compact()
    assert old.chunks == 16  # the old default was never a caller's choice
    assert old.search(queries, 31) == before
    assert all(hits and hits[0].id == i for i, hits in enumerate(before))


def test_chunk_bits_cannot_be_fixed_without_the_count() -> None:
    with pytest.raises(ValueError, match="fixed chunks"):
        MihPdqIndex(chunk_bits=12)
