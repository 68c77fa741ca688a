"""The victim portal's receipts: one row per request sent from a page (migration 0015).

A request page carries a random submission token. The row keeps only a keyed hash of
that token (``submission_key``, unique) and the access code sealed under a key derived
from the token and the site secret (``sealed_code``), so that a reload or a double
submit of the same page finds the case it already created and shows the same receipt,
while neither a database leak nor anyone without the page's token can read the code.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shieldwall.store.models import Base, BigId, utcnow


class PortalReceiptRow(Base):
    """The case a request page's submission token created, and its sealed access code."""

    __tablename__ = "portal_receipts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    sealed_code: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["PortalReceiptRow"]
