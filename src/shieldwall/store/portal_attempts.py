"""The victim portal's admission record: per-address and per-pattern limits, flood counts.

The portal takes anonymous requests, so an abuser can send thousands to bury real ones.
Each request that passes the proof-of-work is admitted here first, in one transaction
that counts what the same address sent in the last hour and what carried the same
hashes in the last day, and refuses over the limits. Rows hold only keyed hashes (the
caller derives them) and are pruned after :data:`KEEP`. On PostgreSQL an advisory lock
makes count-then-insert atomic, so concurrent senders cannot slip past a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shieldwall.audit import ActorKind
from shieldwall.store.cases import _Repo
from shieldwall.store.models import utcnow
from shieldwall.store.transactions import writing
from shieldwall.store.web_models import PortalAttemptRow

KEEP = timedelta(days=2)
_LOCK_KEY = 0x5348_4C44_0010
ADDRESS_WINDOW = timedelta(hours=1)
PATTERN_WINDOW = timedelta(days=1)
FLOOD_WINDOW = timedelta(hours=1)
REPORT = "report"
STATUS_PASSED = "status"
STATUS_FAILURE = "status_failure"


@dataclass(frozen=True, slots=True)
class Limits:
    per_address_hour: int
    repeats_per_day: int
    flood_per_hour: int


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether one request may go on, and if not why and when to try again."""

    admitted: bool
    reason: str | None = None
    """``address``, ``pattern`` or ``replay`` when refused."""
    retry_after_s: int = 0
    flood_started: bool = False
    """This request took the hour's total over the flood level (alert once per crossing)."""
    attempt_id: int | None = None
    """The admitted status check's row (see :meth:`PortalAttemptStore.status_check_passed`)."""


class PortalAttemptStore(_Repo):
    """Admits portal requests under the limits and counts them for the flood alert."""

    def admit(
        self,
        *,
        address_key: str,
        pattern_key: str | None,
        challenge_key: str | None,
        limits: Limits,
        now: datetime | None = None,
    ) -> Admission:
        at = now or utcnow()
        try:
            with writing(self._sessions, lock_key=_LOCK_KEY) as session:
                session.execute(delete(PortalAttemptRow).where(PortalAttemptRow.at < at - KEEP))
                if challenge_key is not None and session.scalar(
                    select(PortalAttemptRow.id).where(
                        PortalAttemptRow.challenge_key == challenge_key
                    )
                ):
                    return Admission(False, "replay")
                refused = self._over(session, address_key, pattern_key, limits, at)
                if refused is not None:
                    return refused
                session.add(
                    PortalAttemptRow(
                        at=at,
                        address_key=address_key,
                        pattern_key=pattern_key,
                        challenge_key=challenge_key,
                    )
                )
                session.flush()
                total = self._count(session, None, None, at - FLOOD_WINDOW)
                flood = total == limits.flood_per_hour + 1
                if flood:
                    self._audit.append(
                        session,
                        action="portal.flood_detected",
                        actor="victim-portal",
                        actor_kind=ActorKind.SYSTEM,
                        subject_type="portal",
                        subject_id="report",
                        details={"requests_last_hour": total, "alert_level": limits.flood_per_hour},
                        at=at,
                    )
                return Admission(True, flood_started=flood)
        except IntegrityError:  # the same solved challenge sent twice at once
            return Admission(False, "replay")

    def recent(self, *, since: datetime) -> int:
        """Requests admitted since ``since`` (the flood banner's count)."""
        with self._reading() as session:
            return self._count(session, None, None, since)

    def _over(
        self,
        session: Session,
        address_key: str,
        pattern_key: str | None,
        limits: Limits,
        at: datetime,
    ) -> Admission | None:
        if self._count(session, address_key, None, at - ADDRESS_WINDOW) >= limits.per_address_hour:
            return Admission(False, "address", self._wait(session, address_key, None, at))
        if (
            pattern_key is not None
            and self._count(session, None, pattern_key, at - PATTERN_WINDOW)
            >= limits.repeats_per_day
        ):
            return Admission(False, "pattern", self._wait(session, None, pattern_key, at))
        return None

    def admit_status_check(
        self,
        *,
        address_key: str,
        challenge_key: str | None,
        failures_per_hour: int,
        now: datetime | None = None,
    ) -> Admission:
        """Admit one status-page check (its code is verified next) or refuse it: the page's
        challenge used before (``replay``), or this address got ``failures_per_hour`` wrong
        codes in the last hour (``address``). An admitted check is counted as a failure until
        :meth:`status_check_passed` says otherwise, so concurrent guesses count each other."""
        at = now or utcnow()
        try:
            with writing(self._sessions, lock_key=_LOCK_KEY) as session:
                session.execute(delete(PortalAttemptRow).where(PortalAttemptRow.at < at - KEEP))
                if challenge_key is not None and session.scalar(
                    select(PortalAttemptRow.id).where(
                        PortalAttemptRow.challenge_key == challenge_key
                    )
                ):
                    return Admission(False, "replay")
                since = at - ADDRESS_WINDOW
                failures = self._count(session, address_key, None, since, kind=STATUS_FAILURE)
                if failures >= failures_per_hour:
                    wait = self._wait(session, address_key, None, at, kind=STATUS_FAILURE)
                    return Admission(False, "address", wait)
                row = PortalAttemptRow(
                    at=at, address_key=address_key, challenge_key=challenge_key, kind=STATUS_FAILURE
                )
                session.add(row)
                session.flush()
                return Admission(True, attempt_id=row.id)
        except IntegrityError:  # the same solved challenge sent twice at once
            return Admission(False, "replay")

    def status_check_passed(self, attempt_id: int) -> None:
        """The admitted check's code was right: it no longer counts against the address."""
        with writing(self._sessions, lock_key=_LOCK_KEY) as session:
            row = session.get(PortalAttemptRow, attempt_id)
            if row is not None:
                row.kind = STATUS_PASSED

    @staticmethod
    def _count(
        session: Session,
        address_key: str | None,
        pattern_key: str | None,
        since: datetime,
        *,
        kind: str = REPORT,
    ) -> int:
        query = select(func.count(PortalAttemptRow.id)).where(
            PortalAttemptRow.at >= since, PortalAttemptRow.kind == kind
        )
        if address_key is not None:
            query = query.where(PortalAttemptRow.address_key == address_key)
        if pattern_key is not None:
            query = query.where(PortalAttemptRow.pattern_key == pattern_key)
        return int(session.scalar(query) or 0)

    @staticmethod
    def _wait(
        session: Session,
        address_key: str | None,
        pattern_key: str | None,
        at: datetime,
        *,
        kind: str = REPORT,
    ) -> int:
        """Seconds until the oldest counted request leaves its window."""
        column = PortalAttemptRow.address_key if address_key else PortalAttemptRow.pattern_key
        window = ADDRESS_WINDOW if address_key else PATTERN_WINDOW
        oldest = session.scalar(
            select(func.min(PortalAttemptRow.at)).where(
                column == (address_key or pattern_key),
                PortalAttemptRow.at >= at - window,
                PortalAttemptRow.kind == kind,
            )
        )
        if oldest is None:
            return 60
        return max(1, int((oldest + window - at).total_seconds()) + 1)
