"""Engines and sessions for the bank store, on SQLite (the embedded default) or PostgreSQL.

Everything that opens a database goes through :func:`make_engine`, so the
SQLite settings that make a file database safe to share between the API, the
worker and the CLI (WAL journal, foreign keys, a busy timeout, write
transactions that take the lock up front) are applied in one place.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another writer before giving up.

Long enough to outlast a bulk-import chunk, short enough that a stuck process shows up.
"""

WRITE_OPTION = "shieldwall_write"
"""Connection execution option marking a transaction that will write (see ``_begin``)."""


_HOLDS_WRITE_LOCK = "shieldwall_holds_write_lock"


def is_sqlite(url: str | URL) -> bool:
    """True when ``url`` points at SQLite."""
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str | URL, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with Shieldwall's connection settings.

    SQLite file databases get their folder created, WAL mode (readers never
    block the writer), ``foreign_keys=ON`` (SQLite ignores foreign keys
    otherwise, so bank deletion would not cascade) and a busy timeout.
    Extra keyword arguments go to :func:`sqlalchemy.create_engine`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(parsed, **kwargs)

    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The sqlite3 module's own implicit BEGIN cannot be told to take the write
        # lock early; switch it off and issue BEGIN ourselves in ``_begin``.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode = WAL")
                # WAL with synchronous=NORMAL is durable across application crashes
                # and only risks the last transactions on power loss; FULL halves import speed.
                cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    # Writers of this engine queue on a Python lock before asking SQLite for its write
    # lock: SQLite's busy handler waits by sleeping (1, 2, 5 ... 100 ms), so with a
    # few request threads writing at once most of their time went to those sleeps.
    # Other processes still meet the busy timeout, as before.
    writers = threading.Lock()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        # A deferred transaction that reads first and then writes fails at once with
        # SQLITE_BUSY when another writer got in between (the busy timeout does not
        # apply to that upgrade). Writers therefore take the lock when they begin.
        if connection.get_execution_options().get(WRITE_OPTION):
            # Bounded like SQLite's own wait, so a nested writer in the same thread fails
            # with a clear error instead of waiting forever.
            if not writers.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000):
                raise TimeoutError("timed out waiting for the database write lock")
            connection.info[_HOLDS_WRITE_LOCK] = True
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _release(connection)
                raise
        else:
            connection.exec_driver_sql("BEGIN")

    def _release(connection: Any) -> None:
        if connection.info.pop(_HOLDS_WRITE_LOCK, False):
            writers.release()

    event.listen(engine, "commit", _release)
    event.listen(engine, "rollback", _release)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory for ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)
