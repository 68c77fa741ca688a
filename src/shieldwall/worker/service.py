"""The worker process: Huey's consumer threads plus the sweeper, started and stopped together.

The sweeper is what makes delivery independent of the queue: every
``worker_poll_s`` it claims due outbox rows (never queued because the API died
between its commit and the enqueue, or leased by a worker that was killed and
whose lease ran out) and queues them with their claim token. It holds back while
the queue already has work waiting, so a slow platform does not make it lease
rows faster than the consumer can send them (a lease that expires in the queue
would mean a needless second delivery).
"""

from __future__ import annotations

import logging
import threading
from functools import partial
from pathlib import Path

from huey import Huey
from huey.consumer import Consumer

from shieldwall.config import Settings
from shieldwall.pipeline.exchange_feedback import deliver_feedback
from shieldwall.plugins import collect_actions
from shieldwall.reports.uploader_statement import attach_statement
from shieldwall.runtime import Runtime
from shieldwall.worker.actions import ActionPerformer
from shieldwall.worker.delivery import Deliverer
from shieldwall.worker.exchanges import ExchangeScheduler
from shieldwall.worker.housekeeping import Housekeeper
from shieldwall.worker.periodic import OutageNotice
from shieldwall.worker.queue import bind_deliverer, enqueue_delivery, make_huey
from shieldwall.worker.webhook import WebhookSender

log = logging.getLogger("shieldwall.worker")


def build_deliverer(runtime: Runtime) -> Deliverer:
    """Wire a :class:`Deliverer` from a runtime's settings and database."""
    settings = runtime.settings
    webhook = (
        WebhookSender(
            url=settings.webhook_url,
            secret=settings.webhook_secret,
            timeout_s=settings.webhook_timeout_s,
        )
        if settings.webhook_url
        else None
    )
    if webhook is None:
        log.warning("worker.no_webhook_url webhook actions are held until a URL is configured")
    else:
        # Webhooks held by a worker that had no URL go out now that one is configured.
        released = runtime.outbox.release_held("webhook")
        if released:
            log.info("worker.webhooks_released count=%s", released)
    performer = ActionPerformer(
        banking=lambda: runtime.banking,
        reviews=runtime.reviews,
        data_dir=Path(settings.data_dir),
        webhook=webhook,
        detection=runtime.detection,
        feedback=lambda payload: deliver_feedback(
            runtime.exchanges,
            runtime.exchange_registry,
            payload,
            credentials=runtime.exchange_credentials,
        ),
        statements=partial(attach_statement, runtime.items),
        kinds=collect_actions(runtime.plugin_manager),
    )
    return Deliverer.from_settings(settings, outbox=runtime.outbox, performer=performer)


class _Consumer(Consumer):  # type: ignore[misc]
    """Huey's consumer without its own signal handlers: the worker service decides how to
    stop (both SIGTERM and SIGINT are graceful), and it can run outside the main thread."""

    def _set_signal_handlers(self) -> None:
        return None


class Sweeper:
    """Claims due rows every ``poll_s`` and queues them; see the module docstring."""

    def __init__(
        self, huey: Huey, deliverer: Deliverer, *, poll_s: float, batch: int, max_waiting: int
    ) -> None:
        self._huey = huey
        self._deliverer = deliverer
        self._poll_s = poll_s
        self._batch = batch
        self._max_waiting = max_waiting
        self._stop = threading.Event()
        self._queue_down = False
        self._thread = threading.Thread(target=self._run, name="shieldwall-sweeper", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def sweep(self) -> int:
        """One pass; returns how many rows it queued (or, with the queue down, delivered)."""
        try:
            waiting = int(self._huey.pending_count())
        except Exception as exc:
            return self._deliver_directly(exc)
        if self._queue_down:
            self._queue_down = False
            log.warning("worker.queue_back queue=%s", self._huey.name)
        if waiting >= self._max_waiting:
            return 0
        claimed = self._deliverer.outbox.claim_due(limit=self._batch, lease=self._deliverer.lease)
        queued = 0
        for entry in claimed:
            queued += enqueue_delivery(self._huey, [entry.id], claim_token=entry.attempts)
        if claimed:
            log.info("worker.swept claimed=%s queued=%s", len(claimed), queued)
        return queued

    def _deliver_directly(self, exc: Exception) -> int:
        """The queue (Redis) is unreachable: deliver due rows from the outbox in this thread.

        The outbox lives in the database, so a Redis outage need not stop delivery; it only
        loses the queue's parallelism until Redis is back.
        """
        if not self._queue_down:
            self._queue_down = True
            log.warning(
                "worker.queue_unavailable delivering_from_outbox=1 error=%s: %s",
                type(exc).__name__,
                str(exc)[:200],
            )
        claimed = self._deliverer.outbox.claim_due(limit=self._batch, lease=self._deliverer.lease)
        for entry in claimed:
            if self._stop.is_set():
                break
            self._deliverer.perform(entry)
        return len(claimed)

    def _run(self) -> None:
        notice = OutageNotice("sweeper", "worker.sweep_failed")  # the rows wait in the outbox
        while not self._stop.is_set():
            try:
                self.sweep()
                notice.passed()
            except Exception as exc:
                notice.failed(exc)
            self._stop.wait(self._poll_s)


class WorkerService:
    """A running worker: ``start()`` then ``stop()`` (graceful: in-flight deliveries finish)."""

    def __init__(self, settings: Settings, *, workers: int = 2, runtime: Runtime | None = None):
        self.settings = settings
        self._own_runtime = runtime is None
        self.runtime = runtime or Runtime.open(settings)
        self.deliverer = build_deliverer(self.runtime)
        self.huey = make_huey(settings)
        bind_deliverer(self.huey, self.deliverer)
        self._consumer = _Consumer(
            self.huey,
            workers=workers,
            periodic=False,
            worker_type="thread",
            initial_delay=min(0.1, settings.worker_poll_s),
            max_delay=settings.worker_poll_s,
            check_worker_health=True,
        )
        self._sweeper = Sweeper(
            self.huey,
            self.deliverer,
            poll_s=settings.worker_poll_s,
            batch=max(10, workers * 5),
            max_waiting=max(4, workers * 2),
        )
        self._housekeeper = Housekeeper(self.runtime)
        self._exchanges = ExchangeScheduler(self.runtime, poll_s=settings.exchange_poll_interval_s)

    def start(self) -> None:
        self._consumer.start()
        self._sweeper.start()
        self._housekeeper.start()
        self._exchanges.start()
        log.info("worker.started queue=%s", self.huey.name)

    def stop(self) -> None:
        self._exchanges.stop()
        self._housekeeper.stop()
        self._sweeper.stop()
        self._consumer.stop(graceful=True)
        self.deliverer.close()
        if self._own_runtime:
            self.runtime.close()
        log.info("worker.stopped")
