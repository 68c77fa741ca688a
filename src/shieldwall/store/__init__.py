"""shieldwall.store: banks, bank entries and their change log in SQL (SQLite or PostgreSQL).

The public surface is :class:`BankStore` (the repository), the plain records
it returns, and the functions that open and migrate a database::

    from shieldwall.store import BankStore, make_engine, session_factory, upgrade

    upgrade(url)
    store = BankStore(session_factory(make_engine(url)))
"""

from shieldwall.store.engine import make_engine, session_factory
from shieldwall.store.migrate import current_revision, downgrade, head_revision, upgrade
from shieldwall.store.records import (
    ActiveEntry,
    AddResult,
    BankInfo,
    ChangeOp,
    EntryChange,
    EntryInfo,
)
from shieldwall.store.repository import BankStore

__all__ = [
    "ActiveEntry",
    "AddResult",
    "BankInfo",
    "BankStore",
    "ChangeOp",
    "EntryChange",
    "EntryInfo",
    "current_revision",
    "downgrade",
    "head_revision",
    "make_engine",
    "session_factory",
    "upgrade",
]
