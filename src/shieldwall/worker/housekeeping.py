"""Periodic upkeep the worker runs beside deliveries: retention and expiry.

- Bank entries past their ``expires_at`` leave matching (``BankStore.expire_entries``
  writes the change-log rows every matcher replays).
- Seen items past their surface's retention are deleted (hashes and metadata only ever
  stored, and now not even those), unless a legal hold keeps them (linked to a case under
  hold, or held on their own by a child-safety report): ``ItemStore.purge_expired`` skips
  those (with their decisions and evidence) until the hold is released.
- Victim-portal receipts older than ``portal_receipt_days`` are deleted (the cases stay).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from shieldwall.runtime import Runtime
from shieldwall.worker.periodic import PeriodicJob

log = logging.getLogger("shieldwall.worker")

HOUSEKEEPING_INTERVAL_S = 60.0


def housekeep(runtime: Runtime, *, now: datetime | None = None) -> dict[str, int]:
    """One pass; returns what it did (for logs and tests)."""
    at = now or datetime.now(UTC)
    expired = runtime.banks.expire_entries(now=at)
    purged = runtime.items.purge_expired(now=at)
    receipts = runtime.portal_receipts.purge_older_than(
        at - timedelta(days=runtime.settings.portal_receipt_days)
    )
    if expired or purged or receipts:
        log.info(
            "worker.housekeeping expired_entries=%s purged_items=%s purged_receipts=%s",
            expired,
            len(purged),
            receipts,
        )
    return {"expired_entries": expired, "purged_items": len(purged), "purged_receipts": receipts}


class Housekeeper(PeriodicJob):
    """Runs :func:`housekeep` every ``interval_s`` on a daemon thread until stopped."""

    def __init__(self, runtime: Runtime, *, interval_s: float = HOUSEKEEPING_INTERVAL_S) -> None:
        super().__init__(
            lambda: housekeep(runtime),
            every_s=interval_s,
            name="shieldwall-housekeeping",
            failure_event="worker.housekeeping_failed",
        )
