"""``IndicatorStore``: nudify-ecosystem indicator lists in SQL, managed like hash banks.

A list holds canonical ``(kind, value)`` indicators (see :class:`~shieldwall.signals.text.
Indicator`). Imports are upserts keyed on that pair, so importing the same feed twice changes
nothing; a feed that re-publishes an indicator with a new confidence, expiry or description
updates it; a removed indicator that comes back is made active again. Every change bumps the
``indicator_revision`` counter in the same transaction, and :meth:`IndicatorStore.revision`
reads it, so a process can tell in one cheap query whether its loaded set is stale.

Imports take any iterable of indicators and problems (what the feed readers in
``shieldwall.exchange.indicators`` yield; the store does not import them, the rings keep
``store`` and ``exchange`` independent) and write it in chunks, each chunk one transaction:
a 10 GB CSV never sits in memory, and a bad record is reported with its position while the
good ones around it are stored.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Table, func, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import ConflictError, InputError, NotFoundError
from shieldwall.signals.text import Indicator, IndicatorKind, InvalidIndicatorError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.indicator_models import (
    FIELD_MAX,
    LIST_NAME_MAX,
    IndicatorListRow,
    IndicatorRevisionRow,
    IndicatorRow,
    IndicatorStatus,
)
from shieldwall.store.models import utcnow
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.validation import BANK_NAME_RE

IMPORT_CHUNK = 1_000
"""Records written per transaction during an import."""

DESCRIPTION_MAX = 4_000
"""Longest indicator or list description; longer text is feed corruption, not a note."""

_INDICATORS = cast(Table, IndicatorRow.__table__)


class IndicatorListNotFoundError(NotFoundError):
    code = "indicator_list_not_found"


class IndicatorNotFoundError(NotFoundError):
    code = "indicator_not_found"


class IndicatorListExistsError(ConflictError):
    code = "indicator_list_exists"


class Problem(Protocol):
    """A record that could not be imported, named by where it is (``RecordProblem`` fits)."""

    @property
    def position(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def value(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class ImportProblem:
    """A record the store itself refused (a field longer than a column allows)."""

    position: str
    code: str
    message: str
    value: str | None = None


@dataclass(frozen=True, slots=True)
class IndicatorListInfo:
    """A list as the operator sees it, with how many of its indicators are active."""

    id: int
    name: str
    source: str
    description: str
    enabled: bool
    created_at: datetime
    updated_at: datetime
    active_indicators: int = 0

    @property
    def feed_name(self) -> str:
        """The source written on exported indicators (the list name when none was given)."""
        return self.source or self.name


@dataclass(frozen=True, slots=True)
class StoredIndicator:
    """One indicator row: the canonical indicator plus its store id, list and status."""

    id: int
    list_name: str
    external_id: str
    kind: IndicatorKind
    value: str
    confidence: float
    expires_at: datetime | None
    description: str
    status: IndicatorStatus
    created_at: datetime
    updated_at: datetime
    removed_at: datetime | None

    def to_indicator(self, source: str) -> Indicator:
        return Indicator(
            id=self.external_id,
            kind=self.kind,
            value=self.value,
            source=source,
            confidence=self.confidence,
            expires_at=self.expires_at,
            description=self.description,
        )


@dataclass
class ImportReport:
    """What an import did; ``problems`` name each refused record by its position."""

    list_name: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated)

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list_name,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [
                {"position": p.position, "code": p.code, "message": p.message, "value": p.value}
                for p in self.problems
            ],
        }


def check_list_name(name: str) -> str:
    """Return ``name`` if it is a valid list name (same rules as bank names), else raise."""
    if not isinstance(name, str) or not BANK_NAME_RE.fullmatch(name) or len(name) > LIST_NAME_MAX:
        raise InputError(
            f"list name must be 1-{LIST_NAME_MAX} letters, digits, '_', '.' or '-', "
            "starting with a letter or digit",
            value=name,
        )
    return name


def indicator_digest(kind: IndicatorKind | str, value: str) -> str:
    """The unique key of a canonical (kind, value) inside a list."""
    return hashlib.sha256(f"{IndicatorKind(kind).value}\x00{value}".encode()).hexdigest()


def default_id(kind: IndicatorKind | str, value: str) -> str:
    """A stable id for an indicator added without one (same value, same id, everywhere)."""
    return "sw-" + indicator_digest(kind, value)[:16]


def _check_fields(ind: Indicator) -> None:
    if len(ind.id) > FIELD_MAX:
        raise InvalidIndicatorError(f"an id must be at most {FIELD_MAX} characters", value=ind.id)
    if len(ind.description) > DESCRIPTION_MAX:
        raise InvalidIndicatorError(
            f"a description must be at most {DESCRIPTION_MAX} characters", value=ind.description
        )


class IndicatorStore(SessionScoped):
    """Indicator lists and their indicators (see the module docstring)."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()  # list and indicator changes are chained

    # -- lists -------------------------------------------------------------------------------

    def create_list(
        self, *, name: str, source: str = "", description: str = "", enabled: bool = True
    ) -> IndicatorListInfo:
        """Create an empty list; raises :class:`IndicatorListExistsError` if the name is taken."""
        check_list_name(name)
        if len(source) > FIELD_MAX:
            raise InputError(f"source must be at most {FIELD_MAX} characters", value=source)
        if len(description) > DESCRIPTION_MAX:
            raise InputError(
                f"description must be at most {DESCRIPTION_MAX} characters", value=description
            )
        now = utcnow()
        row = IndicatorListRow(
            name=name,
            source=source.strip(),
            description=description,
            enabled=enabled,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._writing() as session:
                taken = session.scalar(
                    select(IndicatorListRow.id).where(IndicatorListRow.name == name)
                )
                if taken is not None:
                    raise IndicatorListExistsError(
                        "an indicator list with this name exists", value=name
                    )
                session.add(row)
                session.flush()
                self._bump(session)
                self._audit.append(
                    session,
                    action="indicator_list.created",
                    subject_type="indicator_list",
                    subject_id=name,
                    details={"source": row.source[:100], "enabled": enabled},
                )
                return _list_info(row, 0)
        except IntegrityError as exc:  # lost a race with another process creating it
            raise IndicatorListExistsError(
                "an indicator list with this name exists", value=name
            ) from exc

    def update_list(
        self,
        *,
        name: str,
        enabled: bool | None = None,
        description: str | None = None,
        source: str | None = None,
    ) -> IndicatorListInfo:
        """Switch a list on or off or change its texts; enabling/disabling changes matching."""
        with self._writing() as session:
            row = self._list_row(session, name)
            changes: dict[str, object] = {}
            if enabled is not None and enabled != row.enabled:
                row.enabled = changes["enabled"] = enabled
            if description is not None and description != row.description:
                if len(description) > DESCRIPTION_MAX:
                    raise InputError("description is too long", value=description)
                row.description = description
                changes["description"] = True
            if source is not None and source.strip() != row.source:
                if len(source) > FIELD_MAX:
                    raise InputError("source is too long", value=source)
                row.source = source.strip()
                changes["source"] = row.source[:100]
            if changes:
                row.updated_at = utcnow()
                self._bump(session)
                self._audit.append(
                    session,
                    action="indicator_list.updated",
                    subject_type="indicator_list",
                    subject_id=name,
                    details=changes,
                )
            return _list_info(row, self._count_active(session, row.id))

    def get_list(self, *, name: str) -> IndicatorListInfo:
        with self._sessions() as session:
            row = self._list_row(session, name)
            return _list_info(row, self._count_active(session, row.id))

    def list_lists(self) -> list[IndicatorListInfo]:
        with self._sessions() as session:
            # A comprehension, not dict(): a Result has keys() and dict() would misread it.
            counts = {
                list_id: int(n)
                for list_id, n in session.execute(
                    select(IndicatorRow.list_id, func.count())
                    .where(IndicatorRow.status == IndicatorStatus.ACTIVE)
                    .group_by(IndicatorRow.list_id)
                )
            }
            rows = session.scalars(select(IndicatorListRow).order_by(IndicatorListRow.name))
            return [_list_info(r, counts.get(r.id, 0)) for r in rows]

    # -- indicators --------------------------------------------------------------------------

    def import_indicators(
        self, *, list_name: str, items: Iterable[Indicator | Problem], chunk: int = IMPORT_CHUNK
    ) -> ImportReport:
        """Upsert every indicator in ``items``; problems are collected, never raised.

        Each chunk is one transaction, so an import that fails half-way (database gone) keeps
        what it wrote; running it again finishes the job without duplicating anything.
        """
        report = ImportReport(list_name=list_name)
        list_id = self.get_list(name=list_name).id
        numbered = enumerate(items, 1)
        while batch := list(itertools.islice(numbered, chunk)):
            good: list[Indicator] = []
            for n, item in batch:
                if not isinstance(item, Indicator):
                    report.problems.append(item)
                    continue
                try:
                    _check_fields(item)
                except InvalidIndicatorError as exc:
                    # The readers' positions are not carried on indicators; count records.
                    report.problems.append(
                        ImportProblem(f"record {n}", exc.code, exc.message, exc.value)
                    )
                    continue
                good.append(item)
            if good:
                self._write_chunk(list_id, list_name, good, report)
        return report

    def add_indicator(
        self,
        *,
        list_name: str,
        kind: IndicatorKind | str,
        value: str,
        external_id: str | None = None,
        confidence: float = 1.0,
        expires_at: datetime | None = None,
        description: str = "",
    ) -> tuple[StoredIndicator, bool]:
        """Add (or update) one indicator; returns it and whether anything changed.

        Raises :class:`InvalidIndicatorError` for a value that cannot be an indicator.
        """
        info = self.get_list(name=list_name)
        canonical = Indicator(
            id=external_id or "pending",
            kind=kind,  # type: ignore[arg-type]
            value=value,
            source=info.feed_name,
            confidence=confidence,
            expires_at=expires_at,
            description=description,
        )
        if external_id is None:
            canonical = replace(canonical, id=default_id(canonical.kind, canonical.value))
        _check_fields(canonical)
        report = ImportReport(list_name=list_name)
        self._write_chunk(info.id, list_name, [canonical], report)
        return self.get_indicator(
            list_name=list_name, kind=canonical.kind, value=canonical.value
        ), (report.changed)

    def remove_indicator(
        self, *, list_name: str, kind: IndicatorKind | str, value: str
    ) -> StoredIndicator:
        """Take an indicator out of matching (kept with status ``removed``); idempotent."""
        canonical = Indicator(id="x", kind=kind, value=value, source="x")  # type: ignore[arg-type]
        digest = indicator_digest(canonical.kind, canonical.value)
        with self._writing() as session:
            lst = self._list_row(session, list_name)
            row = session.scalar(
                select(IndicatorRow).where(
                    IndicatorRow.list_id == lst.id, IndicatorRow.digest == digest
                )
            )
            if row is None:
                raise IndicatorNotFoundError(
                    f"no {canonical.kind.value} indicator with this value in the list",
                    value=canonical.value,
                )
            return self._remove_row(session, lst, row)

    def remove_indicator_by_id(self, *, list_name: str, indicator_id: int) -> StoredIndicator:
        with self._writing() as session:
            lst = self._list_row(session, list_name)
            row = session.get(IndicatorRow, indicator_id)
            if row is None or row.list_id != lst.id:
                raise IndicatorNotFoundError("no such indicator in this list", value=indicator_id)
            return self._remove_row(session, lst, row)

    def get_indicator(
        self, *, list_name: str, kind: IndicatorKind | str, value: str
    ) -> StoredIndicator:
        canonical = Indicator(id="x", kind=kind, value=value, source="x")  # type: ignore[arg-type]
        with self._sessions() as session:
            lst = self._list_row(session, list_name)
            row = session.scalar(
                select(IndicatorRow).where(
                    IndicatorRow.list_id == lst.id,
                    IndicatorRow.digest == indicator_digest(canonical.kind, canonical.value),
                )
            )
            if row is None:
                raise IndicatorNotFoundError("no such indicator in this list", value=value)
            return _stored(row, list_name)

    def iter_indicators(
        self,
        *,
        list_name: str,
        include_removed: bool = False,
        batch: int = 5_000,
        after_id: int = 0,
    ) -> Iterator[StoredIndicator]:
        """The list's indicators with ids above ``after_id``, in id order, read in batches."""
        list_id = self.get_list(name=list_name).id
        last = after_id
        while True:
            with self._sessions() as session:
                query = select(IndicatorRow).where(
                    IndicatorRow.list_id == list_id, IndicatorRow.id > last
                )
                if not include_removed:
                    query = query.where(IndicatorRow.status == IndicatorStatus.ACTIVE)
                rows = list(session.scalars(query.order_by(IndicatorRow.id).limit(batch)))
            if not rows:
                return
            for row in rows:
                yield _stored(row, list_name)
            last = rows[-1].id

    def export_indicators(self, *, list_name: str) -> Iterator[Indicator]:
        """The list's active indicators as exchange records (source = the list's feed name)."""
        source = self.get_list(name=list_name).feed_name
        return (s.to_indicator(source) for s in self.iter_indicators(list_name=list_name))

    # -- what the matcher loads --------------------------------------------------------------

    def revision(self) -> int:
        """The change counter; equal values mean nothing changed in between."""
        with self._sessions() as session:
            value = session.scalar(
                select(IndicatorRevisionRow.revision).where(IndicatorRevisionRow.id == 1)
            )
            return int(value or 0)

    def load_active(self, now: datetime | None = None) -> list[Indicator]:
        """Active, unexpired indicators of enabled lists, for the ``text_indicators`` signal.

        ``source`` is the list's name, so evidence says which list matched; ``id`` is the
        feed's id, made unique within the list when a feed reused one.
        """
        now = now or utcnow()
        # Plain columns, not ORM objects: this runs on every change with the whole set.
        query = (
            select(
                IndicatorRow.id,
                IndicatorRow.external_id,
                IndicatorRow.kind,
                IndicatorRow.value,
                IndicatorRow.confidence,
                IndicatorRow.expires_at,
                IndicatorRow.description,
                IndicatorListRow.name,
            )
            .join(IndicatorListRow, IndicatorListRow.id == IndicatorRow.list_id)
            .where(
                IndicatorListRow.enabled.is_(True),
                IndicatorRow.status == IndicatorStatus.ACTIVE,
                or_(IndicatorRow.expires_at.is_(None), IndicatorRow.expires_at > now),
            )
            .order_by(IndicatorRow.id)
        )
        found: list[Indicator] = []
        seen: set[tuple[str, str]] = set()
        with self._sessions() as session:
            for row_id, ext_id, kind, value, confidence, expires, desc, name in session.execute(
                query
            ):
                key = (name, ext_id)
                if key in seen:
                    ext_id = f"{ext_id}#{row_id}"  # a feed reused an id within one list
                    key = (name, ext_id)
                seen.add(key)
                found.append(Indicator(ext_id, kind, value, name, confidence, expires, desc))
        return found

    # -- internals ---------------------------------------------------------------------------

    def _write_chunk(
        self, list_id: int, list_name: str, indicators: list[Indicator], report: ImportReport
    ) -> None:
        by_digest: dict[str, Indicator] = {}
        for ind in indicators:
            digest = indicator_digest(ind.kind, ind.value)
            if digest in by_digest:
                # A feed that lists one value twice: the later record wins, like a re-import.
                report.unchanged += 1
            by_digest[digest] = ind
        now = utcnow()
        added = updated = 0
        with self._writing() as session:
            # PostgreSQL's statistics lag behind a bulk load, so it planned this lookup as a
            # scan of the whole list for every chunk (imports went quadratic: 100k rows took
            # 228 s). Look rows up by digest alone, which the unique index leads with, keep
            # this list's rows here (other lists' are few), and rule the scan out locally.
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("SET LOCAL enable_seqscan = off"))
            existing = {
                row.digest: row
                for row in session.scalars(
                    select(IndicatorRow).where(IndicatorRow.digest.in_(list(by_digest)))
                )
                if row.list_id == list_id
            }
            new_rows: list[dict[str, Any]] = []
            for digest, ind in by_digest.items():
                row = existing.get(digest)
                if row is None:
                    new_rows.append(_new_row(list_id, digest, ind, now))
                    added += 1
                elif row.status != IndicatorStatus.ACTIVE:
                    _apply(row, ind, now)
                    row.status, row.removed_at = IndicatorStatus.ACTIVE, None
                    added += 1
                elif _differs(row, ind):
                    _apply(row, ind, now)
                    updated += 1
                else:
                    report.unchanged += 1
            if new_rows:
                session.execute(insert(_INDICATORS), new_rows)
            if added or updated:
                self._bump(session)
                self._audit.append(
                    session,
                    action="indicators.imported",
                    subject_type="indicator_list",
                    subject_id=list_name,
                    details={"added": added, "updated": updated},
                )
        report.added += added
        report.updated += updated

    def _remove_row(
        self, session: Session, lst: IndicatorListRow, row: IndicatorRow
    ) -> StoredIndicator:
        if row.status == IndicatorStatus.ACTIVE:
            now = utcnow()
            row.status, row.removed_at, row.updated_at = IndicatorStatus.REMOVED, now, now
            session.flush()
            self._bump(session)
            self._audit.append(
                session,
                action="indicator.removed",
                subject_type="indicator_list",
                subject_id=lst.name,
                details={"kind": row.kind.value, "indicator_id": row.id},
            )
        return _stored(row, lst.name)

    @staticmethod
    def _bump(session: Session) -> None:
        result = session.execute(
            update(IndicatorRevisionRow)
            .where(IndicatorRevisionRow.id == 1)
            .values(revision=IndicatorRevisionRow.revision + 1)
        )
        if getattr(result, "rowcount", 1) == 0:
            # A schema made from the models (not the migration) lacks the seeded row.
            session.add(IndicatorRevisionRow(id=1, revision=1))
            session.flush()

    @staticmethod
    def _list_row(session: Session, name: str) -> IndicatorListRow:
        row = session.scalar(select(IndicatorListRow).where(IndicatorListRow.name == name))
        if row is None:
            raise IndicatorListNotFoundError("no indicator list with this name", value=name)
        return row

    @staticmethod
    def _count_active(session: Session, list_id: int) -> int:
        return int(
            session.scalar(
                select(func.count()).where(
                    IndicatorRow.list_id == list_id, IndicatorRow.status == IndicatorStatus.ACTIVE
                )
            )
            or 0
        )


def _new_row(list_id: int, digest: str, ind: Indicator, now: datetime) -> dict[str, Any]:
    return {
        "list_id": list_id,
        "external_id": ind.id,
        "kind": ind.kind,
        "value": ind.value,
        "digest": digest,
        "confidence": ind.confidence,
        "expires_at": ind.expires_at,
        "description": ind.description,
        "status": IndicatorStatus.ACTIVE,
        "created_at": now,
        "updated_at": now,
        "removed_at": None,
    }


def _differs(row: IndicatorRow, ind: Indicator) -> bool:
    return (row.external_id, row.confidence, row.expires_at, row.description) != (
        ind.id,
        ind.confidence,
        ind.expires_at,
        ind.description,
    )


def _apply(row: IndicatorRow, ind: Indicator, now: datetime) -> None:
    row.external_id = ind.id
    row.confidence = ind.confidence
    row.expires_at = ind.expires_at
    row.description = ind.description
    row.updated_at = now


def _list_info(row: IndicatorListRow, active: int) -> IndicatorListInfo:
    return IndicatorListInfo(
        id=row.id,
        name=row.name,
        source=row.source,
        description=row.description,
        enabled=row.enabled,
        created_at=row.created_at,
        updated_at=row.updated_at,
        active_indicators=active,
    )


def _stored(row: IndicatorRow, list_name: str) -> StoredIndicator:
    return StoredIndicator(
        id=row.id,
        list_name=list_name,
        external_id=row.external_id,
        kind=IndicatorKind(row.kind),
        value=row.value,
        confidence=row.confidence,
        expires_at=row.expires_at,
        description=row.description,
        status=IndicatorStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        removed_at=row.removed_at,
    )
