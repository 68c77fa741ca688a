"""Temporary faults under a use case, told apart from bugs: retry later, not a crash.

A database restart, a SQLite lock held past its timeout or a full disk used to answer a
bare ``500 internal_error``, so a client could not tell a safe retry from a bug. These
are raised before anything is committed (every accepted item is persisted before it is
acknowledged), so a retry is always safe. The API answers 503, a stable code and
``Retry-After`` (``api/problems.py``); the worker leaves the outbox row for its sweeper to
take again when it is due (``worker/``). Either logs one warning line without a traceback.
Anything else stays a bug: a 500, or a failed task, with the traceback logged.
(Here, below both shells, because the API and the worker must not import each other.)
"""

from __future__ import annotations

import errno

from sqlalchemy import exc as sa_exc

from shieldwall.errors import DatabaseUnavailableError, StorageFullError, UnavailableError

FAULT_TYPES: tuple[type[Exception], ...] = (sa_exc.SQLAlchemyError, TimeoutError, OSError)
"""Exception types worth classifying; :func:`temporary_fault` decides for each instance."""

_DISK_FULL = ("disk is full", "no space left", "diskfull", "could not extend file")
_UNAVAILABLE = (
    "database is locked",
    "connection",
    "server closed",
    "terminating",
    "shutting down",
    "starting up",
    "could not connect",
    "timeout",
    "timed out",
    "the database system is",
)


def temporary_fault(exc: BaseException) -> UnavailableError | None:
    """The 503 error ``exc`` amounts to, or ``None`` when it is not a temporary fault."""
    text = f"{type(exc).__name__} {exc}".lower()
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return StorageFullError("the server's disk is full; retry later")
    if isinstance(exc, TimeoutError):
        return DatabaseUnavailableError("the database is busy; retry shortly")
    if isinstance(exc, sa_exc.TimeoutError):
        return DatabaseUnavailableError("no database connection is free; retry shortly")
    if isinstance(exc, sa_exc.DBAPIError):
        if any(marker in text for marker in _DISK_FULL):
            return StorageFullError("the database's disk is full; retry later")
        if isinstance(exc, sa_exc.OperationalError):
            return DatabaseUnavailableError("the database is unavailable; retry shortly")
        if exc.connection_invalidated or (
            isinstance(exc, sa_exc.InterfaceError) and any(m in text for m in _UNAVAILABLE)
        ):
            return DatabaseUnavailableError("the database is unavailable; retry shortly")
    return None
