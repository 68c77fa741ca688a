"""The change feed: keeps a serving process's matcher in step with the bank change log,
off the request path.

Why a thread of its own: a lookup used to read the change log itself (at most every 50 ms),
which put a database read on the hot path and still left a replica that took no traffic
stale. Here one daemon thread per process applies changes, so a request only searches memory.

What wakes the thread:

- **pushed** notifications (PostgreSQL ``LISTEN``, :mod:`shieldwall.store.change_signal`):
  sent by the database when a bank change commits, so a change made on any replica is
  applied everywhere within milliseconds. A notification only says "the log moved past
  ``seq``"; the thread then reads the log from its own position, so a duplicate, late or
  out-of-order notification changes nothing, and one at or below the applied position is
  ignored without a read.
- **the fallback poll** (``fallback_s``, 1 s by default): a notification lost while the
  listener was reconnecting, or a listener that cannot connect at all, costs at most this
  long. On SQLite, which has no channel between processes, this poll is the only path and
  runs every ``local_poll_s`` (0.1 s): one indexed read of an empty tail, ten times a second
  per process, which is cheaper than a file or pipe signal that every writer (CLI, worker,
  another ``serve``) would have to remember to send after its commit.

State that has no change log of its own (the match holds: trust levels and quarantined
entries) rides on the same thread: ``also`` callbacks run on every wake, so they are
reloaded within the fallback interval and no request reads them either.

The log stays the one source of truth for catch-up: a replica that was down, or a new one
started from a snapshot, replays it from its position before it serves.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

__all__ = ["ChangeFeed", "FeedStatus", "Listener"]

_log = logging.getLogger("shieldwall.change_feed")


class Listener(Protocol):
    """A push channel: calls the feed's ``notify`` once started (see ``store/change_signal``)."""

    @property
    def connected(self) -> bool: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """What ``/readyz`` shows of the feed."""

    mode: str
    """``notify`` (pushed, with a fallback poll) or ``poll`` (no push channel: SQLite)."""
    connected: bool
    """Whether the push channel is up (always False in ``poll`` mode)."""
    position: int
    """The change-log ``seq`` applied."""
    pushed: int
    """Refreshes a notification started."""
    polled: int
    """Refreshes the fallback poll started that found changes (each is a notification
    lost, or a change made with no channel): should stay near zero on PostgreSQL."""


class ChangeFeed:
    """Applies bank changes to this process's matcher as they are announced; see module doc.

    ``refresh`` applies the log after the matcher's position and returns how many changes it
    applied; ``position`` is that position. ``listener`` is built with :meth:`notify` as its
    callback, or is ``None`` where the database pushes nothing. ``also`` runs after every
    wake (each callback decides itself whether a reload is due; a failing one is logged and
    retried on the next wake).
    """

    def __init__(
        self,
        *,
        refresh: Callable[[], int],
        position: Callable[[], int],
        listener: Callable[[Callable[[int | None], None]], Listener] | None,
        fallback_s: float,
        also: Sequence[Callable[[], None]] = (),
    ) -> None:
        self._refresh = refresh
        self._also = tuple(also)
        self._position = position
        self._listener = None if listener is None else listener(self.notify)
        self._fallback_s = fallback_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pushed = 0
        self._polled = 0

    def start(self) -> None:
        """Start the thread (and the listener); the matcher must already be loaded."""
        if self._thread is not None:
            return
        if self._listener is not None:
            self._listener.start()
        self._thread = threading.Thread(
            target=self._run, name="shieldwall-change-feed", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._listener is not None:
            self._listener.stop()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def notify(self, seq: int | None) -> None:
        """A change at ``seq`` committed (``None``: unknown, read the log). Cheap, any thread."""
        if seq is None or seq > self._position():
            self._wake.set()

    def status(self) -> FeedStatus:
        return FeedStatus(
            mode="poll" if self._listener is None else "notify",
            connected=self._listener is not None and self._listener.connected,
            position=self._position(),
            pushed=self._pushed,
            polled=self._polled,
        )

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            pushed = self._wake.wait(self._fallback_s)
            self._wake.clear()
            if self._stop.is_set():
                return
            self._run_also()
            try:
                applied = self._refresh()
            except Exception as exc:  # the database is away: keep serving what we have
                failures += 1
                if failures == 1:
                    _log.warning("change_feed_refresh_failed error=%s", type(exc).__name__)
                # Back off a little, but never past the fallback interval.
                self._stop.wait(min(0.1 * failures, self._fallback_s))
                self._wake.set()  # try again: a notification may have been consumed
                continue
            if failures:
                _log.info("change_feed_recovered after_failures=%s", failures)
                failures = 0
            if applied:
                if pushed:
                    self._pushed += 1
                else:
                    self._polled += 1
                    _log.debug("change_feed_poll_found changes=%s", applied)

    def _run_also(self) -> None:
        for callback in self._also:
            try:
                callback()
            except Exception as exc:  # the database is away: keep the holds we have
                _log.warning("change_feed_also_failed error=%s", type(exc).__name__)
