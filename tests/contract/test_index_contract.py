"""One behaviour suite for every PDQ index, fresh and after a save/load round trip.

The matcher relies on these semantics whatever the implementation: exact
results sorted by (distance, id), re-adding an id replaces it, removal is
visible to the next query, and a saved index answers like the live one.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from shieldwall.errors import InvalidHashError
from shieldwall.index import (
    Hit,
    InvalidThresholdError,
    LinearPdqIndex,
    MihPdqIndex,
    PdqIndex,
    open_pdq_index,
)

Factory = Callable[[], PdqIndex]
FACTORIES: dict[str, Factory] = {
    "linear": LinearPdqIndex,
    "mih": MihPdqIndex,
    # A tiny delta limit makes most adds go through a compaction: in the background
    # (the default), and inside add() as before.
    "mih-compacting": lambda: MihPdqIndex(delta_limit=3, chunks=8),
    "mih-sync-compacting": lambda: MihPdqIndex(
        delta_limit=3, chunks=8, background_compaction=False
    ),
    "mih-fixed-bits": lambda: MihPdqIndex(chunks=16, chunk_bits=16),
}


@pytest.fixture(params=[(k, r) for k in FACTORIES for r in (False, True)], ids=str)
def make(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[..., PdqIndex]:
    """Build an index holding ``(ids, codes)``; in the reloaded variant, save and reopen it."""
    kind, reload = request.param
    counter = iter(range(1000))

    def build(ids: list[int] | None = None, codes: np.ndarray | None = None) -> PdqIndex:
        index = FACTORIES[kind]()
        if ids:
            assert codes is not None
            index.add(np.array(ids, np.int64), codes)
        if reload:
            where = tmp_path / f"idx{next(counter)}"
            index.save(where)
            index = open_pdq_index(where)
        return index

    return build


def random_codes(n: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (n, 32), dtype=np.uint8)


def flip(code: np.ndarray, bits: int, seed: int = 1) -> np.ndarray:
    """``code`` with exactly ``bits`` distinct bits flipped."""
    unpacked = np.unpackbits(code)
    which = np.random.default_rng(seed).choice(256, bits, replace=False)
    unpacked[which] ^= 1
    return np.packbits(unpacked)


def test_empty_index_finds_nothing(make: Callable[..., PdqIndex]) -> None:
    index = make()
    assert len(index) == 0
    assert index.search(random_codes(3), 31) == [[], [], []]
    assert index.search_one(random_codes(1)[0], 31) == []


def test_an_added_hash_is_found_at_distance_zero(make: Callable[..., PdqIndex]) -> None:
    codes = random_codes(50)
    index = make(list(range(100, 150)), codes)
    assert len(index) == 50
    assert index.search_one(codes[7], 0) == [Hit(id=107, distance=0)]
    assert index.search_one(codes[7].tobytes(), 0) == [Hit(id=107, distance=0)]


@pytest.mark.parametrize("threshold", [0, 1, 10, 31])
def test_threshold_is_inclusive(make: Callable[..., PdqIndex], threshold: int) -> None:
    codes = random_codes(40)
    index = make(list(range(40)), codes)
    at = flip(codes[3], threshold, seed=threshold)
    beyond = flip(codes[5], threshold + 1, seed=threshold)
    assert index.search_one(at, threshold) == [Hit(id=3, distance=threshold)]
    assert index.search_one(beyond, threshold) == []
    assert index.search(np.stack([at, beyond]), threshold) == [[Hit(3, threshold)], []]


def test_results_sorted_by_distance_then_id(make: Callable[..., PdqIndex]) -> None:
    base = random_codes(1)[0]
    codes = np.stack([flip(base, 5), base, flip(base, 2, seed=9), base, random_codes(1, 4)[0]])
    index = make([50, 40, 30, 20, 10], codes)
    assert index.search_one(base, 31) == [Hit(20, 0), Hit(40, 0), Hit(30, 2), Hit(50, 5)]


def test_readding_an_id_replaces_its_hash(make: Callable[..., PdqIndex]) -> None:
    codes = random_codes(20)
    index = make(list(range(20)), codes)
    fresh = random_codes(1, seed=77)[0]
    index.add(np.array([4], np.int64), fresh[None, :])
    assert len(index) == 20
    assert index.search_one(codes[4], 31) == []
    assert index.search_one(fresh, 0) == [Hit(4, 0)]


def test_removal_is_visible_at_once_and_counted(make: Callable[..., PdqIndex]) -> None:
    codes = random_codes(20)
    index = make(list(range(20)), codes)
    assert index.remove([3, 4, 999]) == 2
    assert index.remove([3]) == 0
    assert len(index) == 18
    assert index.search_one(codes[3], 31) == []
    assert index.search_one(codes[5], 0) == [Hit(5, 0)]
    index.add(np.array([3], np.int64), codes[3:4])
    assert index.search_one(codes[3], 0) == [Hit(3, 0)]
    assert len(index) == 19


def test_same_hash_under_many_ids_and_repeated_ids_in_one_add(
    make: Callable[..., PdqIndex],
) -> None:
    code = random_codes(1)[0]
    index = make([5, 6, 7], np.stack([code] * 3))
    other = random_codes(1, seed=3)[0]
    # Within one call the last occurrence of an id wins.
    index.add(np.array([8, 8], np.int64), np.stack([other, code]))
    assert index.search_one(code, 0) == [Hit(5, 0), Hit(6, 0), Hit(7, 0), Hit(8, 0)]
    assert index.search_one(other, 0) == []


def test_large_and_negative_ids_round_trip(make: Callable[..., PdqIndex]) -> None:
    ids = [-(2**62), -1, 0, 2**62]
    codes = random_codes(4)
    index = make(ids, codes)
    assert [index.search_one(c, 0) for c in codes] == [[Hit(i, 0)] for i in ids]


def test_saved_then_changed_index_keeps_working(
    make: Callable[..., PdqIndex], tmp_path: Path
) -> None:
    codes = random_codes(30)
    index = make(list(range(30)), codes)
    index.save(tmp_path / "again")
    reopened = open_pdq_index(tmp_path / "again")
    assert type(reopened) is type(index)
    assert reopened.remove([1]) == 1
    reopened.add(np.array([100], np.int64), codes[1:2])
    assert reopened.search_one(codes[1], 0) == [Hit(100, 0)]
    # The original is unaffected by changes to the copy.
    assert index.search_one(codes[1], 0) == [Hit(1, 0)]


def test_bad_inputs_are_refused(make: Callable[..., PdqIndex]) -> None:
    index = make()
    with pytest.raises(InvalidHashError):
        index.add(np.array([1], np.int64), np.zeros((1, 31), np.uint8))
    with pytest.raises(InvalidHashError):
        index.search_one(b"\x00" * 31, 10)
    with pytest.raises(InvalidThresholdError):
        index.search_one(b"\x00" * 32, -1)
    with pytest.raises(ValueError):
        index.add(np.array([1, 2], np.int64), np.zeros((1, 32), np.uint8))


def test_mih_refuses_thresholds_above_its_maximum() -> None:
    index = MihPdqIndex(max_threshold=20)
    index.add(np.array([1], np.int64), random_codes(1))
    assert index.search_one(random_codes(1, seed=5)[0], 20) == []
    with pytest.raises(InvalidThresholdError):
        index.search_one(random_codes(1)[0], 21)
