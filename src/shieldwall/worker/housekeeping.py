"""Periodic upkeep the worker runs beside deliveries: retention and expiry.

- Bank entries past their ``expires_at`` leave matching (``BankStore.expire_entries``
  writes the change-log rows every matcher replays).
- Seen items past their surface's retention are deleted (hashes and metadata only ever
  stored, and now not even those), unless they are linked to a case under legal hold:
  ``ItemStore.purge_expired`` skips those (with their decisions and evidence) until the
  hold is released.
"""

from __future__ import annotations

import logging

from shieldwall.runtime import Runtime
from shieldwall.worker.periodic import PeriodicJob

log = logging.getLogger("shieldwall.worker")

HOUSEKEEPING_INTERVAL_S = 60.0


def housekeep(runtime: Runtime) -> dict[str, int]:
    """One pass; returns what it did (for logs and tests)."""
    expired = runtime.store.expire_entries()
    purged = runtime.items.purge_expired()
    if expired or purged:
        log.info("worker.housekeeping expired_entries=%s purged_items=%s", expired, len(purged))
    return {"expired_entries": expired, "purged_items": len(purged)}


class Housekeeper(PeriodicJob):
    """Runs :func:`housekeep` every ``interval_s`` on a daemon thread until stopped."""

    def __init__(self, runtime: Runtime, *, interval_s: float = HOUSEKEEPING_INTERVAL_S) -> None:
        super().__init__(
            lambda: housekeep(runtime),
            every_s=interval_s,
            name="shieldwall-housekeeping",
            failure_event="worker.housekeeping_failed",
        )
