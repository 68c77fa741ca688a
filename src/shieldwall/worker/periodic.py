"""A job the worker runs every few seconds on a daemon thread, beside deliveries.

Housekeeping and the exchange schedule are the same loop with different jobs: run, log a
failure without letting it end the loop (the next pass retries), wait, until stopped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger("shieldwall.worker")


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
        while not self._stop.is_set():
            try:
                self._job()
            except Exception:
                log.exception(self._failure_event)
            self._stop.wait(self._every)
