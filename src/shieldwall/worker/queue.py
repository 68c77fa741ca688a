"""The task queue: Huey on a SQLite file (embedded default) or on Redis (production).

Two tasks: ``deliver(outbox_id, claim_token=None)`` for one row and
``deliver_many(outbox_ids)`` for several. The API enqueues right after committing a
decision (:func:`enqueue_delivery`, best effort: if Redis is down or the process dies
first, the worker's sweeper finds the rows anyway). A failed
attempt schedules its own retry for when the row is due again.

The queue name is derived from the database URL (password left out), so two
deployments sharing one Redis, or parallel test runs, never take each other's
tasks: an outbox id only means something in its own database.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy.engine import make_url

from shieldwall.config import Settings
from shieldwall.pipeline.faults import temporary_fault
from shieldwall.worker.delivery import AttemptResult, Deliverer

log = logging.getLogger("shieldwall.worker")

QUEUE_FILE = "queue.db"
TASK_NAME = "deliver"
MANY_TASK_NAME = "deliver_many"
MANY_CHUNK = 64
"""Rows per ``deliver_many`` task: one enqueue (a queue write: ~200 us on the SQLite queue,
~60 us on Redis) for many rows, in chunks small enough that several workers share a
batch's rows."""


def queue_name(settings: Settings) -> str:
    """``shieldwall-<12 hex>``: a fingerprint of the database the queued ids belong to."""
    url = make_url(settings.effective_database_url).set(password=None)
    digest = hashlib.sha256(url.render_as_string(hide_password=False).encode()).hexdigest()
    return f"shieldwall-{digest[:12]}"


class _DelivererSlot:
    """Holds the process's :class:`Deliverer`, built on first use: an API process that only
    enqueues never opens a delivery client or a second database pool."""

    def __init__(self, factory: Callable[[], Deliverer] | None) -> None:
        self._factory = factory
        self._value: Deliverer | None = None
        self._lock = threading.Lock()

    def set(self, deliverer: Deliverer) -> None:
        with self._lock:
            self._value = deliverer

    def get(self) -> Deliverer:
        with self._lock:
            if self._value is None:
                if self._factory is None:
                    raise RuntimeError("no deliverer bound to this queue (call bind_deliverer)")
                self._value = self._factory()
            return self._value


_ATTR = "_shieldwall_delivery"


def make_huey(
    settings: Settings,
    *,
    name: str | None = None,
    deliverer_factory: Callable[[], Deliverer] | None = None,
) -> Huey:
    """The queue for ``settings``: ``RedisHuey`` when ``redis_url`` is set, else ``SqliteHuey``
    in ``data_dir/queue.db``. ``deliverer_factory`` builds the deliverer on the first task
    (the worker passes one; enqueue-only callers need not)."""
    qname = name or queue_name(settings)
    huey: Huey
    if settings.redis_url:
        huey = RedisHuey(qname, url=settings.redis_url, results=False)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(qname, filename=str(settings.data_dir / QUEUE_FILE), results=False)
    slot = _DelivererSlot(deliverer_factory)

    def attempt(outbox_id: int, claim_token: int | None) -> None:
        try:
            result: AttemptResult = slot.get().deliver(outbox_id, claim_token)
        except Exception as exc:
            fault = temporary_fault(exc)
            if fault is None:
                raise
            # The database is away: the row stays in the outbox (pending, or leased until
            # its lease runs out) and the sweeper queues it again when it is due.
            log.warning(
                "outbox.deliver_deferred id=%s code=%s error=%s",
                outbox_id,
                fault.code,
                type(exc).__name__,
            )
            return
        if result.retry_in_s is not None:
            # Claimed without a token when it runs: whoever is first when the row is due
            # (this task or the sweeper) performs it, the other finds it leased.
            deliver.schedule(args=(outbox_id,), delay=result.retry_in_s)

    @huey.task(name=TASK_NAME)  # type: ignore[untyped-decorator]
    def deliver(outbox_id: int, claim_token: int | None = None) -> None:
        attempt(outbox_id, claim_token)

    @huey.task(name=MANY_TASK_NAME)  # type: ignore[untyped-decorator]
    def deliver_many(outbox_ids: list[int]) -> None:
        for outbox_id in outbox_ids:
            try:
                attempt(outbox_id, None)
            except Exception:
                # One row's failure must not hold back the rest; it stays in the outbox,
                # where the sweeper finds it when it is due.
                log.exception("outbox.deliver_failed id=%s", outbox_id)

    setattr(huey, _ATTR, (slot, deliver, deliver_many))
    return huey


def bind_deliverer(huey: Huey, deliverer: Deliverer) -> None:
    """Use ``deliverer`` for the tasks this process runs from ``huey``."""
    _slot(huey)[0].set(deliverer)


def enqueue_delivery(
    huey: Huey, outbox_ids: Iterable[int], *, claim_token: int | None = None
) -> int:
    """Queue delivery of ``outbox_ids``; returns how many rows were queued.

    One row is one ``deliver`` task (with the sweeper's ``claim_token``); several rows
    (a decision's actions, a batch's) are ``deliver_many`` tasks of up to ``MANY_CHUNK``
    rows each: a queue write per row had cost a stored lookup more than its decision.

    Best effort by design: it never raises, because the rows are already safe in the
    outbox and the sweeper delivers whatever was not queued.
    """
    _, deliver, deliver_many = _slot(huey)
    ids = [int(i) for i in outbox_ids]
    if claim_token is not None:  # the sweeper's claims are fenced one row at a time
        chunks = [[i] for i in ids]
    else:
        chunks = [ids[at : at + MANY_CHUNK] for at in range(0, len(ids), MANY_CHUNK)]
    queued = 0
    for chunk in chunks:
        try:
            if len(chunk) == 1:
                deliver(chunk[0], claim_token)
            else:
                deliver_many(chunk)
            queued += len(chunk)
        except Exception as exc:
            log.warning(
                "outbox.enqueue_failed ids=%s error=%s: %s",
                ",".join(map(str, chunk)),
                type(exc).__name__,
                exc,
            )
    return queued


def _slot(huey: Huey) -> tuple[_DelivererSlot, Any, Any]:
    found: tuple[_DelivererSlot, Any, Any] | None = getattr(huey, _ATTR, None)
    if found is None:
        raise RuntimeError("this Huey instance was not made by shieldwall.worker.make_huey")
    return found
