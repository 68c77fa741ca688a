"""The two kinds of transaction every repository uses, written once.

Writers mark their connection with :data:`WRITE_OPTION`, which makes SQLite take
its write lock when the transaction begins (see ``engine.py``); readers take a
plain transaction so what they read is consistent.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker

from shieldwall.store.engine import WRITE_OPTION


class SessionScoped:
    """Base for repositories built from a session factory (stored as ``_sessions``)."""

    _sessions: sessionmaker[Session]

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            session.connection(execution_options={WRITE_OPTION: True})
            yield session

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session
