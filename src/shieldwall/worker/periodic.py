"""A job the worker runs every few seconds on a daemon thread, beside deliveries.

Housekeeping and the exchange schedule are the same loop with different jobs: run, log a
failure without letting it end the loop (the next pass retries), wait, until stopped.
A database outage is not a bug: :class:`OutageNotice` logs it as one warning line when it
begins and one when it ends, not a traceback every pass.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from shieldwall.pipeline.faults import temporary_fault

log = logging.getLogger("shieldwall.worker")


class OutageNotice:
    """Tells a loop's temporary faults (the database away) from its bugs, for the log."""

    def __init__(self, loop: str, failure_event: str) -> None:
        self._loop = loop
        self._failure_event = failure_event
        self.down = False

    def failed(self, exc: Exception) -> None:
        """After a pass raised ``exc`` (call inside the ``except`` block)."""
        fault = temporary_fault(exc)
        if fault is None:
            log.exception(self._failure_event)
        elif not self.down:
            self.down = True
            log.warning(
                "worker.database_unavailable loop=%s code=%s error=%s",
                self._loop,
                fault.code,
                type(exc).__name__,
            )

    def passed(self) -> None:
        """After a pass that did not raise."""
        if self.down:
            self.down = False
            log.warning("worker.database_back loop=%s", self._loop)


class PeriodicJob:
    """Runs ``job`` every ``every_s`` seconds on a daemon thread named ``name``."""

    def __init__(
        self, job: Callable[[], object], *, every_s: float, name: str, failure_event: str
    ) -> None:
        self._job = job
        self._every = every_s
        self._failure_event = failure_event
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        notice = OutageNotice(self._thread.name, self._failure_event)
        while not self._stop.is_set():
            try:
                self._job()
                notice.passed()
            except Exception as exc:
                notice.failed(exc)
            self._stop.wait(self._every)
