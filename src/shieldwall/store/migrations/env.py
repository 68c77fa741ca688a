"""Alembic environment for the bank store.

Normally run through :mod:`shieldwall.store.migrate`, which hands over an open
connection in ``config.attributes["connection"]``. Run by the ``alembic``
command line instead, it opens ``sqlalchemy.url`` through
:func:`shieldwall.store.engine.make_engine` so SQLite gets the same settings.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from shieldwall.store.engine import make_engine
from shieldwall.store.models import Base

config = context.config
target_metadata = Base.metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set sqlalchemy.url, or run migrations via shieldwall.store.upgrade")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _migrate(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
