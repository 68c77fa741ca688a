"""How a Ray corpus scan splits its files into hashing tasks (``batch.engine.task_rows``)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shieldwall.batch.engine import MIN_TASK_ROWS, TASKS_PER_WORKER, task_rows


def test_a_small_corpus_is_split_so_a_second_worker_has_work() -> None:
    # 190 photos with the default decision batch of 256 used to be one task: the second
    # worker idled and two workers were no faster than one.
    rows = task_rows(190, 2, 256)
    assert -(-190 // rows) >= 2
    assert rows == MIN_TASK_ROWS


def test_a_large_corpus_uses_whole_decision_batches() -> None:
    assert task_rows(100_000, 2, 256) == 256


@given(
    files=st.integers(1, 200_000),
    workers=st.integers(1, 64),
    batch_size=st.integers(1, 10_000),
)
def test_tasks_never_exceed_a_decision_batch_and_spread_over_the_workers(
    files: int, workers: int, batch_size: int
) -> None:
    rows = task_rows(files, workers, batch_size)
    tasks = -(-files // rows)
    assert 1 <= rows <= batch_size
    assert rows >= min(batch_size, MIN_TASK_ROWS)
    if rows > MIN_TASK_ROWS and rows < batch_size:
        # Sized by the spread: the largest tasks that still give every worker its
        # TASKS_PER_WORKER (one file fewer a task would make more tasks than that).
        assert tasks <= workers * TASKS_PER_WORKER < -(-files // (rows - 1))
