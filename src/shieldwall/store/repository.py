"""``BankStore``: every read and write of banks, their entries and the change log.

Callers speak in the domain (create a bank, add entries, withdraw one) and
get plain records back; no SQL or ORM object leaves this module. Each public
method validates its arguments first (hash values through
:func:`shieldwall.hashing.values.normalize_hash`, names, thresholds, text
lengths) and only then touches the database.

Membership of the matching set changes only here, and every such change
writes an ``entry_changes`` row in the same transaction. An index elsewhere
can therefore record :meth:`BankStore.latest_change_seq`, load
:meth:`BankStore.iter_active_entries`, and replay
:meth:`BankStore.changes_since` to stay exact. On PostgreSQL, writers take a
transaction-level advisory lock so that change rows become visible in ``seq``
order (an autoincrement alone can commit out of order and a reader would skip
a row); SQLite serialises writers by itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import (
    and_,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import BankExistsError, BankNotFoundError, EntryNotFoundError, InputError
from shieldwall.store.audit_store import AuditWriter, values_digest
from shieldwall.store.bulk import insert_chunk
from shieldwall.store.holders import (
    ReleaseResult,
    check_holder,
    holders_of,
    insert_claims,
    reactivate,
    release_all,
    release_claims,
)
from shieldwall.store.local_features import (
    iter_active_local_features,
    read_local_features,
    write_local_features,
)
from shieldwall.store.models import (
    OP_ADD,
    OP_REMOVE,
    BankEntryRow,
    BankEntryVariantRow,
    BankRow,
    EntryChangeRow,
    utcnow,
)
from shieldwall.store.queries import (
    ACTIVE,
    CHANGE_COLUMNS,
    active_count,
    bank_info,
    bank_row,
    banks_with_counts,
    batched,
    change_row,
    change_source,
    check_locator,
    entries_with_banks,
    entry_info,
    log_bank_entries,
)
from shieldwall.store.records import (
    ActiveEntry,
    AddResult,
    BankInfo,
    EntryChange,
    EntryInfo,
)
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.validation import CleanEntry, check_bank_name, check_threshold, clean_entry
from shieldwall.store.variants import read_variants, write_variants
from shieldwall.types import (
    DEFAULT_PDQ_THRESHOLD,
    BankId,
    BankPurpose,
    EntryId,
    EntryStatus,
    HashKind,
    NewEntry,
    Provenance,
)

CHANGE_LOCK_KEY = 0x5348_4C44_0001
"""PostgreSQL advisory-lock key taken by every writing transaction (see module docstring)."""

ADD_CHUNK = 20_000
"""Entries written per transaction by :meth:`BankStore.add_entries`."""

_IN_CHUNK = 5_000  # bound parameters per IN (...) list, well under every driver's limit


_IDS_PER_QUERY = 5_000
"""Ids per ``IN (...)`` list: well under SQLite's bound-parameter limit."""


class BankStore(SessionScoped):
    """Banks and their entries in a SQL database (SQLite or PostgreSQL).

    Built from a session factory (:func:`shieldwall.store.session_factory`);
    it holds no state of its own, so one instance can be shared by threads.
    Every write transaction takes ``CHANGE_LOCK_KEY`` first on PostgreSQL, so the
    change log's sequence is written in commit order.
    """

    _write_lock_key = CHANGE_LOCK_KEY

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        add_chunk: int = ADD_CHUNK,
        audit: AuditWriter | None = None,
    ) -> None:
        self._sessions = sessions
        self._add_chunk = add_chunk
        # Audit: every bank change appends its event in the same transaction (lock order:
        # CHANGE_LOCK_KEY first, the audit lock last).
        self._audit = audit or AuditWriter()

    # -- banks ---------------------------------------------------------------------------

    def create_bank(
        self,
        *,
        name: str,
        purpose: BankPurpose,
        description: str = "",
        threshold: int = DEFAULT_PDQ_THRESHOLD,
        enabled: bool = True,
    ) -> BankInfo:
        """Create an empty bank; raises :class:`BankExistsError` if the name is taken."""
        check_bank_name(name)
        check_threshold(threshold)
        try:
            purpose = BankPurpose(purpose)
        except ValueError as exc:
            raise InputError("unknown bank purpose", value=purpose) from exc
        now = utcnow()
        row = BankRow(
            name=name,
            purpose=purpose,
            description=description,
            threshold=threshold,
            enabled=enabled,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._writing() as session:
                if session.scalar(select(BankRow.id).where(BankRow.name == name)) is not None:
                    raise BankExistsError("a bank with this name already exists", value=name)
                session.add(row)
                session.flush()
                self._audit.append(
                    session,
                    action="bank.created",
                    subject_type="bank",
                    subject_id=name,
                    details={"purpose": str(purpose), "threshold": threshold, "enabled": enabled},
                )
                return bank_info(row, 0)
        except IntegrityError as exc:  # lost a race with another process creating it
            raise BankExistsError("a bank with this name already exists", value=name) from exc

    def get_bank(self, *, name: str) -> BankInfo:
        """The bank called ``name``; raises :class:`BankNotFoundError`."""
        with self._reading() as session:
            found = session.execute(banks_with_counts().where(BankRow.name == name)).first()
        if found is None:
            raise BankNotFoundError("no bank with this name", value=name)
        bank, count = found
        return bank_info(bank, count)

    def list_banks(self) -> list[BankInfo]:
        """All banks by name, each with its number of active entries."""
        with self._reading() as session:
            rows = session.execute(banks_with_counts().order_by(BankRow.name)).all()
        return [bank_info(bank, count) for bank, count in rows]

    def update_bank(
        self,
        *,
        name: str,
        threshold: int | None = None,
        enabled: bool | None = None,
        description: str | None = None,
    ) -> BankInfo:
        """Change a bank's settings; enabling or disabling it logs the membership change."""
        if threshold is not None:
            check_threshold(threshold)
        with self._writing() as session:
            bank = bank_row(session, name)
            now = utcnow()
            if enabled is not None and enabled != bank.enabled:
                log_bank_entries(session, bank.id, OP_ADD if enabled else OP_REMOVE, now)
                bank.enabled = enabled
            if threshold is not None:
                bank.threshold = threshold
            if description is not None:
                bank.description = description
            bank.updated_at = now
            session.flush()
            changes = {"threshold": threshold, "enabled": enabled, "description": description}
            self._audit.append(
                session,
                action="bank.updated",
                subject_type="bank",
                subject_id=name,
                details={
                    k: (v if k != "description" else bool(v))
                    for k, v in changes.items()
                    if v is not None
                },
            )
            count = session.scalar(active_count(bank.id)) or 0
            return bank_info(bank, count)

    def delete_bank(self, *, name: str) -> None:
        """Delete a bank and all its entries; the change log keeps their removal."""
        with self._writing() as session:
            bank = bank_row(session, name)
            if bank.enabled:
                log_bank_entries(session, bank.id, OP_REMOVE, utcnow())
            entries = session.scalar(
                select(func.count(BankEntryRow.id)).where(BankEntryRow.bank_id == bank.id)
            )
            # ON DELETE CASCADE removes the entries in the database itself.
            session.execute(delete(BankRow).where(BankRow.id == bank.id))
            self._audit.append(
                session,
                action="bank.deleted",
                subject_type="bank",
                subject_id=name,
                details={"entries": int(entries or 0)},
            )

    # -- entries -------------------------------------------------------------------------

    def add_entries(
        self, *, bank: str, entries: Iterable[NewEntry], holder: str | None = None
    ) -> AddResult:
        """Add hashes to ``bank``, streaming, in chunks of one transaction each.

        Idempotent: an entry whose (bank, signal type, value) is already stored,
        in any status, is left exactly as it is and counted as unchanged. That
        is deliberate: re-importing a partner list must not bring back an entry
        a victim withdrew. Each chunk is validated whole before it is written;
        on an invalid entry the chunks before it stay committed and the error
        message gives the entry's position (0-based).

        Bank-side variants (``NewEntry.variants``, PDQ only) are written with
        their entry. An entry already stored keeps its variants and gains the
        ones it lacks (by name); it then stays "unchanged" in the counts, but
        its ``add`` is logged again so that matchers pick up the new variants.

        Claims (``store/holders.py``): by default each entry gets its importer's claim,
        ``import:<provenance source>``. A ``holder`` (``case:<number>``,
        ``review:<id>``) claims the entries instead, and its *new* claim brings an entry
        that its last holder had let go back into matching: a new victim's approved case
        protects them even if someone else withdrew the same hashes earlier.
        """
        if holder is not None:
            check_holder(holder)
        with self._reading() as session:  # fail fast, before consuming the stream
            bank_row(session, bank)
        added = unchanged = 0
        ids: list[EntryId] = []
        position = 0
        for chunk in batched(entries, self._add_chunk):
            cleaned: list[CleanEntry] = []
            for entry in chunk:
                try:
                    cleaned.append(clean_entry(entry))
                except InputError as exc:
                    raise type(exc)(f"entry {position}: {exc.message}", value=exc.value) from exc
                position += 1
            chunk_ids, chunk_added = self._add_chunk_entries(bank, cleaned, holder)
            ids.extend(chunk_ids)
            added += chunk_added
            unchanged += len(chunk_ids) - chunk_added
        return AddResult(added=added, unchanged=unchanged, ids=ids)

    def _add_chunk_entries(
        self, bank_name: str, cleaned: list[CleanEntry], holder: str | None = None
    ) -> tuple[list[EntryId], int]:
        with self._writing() as session:
            bank = bank_row(session, bank_name)
            now = utcnow()
            with_variants = any(c.variants for c in cleaned)
            with_features = any(c.local_features is not None for c in cleaned)
            # Under the write lock no one else inserts entries: ids above this are ours.
            new_above = (
                session.scalar(select(func.coalesce(func.max(BankEntryRow.id), 0)))
                if with_variants or with_features
                else 0
            )
            ids, added = insert_chunk(
                session.connection(),
                bank_id=bank.id,
                bank_enabled=bank.enabled,
                entries=cleaned,
                now=now,
                import_claims=holder is None,
            )
            claimed: list[int] = []
            if holder is not None:
                fresh = insert_claims(session.connection(), entry_ids=ids, holder=holder, now=now)
                claimed = reactivate(session, sorted(fresh), now)
            variants = 0
            if with_variants:
                variants = write_variants(
                    session,
                    bank_enabled=bank.enabled,
                    entries=cleaned,
                    ids=ids,
                    new_above=int(new_above or 0),
                    now=now,
                )
            features = 0
            if with_features:
                features = write_local_features(
                    session,
                    bank_enabled=bank.enabled,
                    entries=cleaned,
                    ids=ids,
                    new_above=int(new_above or 0),
                    now=now,
                )
            # One event per chunk transaction (not per entry): counts and a digest of the values.
            self._audit.append(
                session,
                action="bank.entries_added",
                subject_type="bank",
                subject_id=bank_name,
                details={
                    "count": len(cleaned),
                    "added": added,
                    "unchanged": len(ids) - added,
                    "values_sha256": values_digest(f"{e.signal_type}:{e.value}" for e in cleaned),
                }
                | ({"variants_added": variants} if variants else {})
                | ({"local_features_added": features} if features else {})
                | ({"holder": holder} if holder else {})
                | ({"reactivated": claimed} if claimed else {}),
            )
            return [EntryId(i) for i in ids], added

    def withdraw_entry(
        self,
        *,
        entry_id: int | None = None,
        bank: str | None = None,
        signal_type: HashKind | str | None = None,
        value: str | None = None,
    ) -> EntryInfo:
        """Take an entry out of matching at once (by id, or by bank + type + value).

        The entry and its provenance are kept with status ``withdrawn``.
        Withdrawing a withdrawn or deleted entry changes nothing.
        """
        return self._retire(EntryStatus.WITHDRAWN, entry_id, bank, signal_type, value)

    def delete_entry(
        self,
        *,
        entry_id: int | None = None,
        bank: str | None = None,
        signal_type: HashKind | str | None = None,
        value: str | None = None,
    ) -> EntryInfo:
        """Mark an entry deleted (added by mistake); it stops matching at once."""
        return self._retire(EntryStatus.DELETED, entry_id, bank, signal_type, value)

    def _retire(
        self,
        status: EntryStatus,
        entry_id: int | None,
        bank: str | None,
        signal_type: HashKind | str | None,
        value: str | None,
    ) -> EntryInfo:
        by_value = check_locator(entry_id, bank, signal_type, value)
        with self._writing() as session:
            query = entries_with_banks()
            if by_value is None:
                query = query.where(BankEntryRow.id == entry_id)
            else:
                query = query.where(
                    BankRow.name == by_value[0],
                    BankEntryRow.signal_type == by_value[1],
                    BankEntryRow.value == by_value[2],
                )
            found = session.execute(query).first()
            if found is None:
                raise EntryNotFoundError("no such entry", value=entry_id or value)
            entry, owner = found
            if entry.status is EntryStatus.DELETED or entry.status is status:
                return entry_info(entry, owner)
            now = utcnow()
            if entry.status is EntryStatus.ACTIVE and owner.enabled:
                session.add(change_row(entry, OP_REMOVE, now))
            if entry.status is EntryStatus.ACTIVE:
                entry.withdrawn_at = now
            entry.status = status
            entry.updated_at = now
            # An operator's withdrawal overrides every claim; a re-import then leaves it out.
            released = release_all(
                session, entry_id=entry.id, released_by=f"operator:{status.value}", now=now
            )
            session.flush()
            self._audit.append(
                session,
                action=f"bank.entry_{status.value}",
                subject_type="bank_entry",
                subject_id=str(entry.id),
                details={
                    "bank": owner.name,
                    "signal_type": str(entry.signal_type),
                    "claims_released": released,
                },
            )
            return entry_info(entry, owner)

    def find_entry(self, *, bank: str, signal_type: HashKind | str, value: str) -> EntryInfo:
        """The entry of ``bank`` holding this hash, whatever its status; raises
        :class:`EntryNotFoundError`."""
        located = check_locator(None, bank, signal_type, value)
        assert located is not None  # bank, type and value were all given
        _, kind, normalized = located
        with self._reading() as session:
            found = session.execute(
                entries_with_banks().where(
                    BankRow.name == bank,
                    BankEntryRow.signal_type == kind,
                    BankEntryRow.value == normalized,
                )
            ).first()
        if found is None:
            raise EntryNotFoundError("no such entry in this bank", value=value)
        return entry_info(*found)

    def release_entries(
        self, *, entry_ids: Iterable[int], holder: str, actor: str
    ) -> ReleaseResult:
        """Take back ``holder``'s claim on entries (a case withdrawn, say).

        An entry leaves matching only when no other holder's claim remains; the others
        stay active and are listed as ``kept``. One ``bank.claim_released`` audit event
        says which holder let go of what, what left matching and what another holder kept.
        """
        check_holder(holder)
        ids = sorted({int(i) for i in entry_ids})
        now = utcnow()
        with self._writing() as session:
            result = release_claims(
                session, entry_ids=ids, holder=holder, released_by=actor, now=now
            )
            self._audit.append(
                session,
                action="bank.claim_released",
                actor=actor,
                subject_type="holder",
                subject_id=holder,
                details={
                    "released": [int(i) for i in result.released],
                    "withdrawn": [int(i) for i in result.withdrawn],
                    "kept_by_other_holders": [int(i) for i in result.kept],
                },
                at=now,
            )
            return result

    def entry_holders(self, *, entry_ids: Iterable[int]) -> dict[EntryId, list[str]]:
        """The claims in force on each entry (entries without any are absent)."""
        with self._reading() as session:
            found = holders_of(session, list(entry_ids))
        return {EntryId(k): v for k, v in found.items()}

    def unhunted(self, entry_ids: Iterable[EntryId]) -> list[EntryId]:
        """Those of ``entry_ids`` whose retro-hunt is still owed (never completed)."""
        wanted = sorted(set(entry_ids))
        owed: list[EntryId] = []
        with self._reading() as session:
            for start in range(0, len(wanted), _IDS_PER_QUERY):
                part = wanted[start : start + _IDS_PER_QUERY]
                owed.extend(
                    EntryId(i)
                    for i in session.scalars(
                        select(BankEntryRow.id).where(
                            BankEntryRow.id.in_(part), BankEntryRow.hunted_at.is_(None)
                        )
                    )
                )
        return owed

    def mark_hunted(self, entry_ids: Iterable[EntryId]) -> None:
        """Record that the retro-hunt of ``entry_ids`` completed (its decisions are stored)."""
        wanted = sorted(set(entry_ids))
        now = utcnow()
        with self._writing() as session:
            for start in range(0, len(wanted), _IDS_PER_QUERY):
                session.execute(
                    update(BankEntryRow)
                    .where(BankEntryRow.id.in_(wanted[start : start + _IDS_PER_QUERY]))
                    .values(hunted_at=now)
                )

    def get_entry(self, *, entry_id: int) -> EntryInfo:
        """One entry with its bank; raises :class:`EntryNotFoundError`."""
        found = self.entries_by_ids(ids=[entry_id]).get(EntryId(entry_id))
        if found is None:
            raise EntryNotFoundError("no entry with this id", value=entry_id)
        return found

    def entries_by_ids(self, *, ids: Iterable[int]) -> dict[EntryId, EntryInfo]:
        """Entries by id with bank name, purpose and threshold, to explain matches.

        Ids that do not exist (deleted banks) are simply absent from the result.
        """
        wanted = sorted(set(ids))
        found: dict[EntryId, EntryInfo] = {}
        with self._reading() as session:
            for part in batched(wanted, _IN_CHUNK):
                query = entries_with_banks().where(BankEntryRow.id.in_(part))
                for entry, bank in session.execute(query):
                    found[EntryId(entry.id)] = entry_info(entry, bank)
        return found

    def variants_for(
        self, *, entry_ids: Iterable[int]
    ) -> dict[EntryId, list[tuple[int, str, str]]]:
        """Stored bank-side variants of entries: ``(slot, name, value)`` in slot order.

        Entries without variants (and ids that do not exist) are absent. Read in
        chunks of ids, so a matcher replaying a long change log can ask for all
        of one batch at once.
        """
        with self._reading() as session:
            found = read_variants(session, entry_ids)
        return {EntryId(k): v for k, v in found.items()}

    def local_features_for(self, *, entry_ids: Iterable[int]) -> dict[EntryId, bytes]:
        """Stored local-feature blobs of entries (``LocalFeatures.to_bytes``); entries
        without features (and ids that do not exist) are absent."""
        with self._reading() as session:
            found = read_local_features(session, entry_ids)
        return {EntryId(k): v for k, v in found.items()}

    def iter_active_local_features(
        self, *, chunk: int = 2_000
    ) -> Iterator[list[tuple[EntryId, bytes]]]:
        """Local-feature blobs of every matching PDQ entry, in id order, ``chunk`` at a time
        (one read transaction; call :meth:`latest_change_seq` before, as for entries)."""
        with self._reading() as session:
            for part in iter_active_local_features(session, chunk):
                yield [(EntryId(entry_id), data) for entry_id, data in part]

    def iter_active_entries(
        self, *, signal_type: HashKind | str, chunk: int = 50_000
    ) -> Iterator[list[ActiveEntry]]:
        """Every matching entry of one signal type, in id order, ``chunk`` at a time.

        Streams from one read transaction (a server-side cursor on PostgreSQL),
        so memory stays at one chunk. For an exact index, call
        :meth:`latest_change_seq` before and replay :meth:`changes_since` after.
        """
        kind = HashKind(signal_type)
        query = (
            select(BankEntryRow.id, BankEntryRow.bank_id, BankEntryRow.value)
            .join(BankRow, BankRow.id == BankEntryRow.bank_id)
            .where(ACTIVE, BankEntryRow.signal_type == kind, BankRow.enabled.is_(True))
            .order_by(BankEntryRow.id)
            .execution_options(yield_per=chunk)
        )
        with self._reading() as session:
            for part in session.execute(query).partitions(chunk):
                yield [ActiveEntry._make(row) for row in part]

    def iter_bank_entries(
        self,
        *,
        bank: str,
        statuses: Iterable[EntryStatus] = (EntryStatus.ACTIVE,),
        chunk: int = 5_000,
    ) -> Iterator[NewEntry]:
        """A bank's entries (active ones by default) in id order, with their bank-side variants,
        for export; streamed."""
        for entry, _ in self.iter_bank_records(bank=bank, statuses=statuses, chunk=chunk):
            yield entry

    def iter_bank_records(
        self,
        *,
        bank: str,
        statuses: Iterable[EntryStatus] = tuple(EntryStatus),
        chunk: int = 5_000,
    ) -> Iterator[tuple[NewEntry, EntryStatus]]:
        """A bank's entries with their status (every status by default) in id order, so an
        export carries withdrawals and deletions; streamed."""
        wanted = tuple(statuses)
        last = 0
        with self._reading() as session:
            bank_id = bank_row(session, bank).id
        while True:
            with self._reading() as session:
                rows = session.scalars(
                    select(BankEntryRow)
                    .where(
                        BankEntryRow.bank_id == bank_id,
                        BankEntryRow.status.in_(wanted),
                        BankEntryRow.id > last,
                    )
                    .order_by(BankEntryRow.id)
                    .limit(chunk)
                ).all()
                if not rows:
                    return
                variants = read_variants(session, (r.id for r in rows))
                for r in rows:
                    yield (
                        NewEntry(
                            signal_type=r.signal_type,
                            value=r.value,
                            provenance=Provenance(
                                source=r.source,
                                external_id=r.external_id,
                                case_id=r.case_id,
                                submitted_at=r.submitted_at,
                            ),
                            category=r.category,
                            expires_at=r.expires_at,
                            variants=tuple(
                                (name, value) for _, name, value in variants.get(r.id, ())
                            ),
                        ),
                        EntryStatus(r.status),
                    )
                last = rows[-1].id

    def changes_since(
        self, *, seq: int, limit: int = 10_000, bank: str | None = None
    ) -> list[EntryChange]:
        """Change-log rows after ``seq``, oldest first, at most ``limit`` of them (of one
        bank only when ``bank`` is given: a federated feed's source)."""
        with self._reading() as session:
            bank_id = None if bank is None else bank_row(session, bank).id
            return _read_changes(session, seq, limit, bank_id)

    def replay_since(
        self, *, seq: int, limit: int = 10_000
    ) -> tuple[list[EntryChange], dict[EntryId, list[tuple[int, str, str]]]]:
        """What a matcher needs to catch up: :meth:`changes_since` plus the stored variants of
        the PDQ entries those changes add, read in one transaction.

        The variants come from a join on the same window of the log, not from a list of ids
        sent back to the database, so catching up on 100k changes is a few range reads.
        """
        with self._reading() as session:
            changes = _read_changes(session, seq, limit, None)
            if not changes:
                return [], {}
            window = and_(
                EntryChangeRow.seq > seq,
                EntryChangeRow.seq <= changes[-1].seq,
                EntryChangeRow.op == OP_ADD,
                EntryChangeRow.signal_type == HashKind.PDQ,
            )
            rows = session.execute(
                select(
                    BankEntryVariantRow.entry_id,
                    BankEntryVariantRow.slot,
                    BankEntryVariantRow.name,
                    BankEntryVariantRow.value,
                )
                .distinct()
                .join(EntryChangeRow, EntryChangeRow.entry_id == BankEntryVariantRow.entry_id)
                .where(window)
                .order_by(BankEntryVariantRow.entry_id, BankEntryVariantRow.slot)
            ).all()
        variants: dict[EntryId, list[tuple[int, str, str]]] = {}
        for entry_id, slot, name, value in rows:
            variants.setdefault(EntryId(entry_id), []).append((slot, name, value))
        return changes, variants

    def latest_change_seq(self) -> int:
        """The newest change-log ``seq``, or 0 when nothing has changed yet."""
        with self._reading() as session:
            return session.scalar(select(func.max(EntryChangeRow.seq))) or 0

    def expire_entries(self, *, now: datetime | None = None) -> int:
        """Withdraw active entries whose ``expires_at`` has passed; returns how many.

        Expiry takes effect when this runs (the worker runs it periodically), so
        that the change log stays the single record of what left matching.
        """
        at = now or utcnow()
        due = and_(ACTIVE, BankEntryRow.expires_at.is_not(None), BankEntryRow.expires_at <= at)
        with self._writing() as session:
            session.execute(
                insert(EntryChangeRow).from_select(
                    CHANGE_COLUMNS,
                    change_source(OP_REMOVE, at)
                    .join(BankRow, BankRow.id == BankEntryRow.bank_id)
                    .where(due, BankRow.enabled.is_(True)),
                )
            )
            result = session.execute(
                update(BankEntryRow)
                .where(due)
                .values(status=EntryStatus.WITHDRAWN, withdrawn_at=at, updated_at=at)
                .execution_options(synchronize_session=False)
            )
            expired = int(result.rowcount)  # type: ignore[attr-defined]
            if expired:
                self._audit.append(
                    session, action="bank.entries_expired", details={"count": expired}
                )
            return expired


def _read_changes(session: Session, seq: int, limit: int, bank_id: int | None) -> list[EntryChange]:
    # Plain columns, not ORM objects: a catch-up reads tens of thousands of rows.
    query = select(
        EntryChangeRow.seq,
        EntryChangeRow.entry_id,
        EntryChangeRow.bank_id,
        EntryChangeRow.signal_type,
        EntryChangeRow.value,
        EntryChangeRow.op,
        EntryChangeRow.at,
    ).where(EntryChangeRow.seq > seq)
    if bank_id is not None:
        query = query.where(EntryChangeRow.bank_id == bank_id)
    rows = session.execute(query.order_by(EntryChangeRow.seq).limit(limit)).all()
    return [
        EntryChange(
            seq=r.seq,
            entry_id=EntryId(r.entry_id),
            bank_id=BankId(r.bank_id),
            signal_type=r.signal_type,
            value=r.value,
            op="add" if r.op == OP_ADD else "remove",
            at=r.at,
        )
        for r in rows
    ]
