"""The two kinds of transaction every repository uses, written once.

Writers mark their connection with :data:`WRITE_OPTION`, which makes SQLite take
its write lock when the transaction begins (see ``engine.py``); on PostgreSQL a
writer that names a ``lock_key`` also takes that advisory lock for the transaction
(the bank store serialises its change log this way). Readers take a plain
transaction so what they read is consistent.

Every repository inherits :class:`SessionScoped`; code that holds only a session
factory (the audit log) calls :func:`writing` and :func:`reading` directly. There is
no other copy of these few lines in the package.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.store.engine import WRITE_OPTION


@contextmanager
def writing(sessions: sessionmaker[Session], *, lock_key: int | None = None) -> Iterator[Session]:
    """A write transaction: committed when the block ends, rolled back if it raises."""
    with sessions() as session, session.begin():
        conn = session.connection(execution_options={WRITE_OPTION: True})
        if lock_key is not None and conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(lock_key)))
        yield session


@contextmanager
def reading(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A read transaction: one consistent view for the whole block."""
    with sessions() as session, session.begin():
        yield session


class SessionScoped:
    """Base for repositories built from a session factory (stored as ``_sessions``).

    ``_write_lock_key`` names a PostgreSQL advisory lock every write transaction takes
    first (``None``: none).
    """

    _sessions: sessionmaker[Session]
    _write_lock_key: int | None = None

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with writing(self._sessions, lock_key=self._write_lock_key) as session:
            yield session

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with reading(self._sessions) as session:
            yield session
