"""The bulk path of ``BankStore.add_entries``: one chunk of entries, set-based.

Row-at-a-time ORM inserts, or even multi-row ``INSERT ... VALUES`` with
``RETURNING``, spend most of their time building and parsing SQL text. Here a
chunk goes into a temporary staging table (PostgreSQL ``COPY``; SQLite's
``executemany``, which is a C loop), and the rest is three set statements:

1. ``INSERT INTO bank_entries SELECT ... FROM staging ON CONFLICT DO NOTHING``
   (the idempotent add: existing (bank, type, value) rows are left alone);
2. log an ``add`` change for every row with an id above the largest id before
   step 1; that is exactly the rows step 1 created, because the caller holds
   the store's write lock so no other transaction inserts entries meanwhile;
3. join staging back to ``bank_entries`` for every entry's id, new or old;
4. give every entry of the chunk its importer's claim (``bank_entry_holders``,
   ``import:<provenance source>``) unless it has it already, so that a victim's case
   withdrawing its own claim later leaves a partner's entry matching.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    literal,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite

from shieldwall.store.models import (
    OP_ADD,
    TEXT_FIELD_MAX,
    BankEntryHolderRow,
    BankEntryRow,
    EntryChangeRow,
    UTCDateTime,
)
from shieldwall.store.validation import CleanEntry
from shieldwall.types import EntryStatus

_ENTRIES = cast(Table, BankEntryRow.__table__)
_CHANGES = cast(Table, EntryChangeRow.__table__)
_HOLDERS = cast(Table, BankEntryHolderRow.__table__)

_FIELDS = (
    "signal_type",
    "value",
    "category",
    "source",
    "external_id",
    "case_id",
    "submitted_at",
    "expires_at",
)

# Its own MetaData: the staging table is never part of the migrated schema.
_STAGING = Table(
    "shieldwall_entry_staging",
    MetaData(),
    Column("ord", Integer, primary_key=True),
    Column("signal_type", String(16)),
    Column("value", String(64)),
    Column("category", String(TEXT_FIELD_MAX)),
    Column("source", String(TEXT_FIELD_MAX)),
    Column("external_id", String(TEXT_FIELD_MAX)),
    Column("case_id", String(TEXT_FIELD_MAX)),
    Column("submitted_at", UTCDateTime()),
    Column("expires_at", UTCDateTime()),
    prefixes=["TEMPORARY"],
)


def _stage(conn: Connection, unique: Sequence[CleanEntry]) -> None:
    _STAGING.create(conn)
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection
        columns = ", ".join(("ord", *_FIELDS))
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {_STAGING.name} ({columns}) FROM STDIN") as copy,
        ):
            for ord_, c in enumerate(unique):
                copy.write_row(
                    (
                        ord_,
                        c.signal_type.value,
                        c.value,
                        c.category,
                        c.source,
                        c.external_id,
                        c.case_id,
                        c.submitted_at,
                        c.expires_at,
                    )
                )
        return
    conn.execute(
        insert(_STAGING),
        [
            {
                "ord": ord_,
                "signal_type": c.signal_type.value,
                "value": c.value,
                "category": c.category,
                "source": c.source,
                "external_id": c.external_id,
                "case_id": c.case_id,
                "submitted_at": c.submitted_at,
                "expires_at": c.expires_at,
            }
            for ord_, c in enumerate(unique)
        ],
    )


def insert_chunk(
    conn: Connection,
    *,
    bank_id: int,
    bank_enabled: bool,
    entries: Sequence[CleanEntry],
    now: datetime,
    import_claims: bool = True,
) -> tuple[list[int], int]:
    """Insert ``entries`` into one bank; return every entry's id (in order) and how many are new.

    The caller must hold the store's write lock (see the module docstring). With
    ``import_claims`` false the caller records a claim of its own instead (a case, a review).
    """
    ord_of: dict[tuple[str, str], int] = {}
    for c in entries:
        ord_of.setdefault((c.signal_type.value, c.value), len(ord_of))
    unique = list({(c.signal_type, c.value): c for c in entries}.values())
    _stage(conn, unique)
    try:
        max_before = conn.scalar(select(func.coalesce(func.max(_ENTRIES.c.id), 0))) or 0
        insert_stmt = (
            postgresql.insert(_ENTRIES)
            if conn.dialect.name == "postgresql"
            else sqlite.insert(_ENTRIES)
        )
        staged = _STAGING.c
        source = (
            select(
                literal(bank_id),
                *(staged[name] for name in _FIELDS),
                literal(EntryStatus.ACTIVE.value),
                literal(now, UTCDateTime()),
                literal(now, UTCDateTime()),
            )
            # SQLite needs a WHERE here, or it reads ON CONFLICT as a join constraint.
            .where(true())
            .order_by(staged.ord)
        )
        conn.execute(
            insert_stmt.from_select(
                ["bank_id", *_FIELDS, "status", "created_at", "updated_at"], source
            ).on_conflict_do_nothing(index_elements=["bank_id", "signal_type", "value"])
        )
        # rowcount is not reliable for INSERT ... SELECT on every driver (psycopg says -1);
        # new rows are told apart by id instead, like in the change-log step.
        new_rows = conn.scalar(select(func.count()).where(_ENTRIES.c.id > max_before)) or 0
        if bank_enabled and new_rows:
            conn.execute(
                insert(_CHANGES).from_select(
                    ["entry_id", "bank_id", "signal_type", "value", "op", "at"],
                    select(
                        _ENTRIES.c.id,
                        _ENTRIES.c.bank_id,
                        _ENTRIES.c.signal_type,
                        _ENTRIES.c.value,
                        literal(OP_ADD),
                        literal(now, UTCDateTime()),
                    )
                    .where(_ENTRIES.c.id > max_before)
                    .order_by(_ENTRIES.c.id),
                )
            )
        # Integers only: no per-row string or enum conversion on the way back.
        rows = conn.execute(
            select(staged.ord, _ENTRIES.c.id).join(
                _ENTRIES,
                (_ENTRIES.c.bank_id == bank_id)
                & (_ENTRIES.c.signal_type == staged.signal_type)
                & (_ENTRIES.c.value == staged.value),
            )
        )
        id_by_ord: dict[int, int] = {ord_: id_ for ord_, id_ in rows}
        if import_claims:
            _claim_for_importers(conn, bank_id, now)
    finally:
        _STAGING.drop(conn)
    return [id_by_ord[ord_of[(c.signal_type.value, c.value)]] for c in entries], new_rows


def _claim_for_importers(conn: Connection, bank_id: int, now: datetime) -> None:
    """Step 4: ``import:<source>`` claims for the staged entries, set-based; an existing claim
    (even a released one: a re-import does not renew what its holder let go) is left alone."""
    staged = _STAGING.c
    holder = literal("import:", String()) + func.coalesce(staged.source, literal("unknown"))
    insert_stmt = (
        postgresql.insert(_HOLDERS)
        if conn.dialect.name == "postgresql"
        else sqlite.insert(_HOLDERS)
    )
    source = (
        select(_ENTRIES.c.id, holder, literal(now, UTCDateTime()))
        .select_from(
            _STAGING.join(
                _ENTRIES,
                (_ENTRIES.c.bank_id == bank_id)
                & (_ENTRIES.c.signal_type == staged.signal_type)
                & (_ENTRIES.c.value == staged.value),
            )
        )
        # A withdrawn entry gets no claim: the import did not bring it back into matching.
        .where(_ENTRIES.c.status == EntryStatus.ACTIVE.value)
    )
    conn.execute(
        insert_stmt.from_select(["entry_id", "holder", "held_at"], source).on_conflict_do_nothing(
            index_elements=["entry_id", "holder"]
        )
    )
