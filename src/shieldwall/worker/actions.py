"""The four kinds of action the outbox holds, and what performing each one means.

- ``webhook``: a signed POST to the platform (:mod:`shieldwall.worker.webhook`). With no
  ``webhook_url`` configured nothing can be sent, so the row is *held*: it stays pending
  with ``last_error`` :data:`NO_WEBHOOK_URL` (visible in ``shieldwall outbox
  list`` and counted as ``held`` in the metrics, never as delivered), uses up no attempt,
  and goes out once a worker with a URL starts. (It used to be marked delivered unsent.)
- ``review``: opens a review task (idempotent on the action's key).
- ``add_to_bank``: adds hashes to a bank through :func:`shieldwall.pipeline.banking.add_to_bank`
  (idempotent in the bank store), so everything already seen is retro-hunted for them, as
  when the API, the CLI or a reviewer adds them.
- ``child_safety_report``: PREPARES a report file for a person to check and file
  (``data_dir/child_safety_reports/<key>.json``, mode 0600). Nothing is ever sent.
- ``exchange_feedback``: sends a moderator's verdict on a match back to the exchange that
  supplied the hash (:func:`shieldwall.pipeline.exchange_feedback.deliver_feedback`); an
  unreachable or refusing exchange is retried, one that is gone or misconfigured is a dead
  letter.
- ``detect``: runs the heavy detectors a scan left to the worker and may store a follow-up
  decision (:mod:`shieldwall.pipeline.detect`); the delivered row keeps the findings, not the
  upload.

Every performer is idempotent, because delivery is at least once.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shieldwall.errors import InputError, NotFoundError, ShieldwallError
from shieldwall.pipeline.banking import Banking, add_to_bank
from shieldwall.pipeline.detect import DeferredDetection, scrubbed
from shieldwall.types import NewEntry, Provenance, SignalType
from shieldwall.worker.outcome import Outcome
from shieldwall.worker.webhook import WebhookSender

if TYPE_CHECKING:  # annotations only: the worker reaches the store through the runtime
    from shieldwall.store.reviews import ReviewStore
    from shieldwall.store.service_records import OutboxInfo

log = logging.getLogger("shieldwall.worker")

NO_WEBHOOK_URL = "held: no webhook URL configured"
"""Why a webhook row is held (its ``last_error``) while no worker has a URL to send to."""
REPORTS_FOLDER = "child_safety_reports"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


class ActionPerformer:
    """Performs one outbox row by its ``kind``; answers an :class:`Outcome`, never raises
    for a problem with the row itself (bad payload, missing bank: dead letter)."""

    def __init__(
        self,
        *,
        banking: Callable[[], Banking],
        reviews: ReviewStore,
        data_dir: Path,
        webhook: WebhookSender | None,
        detection: DeferredDetection | None = None,
        feedback: Callable[[dict[str, Any]], None] | None = None,
        statements: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        # Asked for only when an add_to_bank row comes: a worker that only sends webhooks
        # never loads the matcher or the seen-items index.
        self._banking = banking
        self._detection = detection
        self._feedback = feedback
        self._reviews = reviews
        self._data_dir = data_dir
        self._webhook = webhook
        # Adds the uploader's DSA statement to a restricting decision's webhook
        # (reports/uploader_statement.py); None sends payloads as stored.
        self._statements = statements
        self._kinds: dict[str, Callable[[OutboxInfo], Outcome]] = {
            "webhook": self._send_webhook,
            "review": self._open_review,
            "add_to_bank": self._add_to_bank,
            "child_safety_report": self._prepare_report,
            "detect": self._detect,
            "exchange_feedback": self._send_feedback,
        }

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self._kinds)

    def perform(self, entry: OutboxInfo) -> Outcome:
        handler = self._kinds.get(entry.kind)
        if handler is None:
            return Outcome.dead(
                f"unknown action kind {entry.kind!r} (known: {', '.join(self._kinds)})"
            )
        try:
            return handler(entry)
        except (InputError, NotFoundError) as exc:
            # The payload names something that does not exist or is malformed: a retry
            # would fail the same way, so an operator has to look at it.
            return Outcome.dead(
                f"{exc.code}: {exc.message}" + (f": {exc.value}" if exc.value else "")
            )
        except (KeyError, TypeError, ValueError) as exc:
            return Outcome.dead(f"malformed {entry.kind} payload: {type(exc).__name__}: {exc}")
        except ShieldwallError as exc:
            return Outcome.retry(f"{exc.code}: {exc.message}")

    def close(self) -> None:
        if self._webhook is not None:
            self._webhook.close()

    # -- kinds --------------------------------------------------------------------------------

    def _send_webhook(self, entry: OutboxInfo) -> Outcome:
        if self._webhook is None:
            log.warning("outbox.webhook_held id=%s reason=%r", entry.id, NO_WEBHOOK_URL)
            return Outcome.held(NO_WEBHOOK_URL)
        payload = entry.payload
        if self._statements is not None:
            payload = self._statements(payload)
        return self._webhook.send(payload, idempotency_key=entry.idempotency_key)

    def _open_review(self, entry: OutboxInfo) -> Outcome:
        p = entry.payload
        sla = p.get("sla_hours")
        due = p.get("due_at")
        _, created = self._reviews.open_task(
            item_id=int(p["item_id"]),
            decision_id=str(p.get("decision_id") or entry.decision_id or ""),
            queue=str(p["queue"]),
            priority=str(p.get("priority") or "normal"),
            sla_hours=None if sla is None else float(sla),
            # A near-copy found from a victim's case inherits the case's deadline.
            due_at=None if not due else datetime.fromisoformat(str(due)),
            idempotency_key=entry.idempotency_key,
        )
        return Outcome.delivered(None if created else "review task already open")

    def _add_to_bank(self, entry: OutboxInfo) -> Outcome:
        p = entry.payload
        provenance = Provenance(
            source=_opt_str(p.get("source")), case_id=_opt_str(p.get("case_id"))
        )
        entries = [
            NewEntry(
                signal_type=SignalType(str(e["signal_type"])),
                value=str(e["value"]),
                provenance=provenance,
            )
            for e in p["entries"]
        ]
        # Hunted even when every entry was already there: a retry after a crash between the
        # store write and the hunt must still hunt (it is idempotent: decision ids are derived).
        # The decided item that asked for the add is not decided again by its own hunt.
        spare = [str(p["content_id"])] if p.get("content_id") else []
        done = add_to_bank(
            self._banking(),
            bank=str(p["bank"]),
            entries=entries,
            hunt_unchanged=True,
            spare=spare,
        )
        hunt = done.hunt
        found = "" if hunt is None else f"; retro-hunt hit {hunt.items_hit} stored items"
        if not done.added:
            return Outcome.delivered("all entries already in the bank" + found)
        return Outcome.delivered(found.removeprefix("; ") or None)

    def _send_feedback(self, entry: OutboxInfo) -> Outcome:
        if self._feedback is None:
            return Outcome.retry("this worker has no exchange feedback wired")
        self._feedback(entry.payload)
        return Outcome.delivered()

    def _detect(self, entry: OutboxInfo) -> Outcome:
        if self._detection is None:
            return Outcome.retry("this worker has no detectors wired")
        done = self._detection.perform(entry.payload)
        return Outcome.delivered(done.note, payload=scrubbed(entry.payload, done.findings))

    def _prepare_report(self, entry: OutboxInfo) -> Outcome:
        folder = self._data_dir / REPORTS_FOLDER
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        target = folder / f"{report_file_stem(entry.idempotency_key)}.json"
        document = {
            "status": "prepared, not filed: a person must review and file this report",
            "idempotency_key": entry.idempotency_key,
            "decision_id": entry.decision_id,
            "outbox_id": entry.id,
            "prepared_at": _iso(datetime.now(UTC)),
            "payload": entry.payload,
        }
        _write_private(target, json.dumps(document, indent=2, sort_keys=True, default=str))
        log.info("outbox.report_prepared id=%s file=%s", entry.id, target.name)
        return Outcome.delivered()


def report_file_stem(idempotency_key: str) -> str:
    """A file name for the key: the key itself when it is safe, else a sanitised form plus a
    digest (so two keys that sanitise alike never share a file)."""
    import hashlib

    safe = _SAFE_NAME.sub("_", idempotency_key)[:120]
    if safe == idempotency_key and not safe.startswith("."):
        return safe
    return f"{safe.lstrip('.')}-{hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]}"


def _write_private(target: Path, text: str) -> None:
    # Written to a private temporary file then renamed: a reader never sees half a report
    # and the file is never, even briefly, readable by others.
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _iso(at: datetime) -> str:
    return at.isoformat()
