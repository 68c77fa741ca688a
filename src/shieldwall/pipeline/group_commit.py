"""Group commit: concurrent requests' writes stored together, one transaction per batch.

Why: a lookup is decided in well under a millisecond from memory, but storing it alone
(item, decision, outbox rows, an audit event that reads the chain head) costs a
transaction, and on SQLite transactions are serialised; one per request made the
database the limit and throughput *fell* as connections rose. Here one writer thread
takes whatever is waiting (up to ``max_batch`` pairs, waiting at most ``max_wait_s`` for
more) and stores it with :meth:`ItemStore.record_many`: one transaction, one audit head
read, events chained in batch order. A request's future resolves only after its batch
has committed, so nothing is acknowledged before it is durable.

A batch that fails as a whole (a detail the audit guard rejects, a lost connection) is
retried pair by pair, so one bad item fails alone and never takes its batch-mates down.

Back-pressure: at most ``max_pending`` pairs wait; past that :meth:`submit` raises
:class:`~shieldwall.errors.OverloadedError` at once (the API answers 503 with
``Retry-After``) instead of piling up requests until every one of them is slow.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from shieldwall.errors import OverloadedError
from shieldwall.store.service_records import NewDecision, NewItem, Recorded

log = logging.getLogger("shieldwall.group_commit")

WriteBatch = Callable[[Sequence[tuple[NewItem, NewDecision]]], list[Recorded]]
"""Stores pairs in one transaction, in order (``ItemStore.record_many``)."""

_Pending = tuple[NewItem, NewDecision, "Future[Recorded]"]


def all_done(futures: Sequence[Future[Recorded]]) -> Future[None]:
    """One future that resolves when every one of ``futures`` has (with a result or not).

    Why: a batch lookup of 1,000 items awaited each future through
    ``asyncio.wrap_future``, which wakes the event loop through its self-pipe once per
    future: ~8% of a batch's CPU. Awaiting this one future wakes it once; the results are
    then read from the (done) futures themselves.
    """
    done: Future[None] = Future()
    if not futures:
        done.set_result(None)
        return done
    left = [len(futures)]
    lock = threading.Lock()

    def one(_: Future[Recorded]) -> None:
        with lock:
            left[0] -= 1
            last = left[0] == 0
        if last:
            done.set_result(None)

    for fut in futures:
        fut.add_done_callback(one)
    return done


class GroupCommitter:
    """One writer thread that stores queued (item, decision) pairs in batches."""

    def __init__(
        self,
        write: WriteBatch,
        *,
        max_batch: int = 256,
        max_wait_s: float = 0.0,
        max_pending: int = 4096,
    ) -> None:
        if max_batch < 1 or max_pending < 1 or max_wait_s < 0:
            raise ValueError("max_batch and max_pending must be >= 1, max_wait_s >= 0")
        self._write = write
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self.max_pending = max_pending
        self._queue: deque[_Pending] = deque()
        self._cond = threading.Condition()
        self._closing = False
        self._thread: threading.Thread | None = None
        self.batches = 0
        """How many transactions the writer has committed (for metrics and tests)."""

    # -- callers -----------------------------------------------------------------------------

    def submit(self, item: NewItem, decision: NewDecision) -> Future[Recorded]:
        """Queue one pair; the future resolves after its batch commits (or fails)."""
        return self.submit_many([(item, decision)])[0]

    def submit_many(self, pairs: Sequence[tuple[NewItem, NewDecision]]) -> list[Future[Recorded]]:
        """Queue pairs in order, all or none: raises OverloadedError when they do not fit."""
        futures: list[Future[Recorded]] = [Future() for _ in pairs]
        with self._cond:
            if self._closing:
                raise OverloadedError("the service is shutting down", retry_after=1)
            if self._queue and len(self._queue) + len(pairs) > self.max_pending:
                raise OverloadedError(
                    f"{len(self._queue)} writes are waiting; try again shortly", retry_after=1
                )
            for (item, decision), fut in zip(pairs, futures, strict=True):
                self._queue.append((item, decision, fut))
            if self._thread is None:  # started lazily: a forked worker process starts its own
                self._thread = threading.Thread(
                    target=self._run, name="shieldwall-group-commit", daemon=True
                )
                self._thread.start()
            self._cond.notify()
        return futures

    def write_now(self, pairs: Sequence[tuple[NewItem, NewDecision]]) -> list[Recorded]:
        """Submit and wait (for synchronous callers); raises the first pair's error."""
        return [f.result() for f in self.submit_many(pairs)]

    @property
    def pending(self) -> int:
        """Pairs queued and not yet taken by the writer."""
        return len(self._queue)

    def close(self, timeout: float = 30.0) -> None:
        """Refuse new work, store everything already queued, stop the writer."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)

    # -- the writer --------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                return
            self._store(batch)

    def _take(self) -> list[_Pending] | None:
        with self._cond:
            while not self._queue:
                if self._closing:
                    return None
                self._cond.wait()
            batch = self._pop()
            if self.max_wait_s > 0 and len(batch) < self.max_batch:
                # Let a few more arrive (a few ms at most): fewer, larger transactions.
                deadline = time.monotonic() + self.max_wait_s
                while len(batch) < self.max_batch and not self._closing:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    if not self._queue:
                        self._cond.wait(left)
                    batch += self._pop(self.max_batch - len(batch))
            return batch

    def _pop(self, limit: int | None = None) -> list[_Pending]:
        n = min(len(self._queue), self.max_batch if limit is None else limit)
        return [self._queue.popleft() for _ in range(n)]

    def _store(self, batch: list[_Pending]) -> None:
        live = [p for p in batch if p[2].set_running_or_notify_cancel()]
        if not live:
            return
        try:
            done = self._write([(item, decision) for item, decision, _ in live])
        except Exception as exc:
            if len(live) == 1:
                live[0][2].set_exception(exc)
                return
            # One bad pair must not fail its batch-mates: store each alone.
            log.warning("group commit of %d failed (%s); writing one by one", len(live), exc)
            for item, decision, fut in live:
                try:
                    fut.set_result(self._write([(item, decision)])[0])
                except Exception as one:
                    fut.set_exception(one)
            return
        self.batches += 1
        for (_, _, fut), result in zip(live, done, strict=True):
            fut.set_result(result)
