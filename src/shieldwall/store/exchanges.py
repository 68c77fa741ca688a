"""``ExchangeStore``: exchange configurations, their checkpoints and the fetch lease.

The lease is what keeps one fetcher per exchange at a time across every worker
process and replica: :meth:`ExchangeStore.acquire_lease` is one conditional
``UPDATE`` (taken only when nobody holds an unexpired lease), which both SQLite
and PostgreSQL apply atomically. A fetcher that dies simply lets its lease
expire; the next one resumes from the last checkpoint it saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import ExchangeBusyError, ExchangeExistsError, ExchangeNotFoundError
from shieldwall.store.exchange_models import ExchangeRow
from shieldwall.store.models import utcnow


@dataclass(frozen=True, slots=True)
class ExchangeInfo:
    """One configured exchange as stored (credentials are never stored)."""

    name: str
    kind: str
    bank: str
    config: dict[str, Any]
    trust: str
    enabled: bool
    interval_s: int
    checkpoint: str | None
    lease_owner: str | None
    lease_until: datetime | None
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None

    def public(self) -> dict[str, Any]:
        """What the API and the CLI show of it (the lease is shown as ``fetching``)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "bank": self.bank,
            "config": self.config,
            "trust": self.trust,
            "enabled": self.enabled,
            "interval_s": self.interval_s,
            "checkpoint": self.checkpoint,
            "fetching": self.lease_owner is not None,
            "last_fetch_at": self.last_fetch_at,
            "last_success_at": self.last_success_at,
            "last_error": self.last_error,
        }


def _changed(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE changed (every driver reports it for these)."""
    return int(cast(CursorResult[Any], result).rowcount)


def _info(row: ExchangeRow) -> ExchangeInfo:
    return ExchangeInfo(
        name=row.name,
        kind=row.kind,
        bank=row.bank,
        config=dict(row.config or {}),
        trust=row.trust,
        enabled=row.enabled,
        interval_s=row.interval_s,
        checkpoint=row.checkpoint,
        lease_owner=row.lease_owner,
        lease_until=row.lease_until,
        last_fetch_at=row.last_fetch_at,
        last_success_at=row.last_success_at,
        last_error=row.last_error,
    )


class ExchangeStore:
    """Exchanges in the SQL database; stateless, shareable between threads."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def create(
        self,
        *,
        name: str,
        kind: str,
        bank: str,
        config: dict[str, Any],
        trust: str,
        interval_s: int,
        enabled: bool = True,
    ) -> ExchangeInfo:
        now = utcnow()
        row = ExchangeRow(
            name=name,
            kind=kind,
            bank=bank,
            config=config,
            trust=trust,
            interval_s=interval_s,
            enabled=enabled,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._sessions() as session, session.begin():
                session.add(row)
                session.flush()
                return _info(row)
        except IntegrityError as exc:
            raise ExchangeExistsError("an exchange with this name exists", value=name) from exc

    def get(self, name: str) -> ExchangeInfo:
        with self._sessions() as session:
            row = session.scalars(select(ExchangeRow).where(ExchangeRow.name == name)).first()
            if row is None:
                raise ExchangeNotFoundError("no exchange with this name", value=name)
            return _info(row)

    def list_exchanges(self) -> list[ExchangeInfo]:
        with self._sessions() as session:
            return [
                _info(r) for r in session.scalars(select(ExchangeRow).order_by(ExchangeRow.name))
            ]

    def update(
        self,
        name: str,
        *,
        enabled: bool | None = None,
        trust: str | None = None,
        interval_s: int | None = None,
        config: dict[str, Any] | None = None,
    ) -> ExchangeInfo:
        with self._sessions() as session, session.begin():
            row = session.scalars(select(ExchangeRow).where(ExchangeRow.name == name)).first()
            if row is None:
                raise ExchangeNotFoundError("no exchange with this name", value=name)
            if enabled is not None:
                row.enabled = enabled
            if trust is not None:
                row.trust = trust
            if interval_s is not None:
                row.interval_s = interval_s
            if config is not None:
                row.config = config
            row.updated_at = utcnow()
            session.flush()
            return _info(row)

    def delete(self, name: str) -> None:
        with self._sessions() as session, session.begin():
            gone = _changed(session.execute(delete(ExchangeRow).where(ExchangeRow.name == name)))
        if not gone:
            raise ExchangeNotFoundError("no exchange with this name", value=name)

    def due(self, *, now: datetime | None = None) -> list[str]:
        """Enabled exchanges whose interval has passed since their last fetch."""
        now = now or utcnow()
        return [
            e.name
            for e in self.list_exchanges()
            if e.enabled
            and (
                e.last_fetch_at is None or e.last_fetch_at + timedelta(seconds=e.interval_s) <= now
            )
        ]

    # -- the lease -----------------------------------------------------------------------

    def acquire_lease(self, name: str, *, owner: str, ttl_s: float) -> ExchangeInfo:
        """Take the fetch lease, or raise :class:`ExchangeBusyError` while another holds it."""
        now = utcnow()
        with self._sessions() as session, session.begin():
            taken = _changed(
                session.execute(
                    update(ExchangeRow)
                    .where(
                        ExchangeRow.name == name,
                        or_(
                            ExchangeRow.lease_until.is_(None),
                            ExchangeRow.lease_until < now,
                            ExchangeRow.lease_owner == owner,
                        ),
                    )
                    .values(
                        lease_owner=owner,
                        lease_until=now + timedelta(seconds=ttl_s),
                        last_fetch_at=now,
                    )
                )
            )
        info = self.get(name)
        if not taken:
            raise ExchangeBusyError(
                "another fetcher is fetching this exchange; try again later", value=name
            )
        return info

    def save_checkpoint(self, name: str, *, owner: str, checkpoint: str, ttl_s: float) -> None:
        """Store how far the fetch got and extend the lease; refused if the lease was lost
        (another fetcher took over after it expired: its checkpoint wins)."""
        now = utcnow()
        with self._sessions() as session, session.begin():
            saved = _changed(
                session.execute(
                    update(ExchangeRow)
                    .where(ExchangeRow.name == name, ExchangeRow.lease_owner == owner)
                    .values(checkpoint=checkpoint, lease_until=now + timedelta(seconds=ttl_s))
                )
            )
        if not saved:
            raise ExchangeBusyError("the fetch lease was lost to another fetcher", value=name)

    def release_lease(self, name: str, *, owner: str, error: str | None = None) -> None:
        """Give the lease back, recording how the fetch ended."""
        now = utcnow()
        values: dict[str, Any] = {"lease_owner": None, "lease_until": None}
        if error is None:
            values.update(last_success_at=now, last_error=None)
        else:
            values["last_error"] = error[:1000]
        with self._sessions() as session, session.begin():
            session.execute(
                update(ExchangeRow)
                .where(ExchangeRow.name == name, ExchangeRow.lease_owner == owner)
                .values(**values)
            )
