"""``group_commit.all_done``: one future for a batch's many, resolved only when all are."""

from __future__ import annotations

import threading
from concurrent.futures import Future

from shieldwall.pipeline.group_commit import all_done
from shieldwall.store.service_records import Recorded


def test_it_waits_for_every_future_including_failed_ones() -> None:
    futures: list[Future[Recorded]] = [Future() for _ in range(3)]
    done = all_done(futures)
    futures[2].set_exception(RuntimeError("its batch failed"))
    futures[0].cancel()
    assert not done.done()
    futures[1].set_exception(RuntimeError("so did this one"))
    assert done.done() and done.exception() is None


def test_an_empty_batch_is_done_at_once_and_done_futures_count() -> None:
    assert all_done([]).done()
    finished: Future[Recorded] = Future()
    finished.set_exception(RuntimeError("already failed"))
    assert all_done([finished]).done()


def test_futures_finished_by_several_threads_at_once_resolve_it_exactly_once() -> None:
    futures: list[Future[Recorded]] = [Future() for _ in range(2_000)]
    done = all_done(futures)
    calls: list[None] = []
    done.add_done_callback(lambda _: calls.append(None))
    halves = [futures[::2], futures[1::2]]
    threads = [
        threading.Thread(target=lambda h=h: [f.set_exception(KeyError()) for f in h])
        for h in halves
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert done.done() and len(calls) == 1
