"""Pruning the victim portal's receipts (``portal_receipts``, see :mod:`.portal_models`).

A receipt row lets a reload or a double send of one request page show the case it created
instead of storing a second. It is useful only while the page's portal cookie lives (a day)
and the receipt is shown (a day); after that it is a sealed access code kept for nothing.
Housekeeping deletes receipts older than ``SHIELDWALL_PORTAL_RECEIPT_DAYS`` and chains the
count into the audit trail; the case itself is untouched (its status page asks for the
number and the access code, as always).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.portal_models import PortalReceiptRow
from shieldwall.store.transactions import SessionScoped


class PortalReceiptStore(SessionScoped):
    """The receipts' retention."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()

    def purge_older_than(self, cutoff: datetime) -> int:
        """Delete the receipts created before ``cutoff``; returns how many (an audit event
        records the count when there were any)."""
        with self._writing() as session:
            result = session.execute(
                delete(PortalReceiptRow).where(PortalReceiptRow.created_at < cutoff)
            )
            purged = int(cast(CursorResult[Any], result).rowcount)
            if purged:
                self._audit.append(
                    session,
                    action="portal.receipts_purged",
                    actor="shieldwall",
                    actor_kind="system",
                    subject_type="portal_receipts",
                    details={"count": purged, "older_than": cutoff.isoformat()},
                )
            return purged


__all__ = ["PortalReceiptStore"]
