"""Hearing about bank changes as they commit: PostgreSQL ``LISTEN`` on the change log's channel.

Migration 0016 makes every insert into ``entry_changes`` send ``NOTIFY shieldwall_changes``
with the largest ``seq`` it wrote, inside the writing transaction, so the notification goes
out when (and only if) the change commits. :class:`ChangeListener` holds one dedicated
connection in ``LISTEN`` on a daemon thread and passes each notified ``seq`` to a callback.

A notification carries no data a reader must trust: it only says "the log has moved past
this position". Notifications are lost while the listener is disconnected (PostgreSQL queues
them per session), so after every (re)connect the callback is called with ``None``, meaning
"read the log from your position"; a lost one in between is repaired by the caller's slow
fallback poll. SQLite has no channel between processes: :func:`can_listen` says so and the
caller polls.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import URL, make_url

__all__ = ["CHANNEL", "ChangeListener", "can_listen"]

CHANNEL = "shieldwall_changes"
"""The channel migration 0016's trigger notifies (kept in step with it by a test)."""

_log = logging.getLogger("shieldwall.change_feed")

_WAIT_S = 0.5
"""How long one wait for notifications lasts before the thread checks whether to stop."""


def can_listen(url: str | URL) -> bool:
    """Whether the database at ``url`` pushes change notifications (PostgreSQL does)."""
    return make_url(url).get_backend_name() == "postgresql"


def _libpq_dsn(url: str | URL) -> str:
    """The SQLAlchemy URL as a libpq URI (``postgresql+psycopg://`` → ``postgresql://``)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ChangeListener:
    """One ``LISTEN`` connection on a daemon thread, reconnecting after any failure.

    ``on_change(seq)`` runs on the listener's thread for each notification; ``on_change(None)``
    after each successful (re)connect. It must be quick (it only wakes someone up).
    """

    def __init__(
        self,
        url: str | URL,
        on_change: Callable[[int | None], None],
        *,
        reconnect_s: float = 1.0,
    ) -> None:
        self._dsn = _libpq_dsn(url)
        self._on_change = on_change
        self._reconnect_s = reconnect_s
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def connected(self) -> bool:
        """Whether the listening connection is up (if not, only the fallback poll runs)."""
        return self._connected.is_set()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="shieldwall-change-listener", daemon=True
            )
            self._thread.start()

    def wait_connected(self, timeout: float) -> bool:
        """Wait until the first ``LISTEN`` is in place (start-up and tests)."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2 * _WAIT_S + 1)
            self._thread = None

    def _run(self) -> None:
        import psycopg

        failures = 0
        while not self._stop.is_set():
            try:
                # Keepalives so a silently dropped connection (a partition, a dead host) is
                # noticed in seconds, not at the kernel's two-hour default.
                with psycopg.connect(
                    self._dsn,
                    autocommit=True,
                    connect_timeout=5,
                    keepalives=1,
                    keepalives_idle=5,
                    keepalives_interval=2,
                    keepalives_count=3,
                    application_name="shieldwall-change-listener",
                ) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._connected.set()
                    if failures:
                        _log.info("change_listener_reconnected after_failures=%s", failures)
                    failures = 0
                    # Whatever was notified while we were away is lost: read the log now.
                    self._on_change(None)
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=_WAIT_S):
                            self._on_change(_seq(note.payload))
            except Exception as exc:  # any failure: fall back to the poll, reconnect later
                self._connected.clear()
                failures += 1
                if failures == 1:
                    _log.warning(
                        "change_listener_down error=%s retry_in_s=%s",
                        type(exc).__name__,
                        self._reconnect_s,
                    )
                self._stop.wait(min(self._reconnect_s * failures, 10 * self._reconnect_s))
        self._connected.clear()


def _seq(payload: str) -> int | None:
    """The notified position, or ``None`` for a payload that is not one (read the log)."""
    try:
        return int(payload)
    except ValueError:
        return None
