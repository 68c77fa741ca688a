"""Victims' cases: their requests, hashes, holds and the clocks that run on them.

:class:`CaseStore` keeps takedown requests from the victim portal. A case is stored
from its first submission (``received_at``); the legal clock starts only when every
required element is present (``valid_at``, ``due_at``). The hashes the requester's
browser computed wait in ``case_hashes`` as ``pending``: they match nothing until a
moderator approves them into a victim bank. The access code is shown once and kept
only as an argon2 hash.

What the review UI reads and writes besides items and decisions (the queue, reveals,
four-eyes approvals, appeals, review media) is :class:`~shieldwall.store.reviews.ReviewStore`.

Legal holds on cases are :mod:`shieldwall.store.legal_holds`.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.audit import ActorKind
from shieldwall.casework import (
    HUNT_DONE,
    HUNT_HELD,
    INCOMPLETE,
    UNDER_REVIEW,
    WITHDRAWN,
    can_add_content,
    status_when_actioned,
    status_when_closed,
)
from shieldwall.errors import ConflictError, InputError, NotFoundError
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.case_notices import CaseNoticeInfo, notices_of
from shieldwall.store.models import utcnow
from shieldwall.store.portal_models import PortalReceiptRow
from shieldwall.store.secret_hashes import hash_secret, verify_secret
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.web_models import (
    CaseHashRow,
    CaseRow,
)

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


class CaseNotFoundError(NotFoundError):
    code = "case_not_found"


class SubmissionRepeatedError(ConflictError):
    """A request page's submission token already created a case (a reload, a double
    submit, or two sends at once): the caller shows that case's receipt instead."""

    code = "portal_submission_repeated"


@dataclass(frozen=True, slots=True)
class CaseHashInfo:
    id: int
    signal_type: str
    value: str
    quality: int | None
    status: str
    entry_id: int | None
    variants: tuple[tuple[str, str], ...] = ()
    """Region hashes of a PDQ, ``(window name, hex)`` (``robust.BANK_WINDOWS``)."""


@dataclass(frozen=True, slots=True)
class CaseInfo:
    id: int
    case_number: str
    status: str
    jurisdiction: str
    details: dict[str, Any]
    missing: list[str]
    received_at: datetime
    valid_at: datetime | None
    due_at: datetime | None
    actioned_at: datetime | None
    copies_actioned_at: datetime | None
    requester_notified_at: datetime | None
    closed_at: datetime | None
    copies_found: int
    copies_removed: int
    reviewed_by: str | None
    hashes: tuple[CaseHashInfo, ...]
    hunt_state: str | None = None
    """``held``: approved, removing already-published copies waits for a second moderator;
    ``done``: the retro-hunt ran; ``None``: not approved yet."""
    hunt_approved_by: str | None = None
    notices: tuple[CaseNoticeInfo, ...] = ()
    """Notices prepared for the reporter (e.g. why the request was closed and how to
    complain), oldest first; shown on their status page."""

    @property
    def removal_held(self) -> bool:
        return self.hunt_state == HUNT_HELD


@dataclass(frozen=True, slots=True)
class ReceiptInfo:
    """The case a request page created, with its access code as sealed by the portal."""

    case: CaseInfo
    sealed_code: str
    created_at: datetime


def _code(groups: int) -> str:
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(groups))


class _Repo(SessionScoped):
    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        # Without the runtime's writer events are still chained, only not checkpoint-signed.
        self._audit = audit or AuditWriter()


class CaseStore(_Repo):
    """Takedown requests from the victim portal."""

    def create_case(
        self,
        *,
        jurisdiction: str,
        details: dict[str, Any],
        missing: Sequence[str],
        hashes: Sequence[tuple[str, str, int | None]],
        due_hours: float | None,
        variants: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        now: datetime | None = None,
        receipt: tuple[str, str] | None = None,
        code: str | None = None,
    ) -> tuple[CaseInfo, str]:
        """Store a request; returns it with its access code (shown once, stored hashed).

        ``variants`` maps a PDQ of ``hashes`` to its region hashes ``(window name, hex)``,
        kept on that PDQ's row (the caller has validated them against the windows).
        ``receipt`` is ``(submission_key, sealed_code)`` from the request page: stored in
        the same transaction, unique, so one page creates one case however often it is
        sent; a repeat raises :class:`SubmissionRepeatedError` and stores nothing.
        ``code`` is the access code to use (the caller sealed it); a fresh one otherwise."""
        at = now or utcnow()
        code = code or new_access_code()
        try:
            with self._writing() as session:
                row = CaseRow(
                    case_number=f"SW-{_code(2)}",
                    access_code_hash=hash_secret(code),
                    status=INCOMPLETE,
                    jurisdiction=jurisdiction,
                    details=dict(details),
                    missing=list(missing),
                    received_at=at,
                    copies_found=0,
                    copies_removed=0,
                )
                _set_validity(row, missing, due_hours, at)
                session.add(row)
                session.flush()
                if receipt is not None:
                    session.add(
                        PortalReceiptRow(
                            submission_key=receipt[0],
                            case_id=row.id,
                            sealed_code=receipt[1],
                            created_at=at,
                        )
                    )
                    session.flush()
                _add_hashes(session, row.id, hashes, variants, at)
                session.flush()
                self._submission_events(session, row, missing, at, first=True)
                return _case(session, row), code
        except IntegrityError:
            if receipt is not None and self.receipt_for(receipt[0]) is not None:
                raise SubmissionRepeatedError(
                    "this request page was already sent", value=receipt[0][:8]
                ) from None
            raise

    def receipt_for(self, submission_key: str) -> ReceiptInfo | None:
        """The case a request page's submission created, or None."""
        with self._reading() as session:
            found = session.scalar(
                select(PortalReceiptRow).where(PortalReceiptRow.submission_key == submission_key)
            )
            if found is None:
                return None
            case = _case(session, _case_row(session, found.case_id))
            return ReceiptInfo(case, found.sealed_code, found.created_at)

    def complete_case(
        self,
        case_id: int,
        *,
        details: dict[str, Any],
        missing: Sequence[str],
        due_hours: float | None,
        jurisdiction: str,
        hashes: Sequence[tuple[str, str, int | None]] = (),
        variants: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        now: datetime | None = None,
    ) -> CaseInfo:
        """Add what was missing, or more photos and places; the clock starts the moment
        nothing is missing any more.

        While the case is incomplete, ``details`` replaces the saved answers (the caller
        merged them). Once complete and until it is approved, only new photos (``hashes``,
        pending like the first ones) and places (``details["locations"]``) are added;
        after approval nothing changes here (the victim sends a new request)."""
        at = now or utcnow()
        with self._writing() as session:
            row = _case_row(session, case_id)
            if row.status == INCOMPLETE:
                row.details = dict(details)
                row.missing = list(missing)
                row.jurisdiction = jurisdiction
                _set_validity(row, missing, due_hours, at)
                _add_hashes(session, row.id, hashes, variants, at)
                session.flush()
                self._submission_events(session, row, missing, at, first=False)
            elif can_add_content(row.status, row.hunt_state, row.reviewed_by):
                row.details = {
                    **(row.details or {}),
                    "locations": list(details.get("locations") or []),
                    "files": details.get("files", (row.details or {}).get("files", 0)),
                }
                _add_hashes(session, row.id, hashes, variants, at)
            session.flush()
            return _case(session, row)

    def _submission_events(
        self, session: Session, row: CaseRow, missing: Sequence[str], at: datetime, *, first: bool
    ) -> None:
        """Chain ``case.received`` and ``case.validity_decided`` for one submission (no
        personal data: what arrived is counted, what is missing is named)."""
        for action, details in (
            (
                "case.received",
                {
                    "submission": "first" if first else "completion",
                    "jurisdiction": row.jurisdiction,
                    "files": int((row.details or {}).get("files") or 0),
                    "locations": len((row.details or {}).get("locations") or []),
                },
            ),
            (
                "case.validity_decided",
                {"complete": not missing, "missing": list(missing)[:20], "status": row.status},
            ),
        ):
            self._audit.append(
                session,
                action=action,
                actor="victim-portal",
                actor_kind=ActorKind.HUMAN,
                subject_type="case",
                subject_id=row.case_number,
                details=details,
                at=at,
            )

    def verify_access(self, case_number: str, code: str) -> CaseInfo | None:
        """The case when the number and code fit; None otherwise (same answer for both)."""
        if "\x00" in case_number:  # no case number holds one, and PostgreSQL refuses it
            case_number = ""
        with self._reading() as session:
            row = session.scalar(
                select(CaseRow).where(CaseRow.case_number == case_number.strip().upper())
            )
            ok = verify_secret(row.access_code_hash if row else None, code.strip().upper())
            return _case(session, row) if ok and row is not None else None

    def get(self, case_id: int) -> CaseInfo:
        with self._reading() as session:
            return _case(session, _case_row(session, case_id))

    def list_cases(
        self, *, statuses: Sequence[str], limit: int = 200, offset: int = 0
    ) -> list[CaseInfo]:
        """One page of cases, soonest deadline first; :meth:`count_cases` gives the total, so
        a page never passes for the whole queue."""
        query = (
            select(CaseRow)
            .where(CaseRow.status.in_(list(statuses)))
            .order_by(CaseRow.due_at.is_(None), CaseRow.due_at, CaseRow.id)
            .limit(limit)
            .offset(max(offset, 0))
        )
        with self._reading() as session:
            return [_case(session, r) for r in session.scalars(query)]

    def count_cases(self, *, statuses: Sequence[str], since: datetime | None = None) -> int:
        """How many cases have one of ``statuses`` (received at or after ``since``)."""
        query = select(func.count(CaseRow.id)).where(CaseRow.status.in_(list(statuses)))
        if since is not None:
            query = query.where(CaseRow.received_at >= since)
        with self._reading() as session:
            return int(session.scalar(query) or 0)

    def approve_hashes(
        self, case_id: int, *, entry_ids: dict[int, int], reviewed_by: str
    ) -> CaseInfo:
        """Mark pending hashes approved with the bank entry each became."""
        with self._writing() as session:
            row = _case_row(session, case_id)
            for h in session.scalars(select(CaseHashRow).where(CaseHashRow.case_id == case_id)):
                if h.id in entry_ids and h.status == "pending":
                    h.status, h.entry_id = "approved", entry_ids[h.id]
            row.reviewed_by = reviewed_by
            session.flush()
            self._audit.append(
                session,
                action="case.approved",
                actor=f"staff:{reviewed_by}",
                actor_kind=ActorKind.HUMAN,
                subject_type="case",
                subject_id=row.case_number,
                details={"hashes_banked": len(entry_ids), "reason": "hashes approved for the bank"},
            )
            return _case(session, row)

    def set_hunt(self, case_id: int, *, state: str, approved_by: str | None = None) -> CaseInfo:
        """Record that the retro-hunt is held for a second approval, or that it ran."""
        if state not in (HUNT_HELD, HUNT_DONE):
            raise InputError("unknown hunt state", value=state)
        with self._writing() as session:
            row = _case_row(session, case_id)
            if row.hunt_state != HUNT_DONE:
                row.hunt_state = state
                row.hunt_approved_by = approved_by
                session.flush()
                self._audit.append(
                    session,
                    action="case.removal_held" if state == HUNT_HELD else "case.removal_approved",
                    actor=_staff_actor(approved_by),
                    actor_kind=ActorKind.AUTOMATED
                    if (approved_by or "policy:").startswith("policy:")
                    else ActorKind.HUMAN,
                    subject_type="case",
                    subject_id=row.case_number,
                    details={
                        "reason": "waiting for a second moderator"
                        if state == HUNT_HELD
                        else "removal of published copies approved"
                    },
                )
            session.flush()
            return _case(session, row)

    def record_actioned(
        self, case_id: int, *, found: int, removed: int, now: datetime | None = None
    ) -> CaseInfo:
        """The retro-hunt ran: how many copies were found and taken down."""
        at = now or utcnow()
        with self._writing() as session:
            row = _case_row(session, case_id)
            row.copies_found = found
            row.copies_removed = removed
            row.actioned_at = row.actioned_at or at
            row.copies_actioned_at = at
            # The status page is how the requester is told in this version (no e-mail).
            row.requester_notified_at = at
            row.status = status_when_actioned(row.status)
            session.flush()
            return _case(session, row)

    def withdraw(self, case_id: int, *, now: datetime | None = None) -> CaseInfo:
        """The requester withdrew: pending hashes are dropped, the case is closed. The caller
        withdraws the approved entries from their bank (``hashes[].entry_id``)."""
        at = now or utcnow()
        with self._writing() as session:
            row = _case_row(session, case_id)
            session.execute(
                update(CaseHashRow)
                .where(CaseHashRow.case_id == case_id, CaseHashRow.status != WITHDRAWN)
                .values(status=WITHDRAWN)
            )
            row.status = WITHDRAWN
            row.closed_at = row.closed_at or at
            session.flush()
            self._audit.append(
                session,
                action="case.withdrawn",
                actor=f"requester:{row.case_number}",
                actor_kind=ActorKind.HUMAN,
                subject_type="case",
                subject_id=row.case_number,
                details={"reason": "withdrawn by the requester"},
                at=at,
            )
            return _case(session, row)

    def close(self, case_id: int, *, now: datetime | None = None) -> CaseInfo:
        with self._writing() as session:
            row = _case_row(session, case_id)
            row.status = status_when_closed(row.status)
            row.closed_at = row.closed_at or now or utcnow()
            session.flush()
            return _case(session, row)

    def find_by_number(self, case_number: str) -> CaseInfo:
        with self._reading() as session:
            row = session.scalar(
                select(CaseRow).where(CaseRow.case_number == case_number.strip().upper())
            )
            if row is None:
                raise CaseNotFoundError("no case with this number", value=case_number)
            return _case(session, row)


def new_access_code() -> str:
    """A fresh access code: 16 characters a person can read aloud and type."""
    return _code(4)


def _add_hashes(
    session: Session,
    case_id: int,
    hashes: Sequence[tuple[str, str, int | None]],
    variants: Mapping[str, Sequence[tuple[str, str]]] | None,
    at: datetime,
) -> None:
    """Keep each new hash once, pending, after those the case already has."""
    rows = session.execute(
        select(CaseHashRow.signal_type, CaseHashRow.value).where(CaseHashRow.case_id == case_id)
    )
    seen = {(str(kind), str(value)) for kind, value in rows}
    extra = variants or {}
    for kind, value, quality in hashes:
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        session.add(
            CaseHashRow(
                case_id=case_id,
                signal_type=kind,
                value=value,
                quality=quality,
                status="pending",
                created_at=at,
                variants=_variant_rows(extra.get(value) if kind == "pdq" else None),
            )
        )
    session.flush()


def _set_validity(
    row: CaseRow, missing: Sequence[str], due_hours: float | None, at: datetime
) -> None:
    if missing:
        return
    row.valid_at = at
    row.due_at = None if due_hours is None else at + timedelta(hours=due_hours)
    row.status = UNDER_REVIEW


def _staff_actor(name: str | None) -> str:
    """The trail's actor for a moderator's username, or the policy that acted alone."""
    if not name:
        return "shieldwall"
    return name if name.startswith("policy:") else f"staff:{name}"


def _variant_rows(regions: Sequence[tuple[str, str]] | None) -> list[list[str]] | None:
    return [[name, value] for name, value in regions] if regions else None


def _case_row(session: Session, case_id: int) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise CaseNotFoundError("no such case", value=case_id)
    return row


def _case(session: Session, r: CaseRow) -> CaseInfo:
    hashes = session.scalars(
        select(CaseHashRow).where(CaseHashRow.case_id == r.id).order_by(CaseHashRow.id)
    )
    return CaseInfo(
        id=r.id,
        case_number=r.case_number,
        status=r.status,
        jurisdiction=r.jurisdiction,
        details=dict(r.details or {}),
        missing=list(r.missing or []),
        received_at=r.received_at,
        valid_at=r.valid_at,
        due_at=r.due_at,
        actioned_at=r.actioned_at,
        copies_actioned_at=r.copies_actioned_at,
        requester_notified_at=r.requester_notified_at,
        closed_at=r.closed_at,
        copies_found=r.copies_found,
        copies_removed=r.copies_removed,
        reviewed_by=r.reviewed_by,
        hunt_state=r.hunt_state,
        hunt_approved_by=r.hunt_approved_by,
        notices=tuple(notices_of(session, r.id)),
        hashes=tuple(
            CaseHashInfo(
                h.id,
                h.signal_type,
                h.value,
                h.quality,
                h.status,
                h.entry_id,
                tuple((str(n), str(v)) for n, v in h.variants or ()),
            )
            for h in hashes
        ),
    )
