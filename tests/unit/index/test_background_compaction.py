"""Background compaction: adds never rebuild inline, and nothing is lost or resurrected by a swap.

The index folds its delta into a new base on a daemon thread while queries,
adds and removes carry on against the old base; the swap re-applies what
changed meanwhile. These tests pause the compaction at will (a gated build) so
every interleaving of writes with a running compaction is reached
deterministically, then check the index against the brute-force oracle; a
threaded stress test does the same with real concurrency.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.index import LinearPdqIndex, MihPdqIndex, open_pdq_index
from shieldwall.index.mih import CompactionError

WAIT_S = 60.0
"""Only bounds how long a broken implementation can hang a test; never a pass/fail timing."""


class GatedIndex(MihPdqIndex):
    """A compaction's build waits until ``gate`` is open: the test decides when it finishes."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.gate = threading.Event()
        self.gate.set()
        self.building = threading.Event()
        self.folds = 0

    def _fold(self, snap: Any) -> Any:
        self.building.set()
        if not self.gate.wait(WAIT_S):
            raise AssertionError("the test never opened the gate")
        self.folds += 1
        return super()._fold(snap)


def flip(code: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    unpacked = np.unpackbits(code)
    unpacked[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(unpacked)


def clustered(n: int, rng: np.random.Generator) -> np.ndarray:
    """Near-duplicates of a few seeds, so that queries have many matches."""
    seeds = rng.integers(0, 256, (10, 32), dtype=np.uint8)
    return np.stack([flip(seeds[i % 10], int(rng.integers(0, 40)), rng) for i in range(n)])


def ids_of(*values: int) -> np.ndarray:
    return np.array(values, np.int64)


def assert_same(index: MihPdqIndex, oracle: LinearPdqIndex, queries: np.ndarray, t: int) -> None:
    assert len(index) == len(oracle)
    assert index.search(queries, t) == oracle.search(queries, t)
    assert [index.search_one(q, t) for q in queries[:3]] == oracle.search(queries[:3], t)


def start_paused_compaction(index: GatedIndex, rng: np.random.Generator) -> None:
    """Add entries until the delta passes its limit, with the build held at the gate."""
    index.gate.clear()
    while not index.compacting:
        new = rng.integers(10**9, 2 * 10**9, 1).astype(np.int64)
        index.add(new, rng.integers(0, 256, (1, 32), dtype=np.uint8))
    assert index.building.wait(WAIT_S)


def test_the_add_that_crosses_the_limit_returns_while_the_build_waits() -> None:
    rng = np.random.default_rng(1)
    index = GatedIndex(delta_limit=8, chunks=8)
    index.add(np.arange(100, dtype=np.int64), clustered(100, rng))
    index.compact()
    index.gate.clear()
    codes = rng.integers(0, 256, (9, 32), dtype=np.uint8)
    for i in range(9):  # the ninth add passes the limit of 8
        index.add(ids_of(1000 + i), codes[i : i + 1])
    # The build is held at the gate, so an inline rebuild could not have returned.
    assert index.compacting
    assert index.search_one(codes[8], 0)[0].id == 1008
    assert index.base_size == 100
    index.gate.set()
    assert index.wait_for_compaction(WAIT_S)
    assert not index.compacting
    assert (index.base_size, index.delta_size, len(index)) == (109, 0, 109)
    assert index.search_one(codes[8], 0)[0].id == 1008


def test_every_kind_of_change_during_a_compaction_survives_the_swap() -> None:
    rng = np.random.default_rng(2)
    index, oracle = GatedIndex(delta_limit=8, chunks=8), LinearPdqIndex()
    codes = clustered(200, rng)
    for idx in (index, oracle):
        idx.add(np.arange(200, dtype=np.int64), codes)
    index.compact()
    folds_before = index.folds
    # Entries in the delta that the compaction will fold in (ids 500..508).
    frozen_codes = clustered(9, rng)
    index.gate.clear()
    for idx in (index, oracle):
        idx.add(np.arange(500, 509, dtype=np.int64), frozen_codes)
    assert index.compacting and index.building.wait(WAIT_S)
    fresh = clustered(12, rng)
    steps: list[tuple[str, Any, Any]] = [
        ("add", ids_of(900, 901), fresh[:2]),  # new ids
        ("add", ids_of(3, 501), fresh[2:4]),  # replace a base entry and a frozen-delta entry
        ("remove", [4, 502, 900, 12345], None),  # base, frozen delta, fresh delta, absent
        ("add", ids_of(4, 502), fresh[4:6]),  # removed during the build, then back
        ("remove", [5, 503], None),  # removed during the build and never back
        ("add", ids_of(901), fresh[6:7]),  # replace an entry added during the build
        ("add", ids_of(902), fresh[7:8]),
        ("remove", [902], None),  # added and removed during the build
    ]
    queries = np.concatenate([codes[:8], frozen_codes, fresh, clustered(4, rng)])
    for op, ids, new_codes in steps:
        if op == "add":
            index.add(ids, new_codes)
            oracle.add(ids, new_codes)
        else:
            assert index.remove(ids) == oracle.remove(ids)
        assert_same(index, oracle, queries, 31)
        assert index.compacting
    index.gate.set()
    assert index.wait_for_compaction(WAIT_S)
    assert_same(index, oracle, queries, 31)
    assert index.folds == folds_before + 1  # one compaction, no chained second one
    # Only the changes made during the build are left outside the new base.
    # Slots of 900, 901, 3, 501, 4, 502 and 902 (removed slots go at the next compaction).
    assert index.delta_size == 7
    index.compact()
    assert_same(index, oracle, queries, 31)
    assert (index.delta_size, index.base_size) == (0, len(oracle))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    threshold=st.integers(0, 31),
    ops=st.lists(
        st.sampled_from(["add", "readd", "remove", "remove_absent", "finish", "compact", "save"]),
        min_size=1,
        max_size=25,
    ),
)
def test_any_history_with_paused_compactions_equals_the_oracle(
    seed: int, threshold: int, ops: list[str]
) -> None:
    rng = np.random.default_rng(seed)
    index, oracle = GatedIndex(delta_limit=6, chunks=8), LinearPdqIndex()
    codes = clustered(150, rng)
    present = set(range(150))
    gone: set[int] = set()
    for idx in (index, oracle):
        idx.add(np.arange(150, dtype=np.int64), codes)
    index.compact()
    index.gate.clear()  # from here on every compaction waits for a "finish" or "compact"
    next_id = 1000

    def finish() -> None:
        index.gate.set()
        assert index.wait_for_compaction(WAIT_S)
        index.gate.clear()

    for op in ops:
        size = int(rng.integers(1, 5))
        if op in ("add", "readd", "remove", "remove_absent") and (
            index.backlog + size > index.hard_cap
        ):
            finish()  # the next write would wait for the (paused) compaction
        if op == "add":
            new_ids = np.arange(next_id, next_id + size, dtype=np.int64)
            next_id += size
            new_codes = np.stack([flip(codes[int(rng.integers(150))], 3, rng) for _ in range(size)])
            index.add(new_ids, new_codes)
            oracle.add(new_ids, new_codes)
            present.update(new_ids.tolist())
        elif op == "readd":
            again = rng.choice(sorted(present | gone), size)  # repeats: the last one wins
            new_codes = clustered(size, rng)
            index.add(again, new_codes)
            oracle.add(again, new_codes)
            present.update(again.tolist())
            gone.difference_update(again.tolist())
        elif op in ("remove", "remove_absent"):
            pool = sorted(present) if op == "remove" and present else [10**12]
            wanted = rng.choice(pool, size).tolist()
            assert index.remove(wanted) == oracle.remove(wanted)
            present.difference_update(wanted)
            gone.update(w for w in wanted if w != 10**12)
        elif op == "finish":
            finish()
        elif op == "compact":
            index.gate.set()
            index.compact()
            index.gate.clear()
            assert index.delta_size == 0
        else:
            with tempfile.TemporaryDirectory() as where:
                index.save(Path(where))
                loaded = open_pdq_index(Path(where))
                sample = clustered(6, rng)
                assert len(loaded) == len(oracle)
                assert loaded.search(sample, threshold) == oracle.search(sample, threshold)
        queries = np.concatenate([clustered(10, rng), codes[rng.integers(0, 150, 4)]])
        assert_same(index, oracle, queries, threshold)
    finish()
    queries = clustered(20, rng)
    assert_same(index, oracle, queries, threshold)


def test_a_write_past_the_hard_cap_waits_for_the_running_compaction() -> None:
    rng = np.random.default_rng(3)
    index, oracle = GatedIndex(delta_limit=4, chunks=8), LinearPdqIndex()
    start_paused_compaction(index, rng)
    codes = rng.integers(0, 256, (40, 32), dtype=np.uint8)
    progress: list[int] = []

    def writer() -> None:
        for i in range(40):
            index.add(ids_of(i), codes[i : i + 1])
            progress.append(i)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    thread.join(0.5)
    # The writer is stuck at the cap (16 slots) until the compaction can finish.
    assert thread.is_alive()
    assert index.backlog <= index.hard_cap
    assert len(progress) < 40
    index.gate.set()
    thread.join(WAIT_S)
    assert not thread.is_alive() and len(progress) == 40
    assert index.wait_for_compaction(WAIT_S)
    for i in range(40):
        oracle.add(ids_of(i), codes[i : i + 1])
    assert [index.search_one(c, 0) for c in codes] == oracle.search(codes, 0)


def test_a_bulk_add_beyond_the_hard_cap_is_folded_in_before_add_returns() -> None:
    rng = np.random.default_rng(4)
    index = MihPdqIndex(delta_limit=10)
    codes = clustered(100, rng)
    index.add(np.arange(100, dtype=np.int64), codes)  # 100 > 4 x 10: a bulk load
    assert not index.compacting
    assert (index.base_size, index.delta_size) == (100, 0)
    assert index.search_one(codes[42], 0)[0].id == 42


def test_synchronous_mode_rebuilds_inside_the_add_that_crosses_the_limit() -> None:
    rng = np.random.default_rng(5)
    index = MihPdqIndex(delta_limit=8, background_compaction=False)
    codes = rng.integers(0, 256, (9, 32), dtype=np.uint8)
    for i in range(8):
        index.add(ids_of(i), codes[i : i + 1])
    assert (index.base_size, index.delta_size) == (0, 8)
    index.add(ids_of(8), codes[8:9])
    assert not index.compacting
    assert (index.base_size, index.delta_size, len(index)) == (9, 0, 9)


def test_compact_and_save_during_a_background_compaction(tmp_path: Path) -> None:
    rng = np.random.default_rng(6)
    index = GatedIndex(delta_limit=8, chunks=8)
    codes = clustered(60, rng)
    index.add(np.arange(60, dtype=np.int64), codes)
    index.compact()
    start_paused_compaction(index, rng)
    index.remove([1, 2])
    index.add(ids_of(7), codes[8:9])
    index.save(tmp_path / "during")  # does not wait for the paused build
    assert index.compacting
    saved = open_pdq_index(tmp_path / "during")
    assert len(saved) == len(index)
    probe = np.concatenate([codes, clustered(5, rng)])
    assert saved.search(probe, 31) == index.search(probe, 31)
    index.gate.set()
    index.compact()  # waits for the background one, then folds the rest
    assert (index.compacting, index.delta_size, index.base_size) == (False, 0, len(index))
    assert saved.search(probe, 31) == index.search(probe, 31)
    assert index.search_one(codes[1], 0) == []
    assert [h.id for h in index.search_one(codes[8], 0)] == [7, 8]


class FailingIndex(MihPdqIndex):
    """A build that fails while ``fail`` is set (as an out-of-memory would)."""

    fail = True

    def _fold(self, snap: Any) -> Any:
        if self.fail:
            raise MemoryError("simulated")
        return super()._fold(snap)


def test_a_failed_background_compaction_loses_nothing_and_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rng = np.random.default_rng(7)
    index, oracle = FailingIndex(delta_limit=4, chunks=8), LinearPdqIndex()
    codes = rng.integers(0, 256, (30, 32), dtype=np.uint8)
    with pytest.raises(CompactionError):
        # Each add past the limit starts a compaction that fails; at the hard cap (16) the
        # writer waits for one and gets its error instead of growing the delta for ever.
        for i in range(30):
            index.add(ids_of(i), codes[i : i + 1])
            oracle.add(ids_of(i), codes[i : i + 1])
    assert "index.compaction_failed" in caplog.text
    # The refused add changed nothing; everything before it is still found.
    assert len(index) == len(oracle) == 16
    assert [index.search_one(c, 0) for c in codes] == oracle.search(codes, 0)
    index.fail = False
    index.remove([0])  # compacts first (it was at the cap), then removes
    oracle.remove([0])
    assert [index.search_one(c, 0) for c in codes] == oracle.search(codes, 0)
    index.compact()
    assert index.wait_for_compaction(WAIT_S)
    assert (index.delta_size, len(index)) == (0, len(oracle))
    assert [index.search_one(c, 0) for c in codes] == oracle.search(codes, 0)


def test_wait_for_compaction_reports_a_failure_once() -> None:
    index = FailingIndex(delta_limit=2, chunks=8)
    codes = np.random.default_rng(8).integers(0, 256, (3, 32), dtype=np.uint8)
    index.add(np.arange(3, dtype=np.int64), codes)  # 3 > 2: starts a background compaction
    with pytest.raises(CompactionError):
        index.wait_for_compaction(WAIT_S)
    assert index.wait_for_compaction(WAIT_S)
    assert len(index) == 3


class CheckpointedIndex(MihPdqIndex):
    """Each build first waits (briefly) for a checkpoint, so checks run mid-compaction."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.checkpoint = threading.Event()
        self.pausing = False
        self.folds = 0

    def _fold(self, snap: Any) -> Any:
        self.checkpoint.clear()
        if self.pausing:
            # Bounded, should a writer ever hold the test's lock while blocked at the
            # hard cap (then no checkpoint can run): the build goes on after a while.
            self.checkpoint.wait(2.0)
        self.folds += 1
        return super()._fold(snap)


def test_threads_adding_removing_and_searching_during_compactions_match_the_oracle() -> None:
    rng = np.random.default_rng(9)
    index, oracle = CheckpointedIndex(delta_limit=24, chunks=8), LinearPdqIndex()
    stable_codes = clustered(400, rng)  # ids 0..399: never changed, always findable
    for idx in (index, oracle):
        idx.add(np.arange(400, dtype=np.int64), stable_codes)
    index.compact()
    ops_lock = threading.Lock()  # a writer applies each change to index and oracle together
    done = threading.Event()
    errors: list[BaseException] = []
    checks = {"checkpoints": 0, "mid_compaction": 0}

    def guarded(fn: Any) -> Any:
        def run(*args: Any) -> None:
            try:
                fn(*args)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
                done.set()

        return run

    @guarded
    def writer(seed: int) -> None:
        wrng = np.random.default_rng(seed)
        for _ in range(400):
            if done.is_set():
                return
            # Ids 1000..1199 are shared by both writers: they replace and remove each other's.
            ids = wrng.integers(1000, 1200, int(wrng.integers(1, 4))).astype(np.int64)
            if index.backlog + 6 > index.hard_cap:  # room for both writers
                # This write would wait for the build while holding ops_lock, so no
                # checkpoint could run: let the build go on without one.
                index.checkpoint.set()
            with ops_lock:
                if wrng.random() < 0.3:
                    assert index.remove(ids.tolist()) == oracle.remove(ids.tolist())
                else:
                    new = np.stack([flip(stable_codes[i % 400], 4, wrng) for i in ids])
                    index.add(ids, new)
                    oracle.add(ids, new)

    @guarded
    def checker() -> None:
        crng = np.random.default_rng(10)
        while not done.is_set():
            queries = np.concatenate([stable_codes[crng.integers(0, 400, 6)], clustered(2, crng)])
            with ops_lock:
                running = index.compacting
                assert len(index) == len(oracle)
                assert index.search(queries, 31) == oracle.search(queries, 31)
                checks["checkpoints"] += 1
                checks["mid_compaction"] += running and index.compacting
            index.checkpoint.set()

    @guarded
    def free_reader() -> None:
        frng = np.random.default_rng(11)
        while not done.is_set():
            row = int(frng.integers(0, 400))
            bits = int(frng.integers(0, 32))
            hits = index.search_one(flip(stable_codes[row], bits, frng), 31)
            assert any(h.id == row and h.distance == bits for h in hits)
            assert hits == sorted(hits, key=lambda h: (h.distance, h.id))

    index.pausing = True
    threads = [threading.Thread(target=writer, args=(s,), daemon=True) for s in (21, 22)]
    watchers = [threading.Thread(target=f, daemon=True) for f in (checker, free_reader)]
    for t in threads + watchers:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    done.set()
    index.pausing = False
    index.checkpoint.set()
    for t in watchers:
        t.join(WAIT_S)
    if errors:
        raise errors[0]
    assert index.wait_for_compaction(WAIT_S)
    queries = np.concatenate([stable_codes[:50], clustered(20, rng)])
    assert_same(index, oracle, queries, 31)
    assert index.folds >= 3
    assert checks["mid_compaction"] >= 1


def test_writers_on_several_threads_are_serialised_without_outside_locks() -> None:
    rng = np.random.default_rng(12)
    index = MihPdqIndex(delta_limit=16, chunks=8)
    codes = rng.integers(0, 256, (4, 300, 32), dtype=np.uint8)

    def writer(w: int) -> None:
        # Disjoint ids per thread: the final content does not depend on the interleaving.
        for i in range(300):
            index.add(ids_of(w * 1000 + i), codes[w, i : i + 1])
            if i % 3 == 0:
                index.remove([w * 1000 + i - 1])

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT_S)
    assert index.wait_for_compaction(WAIT_S)
    oracle = LinearPdqIndex()
    for w in range(4):
        for i in range(300):
            oracle.add(ids_of(w * 1000 + i), codes[w, i : i + 1])
            if i % 3 == 0:
                oracle.remove([w * 1000 + i - 1])
    flat = codes.reshape(-1, 32)
    assert len(index) == len(oracle)
    assert index.search(flat, 0) == oracle.search(flat, 0)
