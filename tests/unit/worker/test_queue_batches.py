"""Queueing many outbox rows: a few ``deliver_many`` tasks, not a queue write per row.

A batch lookup of a thousand matches owes a few thousand actions; one queue write per row
cost more than storing the decisions (~200 us each on the SQLite queue). Each chunk still
delivers every row it holds, and one row that blows up never holds back its chunk-mates:
the row stays in the outbox, where the sweeper finds it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shieldwall.config import load_settings
from shieldwall.worker import bind_deliverer, enqueue_delivery, make_huey
from shieldwall.worker.delivery import AttemptResult
from shieldwall.worker.queue import MANY_CHUNK


class Recording:
    """A deliverer that records what it was asked to deliver and fails on one row."""

    def __init__(self, broken: int | None = None) -> None:
        self.seen: list[tuple[int, int | None]] = []
        self.broken = broken

    def deliver(self, outbox_id: int, claim_token: int | None = None) -> AttemptResult:
        self.seen.append((outbox_id, claim_token))
        if outbox_id == self.broken:
            raise RuntimeError("this row's action crashed")
        return AttemptResult(outbox_id, None)


def queue(tmp_path: Path) -> Any:
    settings = load_settings(
        data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'shieldwall.db'}"
    )
    return make_huey(settings)


def run_all(huey: Any) -> int:
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def test_many_rows_are_a_few_tasks_and_every_row_is_delivered(tmp_path: Path) -> None:
    huey, deliverer = queue(tmp_path), Recording()
    bind_deliverer(huey, deliverer)
    rows = list(range(1, 2 * MANY_CHUNK + 23))
    assert enqueue_delivery(huey, rows) == len(rows)
    assert huey.pending_count() == 3
    assert run_all(huey) == 3
    assert deliverer.seen == [(row, None) for row in rows]


def test_one_crashing_row_does_not_hold_back_its_chunk(tmp_path: Path) -> None:
    huey, deliverer = queue(tmp_path), Recording(broken=5)
    bind_deliverer(huey, deliverer)
    enqueue_delivery(huey, range(1, 11))
    run_all(huey)
    assert [row for row, _ in deliverer.seen] == list(range(1, 11))


def test_one_row_and_the_sweepers_claimed_rows_stay_single_tasks(tmp_path: Path) -> None:
    huey, deliverer = queue(tmp_path), Recording()
    bind_deliverer(huey, deliverer)
    enqueue_delivery(huey, [41])
    enqueue_delivery(huey, [42, 43], claim_token=3)  # fenced by the claim: one task each
    assert huey.pending_count() == 3
    run_all(huey)
    assert deliverer.seen == [(41, None), (42, 3), (43, 3)]
