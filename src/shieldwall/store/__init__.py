"""shieldwall.store: banks, bank entries and their change log in SQL (SQLite or PostgreSQL).

The public surface is :class:`BankStore` (the repository), the plain records
it returns, and the functions that open and migrate a database::

    from shieldwall.store import BankStore, make_engine, session_factory, upgrade

    upgrade(url)
    store = BankStore(session_factory(make_engine(url)))
"""

# The service tables share the declarative metadata; importing them here
# registers them for Alembic and for the schema comparison test.
from shieldwall.store import audit_models as audit_models
from shieldwall.store import exchange_models as exchange_models
from shieldwall.store import indicator_models as indicator_models
from shieldwall.store import portal_models as portal_models
from shieldwall.store import quarantine as quarantine
from shieldwall.store import service_models as service_models
from shieldwall.store import video_models as video_models
from shieldwall.store import web_models as web_models
from shieldwall.store.engine import make_engine, session_factory
from shieldwall.store.exchanges import ExchangeInfo, ExchangeStore
from shieldwall.store.items import ItemStore
from shieldwall.store.keys import KeyStore
from shieldwall.store.migrate import current_revision, downgrade, head_revision, upgrade
from shieldwall.store.outbox import OutboxStore
from shieldwall.store.quarantine import QuarantineInfo, QuarantineStore
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
    "ExchangeInfo",
    "ExchangeStore",
    "ItemStore",
    "KeyStore",
    "OutboxStore",
    "QuarantineInfo",
    "QuarantineStore",
    "current_revision",
    "downgrade",
    "head_revision",
    "make_engine",
    "session_factory",
    "upgrade",
]
