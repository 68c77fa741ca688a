"""The delivery loop: claim an outbox row, perform it, record the outcome, plan the retry.

The outbox is the truth, the task queue only a fast path: a row is claimed
(leased for ``outbox_lease_s``) before it is performed, so a worker that dies
mid-delivery only delays the row until the lease runs out, when any worker may
claim it again. Delivery is therefore at least once; receivers deduplicate on
the idempotency key.

Each claim counts as an attempt. After a failed attempt the row is due again
after :func:`~shieldwall.worker.outcome.retry_delay`; after
``outbox_max_attempts`` attempts, or at once when the failure is permanent, it
is dead (``shieldwall outbox list --status dead``, ``shieldwall outbox replay``).
"""

from __future__ import annotations

import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shieldwall.actions import Attempt
from shieldwall.config import Settings
from shieldwall.pipeline.faults import temporary_fault
from shieldwall.worker.actions import ActionPerformer
from shieldwall.worker.outcome import MAX_RETRY_DELAY_S, retry_delay

if TYPE_CHECKING:  # annotations only: the worker reaches the store through the runtime
    from shieldwall.store.outbox import OutboxStore
    from shieldwall.store.service_records import OutboxInfo

log = logging.getLogger("shieldwall.worker")


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What happened to one row: its outcome, and in how many seconds to try again
    (``None`` unless the outcome is a retry that has attempts left)."""

    outbox_id: int
    outcome: Attempt | None
    retry_in_s: float | None = None

    @property
    def skipped(self) -> bool:
        """True when the row was not ours to perform (already done, dead, or leased)."""
        return self.outcome is None


class Deliverer:
    """Claims, performs and records outbox rows; safe to call from several threads."""

    def __init__(
        self,
        *,
        outbox: OutboxStore,
        performer: ActionPerformer,
        max_attempts: int,
        backoff_s: float,
        lease_s: float,
        max_backoff_s: float = MAX_RETRY_DELAY_S,
        alert_attempts_left: int = 0,
        rng: random.Random | None = None,
    ) -> None:
        self.outbox = outbox
        self.performer = performer
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.alert_attempts_left = alert_attempts_left
        self.lease = timedelta(seconds=lease_s)
        self._rng = rng or random.Random()

    @classmethod
    def from_settings(
        cls, settings: Settings, *, outbox: OutboxStore, performer: ActionPerformer
    ) -> Deliverer:
        return cls(
            outbox=outbox,
            performer=performer,
            max_attempts=settings.outbox_max_attempts,
            backoff_s=settings.outbox_backoff_s,
            lease_s=settings.outbox_lease_s,
            max_backoff_s=settings.outbox_max_backoff_s,
            alert_attempts_left=settings.outbox_alert_attempts_left,
        )

    def deliver(self, outbox_id: int, claim_token: int | None = None) -> AttemptResult:
        """Perform one row.

        Without ``claim_token`` the row is claimed here, and skipped unless it is pending,
        due and unleased. With one (the attempt number the sweeper's claim gave the row) the
        row is performed only if no other claim happened since, which fences off stale tasks
        left in the queue by a worker that was killed.
        """
        if claim_token is None:
            entry = self.outbox.claim(outbox_id, lease=self.lease)
        else:
            entry = self.outbox.get(outbox_id)
            if not entry.pending or entry.attempts != claim_token:
                entry = None
        if entry is None:
            return AttemptResult(outbox_id, None)
        return self.perform(entry)

    def perform(self, entry: OutboxInfo) -> AttemptResult:
        """Perform a row the caller has claimed and record the outcome."""
        try:
            outcome = self.performer.perform(entry)
        except Exception as exc:
            fault = temporary_fault(exc)
            if fault is None:
                log.exception("outbox.perform_crashed id=%s kind=%s", entry.id, entry.kind)
            else:
                log.warning(
                    "outbox.perform_deferred id=%s kind=%s code=%s error=%s",
                    entry.id,
                    entry.kind,
                    fault.code,
                    type(exc).__name__,
                )
            outcome = Attempt.retry(f"internal error: {type(exc).__name__}: {exc}")
        return self._record(entry, outcome)

    def _record(self, entry: OutboxInfo, outcome: Attempt) -> AttemptResult:
        if outcome.status == "delivered":
            self.outbox.mark_delivered(entry.id, note=outcome.message, payload=outcome.payload)
            log.info(
                "outbox.delivered id=%s kind=%s attempts=%s", entry.id, entry.kind, entry.attempts
            )
            return AttemptResult(entry.id, outcome)
        if outcome.status == "held":
            self.outbox.hold(entry.id, reason=outcome.message or "held")
            log.info("outbox.held id=%s kind=%s reason=%r", entry.id, entry.kind, outcome.message)
            return AttemptResult(entry.id, outcome)
        error = outcome.message or outcome.status
        if outcome.status == "retry" and entry.attempts < self.max_attempts:
            delay = retry_delay(
                entry.attempts, base_s=self.backoff_s, rng=self._rng, cap_s=self.max_backoff_s
            )
            self.outbox.mark_failed(
                entry.id, error=error, retry_at=datetime.now(UTC) + timedelta(seconds=delay)
            )
            log.warning(
                "outbox.retry id=%s kind=%s attempts=%s retry_in_s=%.2f error=%r",
                entry.id,
                entry.kind,
                entry.attempts,
                delay,
                error[:200],
            )
            left = self.max_attempts - entry.attempts
            if left <= self.alert_attempts_left:
                # Hours before anything goes dead: the time to fix the receiver.
                log.error(
                    "outbox.delivery_at_risk id=%s kind=%s attempts=%s attempts_left=%s error=%r",
                    entry.id,
                    entry.kind,
                    entry.attempts,
                    left,
                    error[:200],
                )
            return AttemptResult(entry.id, outcome, retry_in_s=delay)
        if outcome.status == "retry":
            error = f"gave up after {entry.attempts} attempts; last error: {error}"
        self.outbox.mark_failed(entry.id, error=error, retry_at=None)
        log.error(
            "outbox.dead id=%s kind=%s attempts=%s error=%r",
            entry.id,
            entry.kind,
            entry.attempts,
            error[:200],
        )
        return AttemptResult(entry.id, Attempt.dead(error))

    def drain(self, *, workers: int = 1, batch: int = 50) -> list[AttemptResult]:
        """Perform every row that is due now, ``workers`` at a time; return when none is left.

        Rows that fail and are due again later are not waited for (``--once`` and cron).
        """
        results: list[AttemptResult] = []
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            while True:
                claimed = self.outbox.claim_due(limit=batch, lease=self.lease)
                if not claimed:
                    return results
                results.extend(pool.map(self.perform, claimed))

    def close(self) -> None:
        self.performer.close()
