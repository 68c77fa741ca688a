"""Default plug-in: the built-in action kinds and what performing each one means.

- ``webhook``: a signed POST to the platform. With no webhook URL configured nothing can be
  sent, so the row is *held* (see ``shieldwall.worker.actions.NO_WEBHOOK_URL``).
- ``review``: opens a review task (idempotent on the action's key).
- ``add_to_bank``: adds hashes to a bank through the bank use case, so everything already
  seen is retro-hunted for them, as when the API, the CLI or a reviewer adds them.
- ``child_safety_report``: PREPARES a report file for a person to check and file
  (``data_dir/child_safety_reports/<key>.json``, mode 0600). Nothing is ever sent.
- ``exchange_feedback``: sends a moderator's verdict on a match back to the exchange that
  supplied the hash.
- ``detect``: runs the heavy detectors a scan left to the worker; the delivered row keeps the
  findings, not the upload.

Each performer parses the stored payload once into its typed action
(:mod:`shieldwall.actions`), so a malformed row is a dead letter naming the field. Every
performer is idempotent, because delivery is at least once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from shieldwall.actions import (
    AddToBankAction,
    Attempt,
    ChildSafetyReportAction,
    DetectAction,
    ExchangeFeedbackAction,
    ReviewAction,
    WebhookAction,
)
from shieldwall.errors import InputError
from shieldwall.plugins.actions import ActionContext, ActionRequest, ActionType
from shieldwall.plugins.hookspecs import hookimpl

log = logging.getLogger("shieldwall.worker")

NO_WEBHOOK_URL = "held: no webhook URL configured"
"""Why a webhook row is held (its ``last_error``) while no worker has a URL to send to."""
REPORTS_FOLDER = "child_safety_reports"
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def send_webhook(request: ActionRequest, context: ActionContext) -> Attempt:
    action = WebhookAction.from_payload(request.payload)
    if context.send_webhook is None:
        log.warning("outbox.webhook_held id=%s reason=%r", request.id, NO_WEBHOOK_URL)
        return Attempt.held(NO_WEBHOOK_URL)
    body = action.to_payload()
    if context.statements is not None:
        body = context.statements(body)
    return context.send_webhook(body, request.idempotency_key)


def open_review(request: ActionRequest, context: ActionContext) -> Attempt:
    action = ReviewAction.from_payload(request.payload)
    if action.item_id is None:
        raise InputError("malformed review payload: item_id is required (an integer)")
    if not action.decision_id and request.decision_id:
        action = replace(action, decision_id=request.decision_id)
    if context.open_review is None:
        return Attempt.retry("this worker has no review queue wired")
    created = context.open_review(action, request.idempotency_key)
    return Attempt.delivered(None if created else "review task already open")


def add_to_bank(request: ActionRequest, context: ActionContext) -> Attempt:
    action = AddToBankAction.from_payload(request.payload)
    if context.add_to_bank is None:
        return Attempt.retry("this worker has no banks wired")
    return Attempt.delivered(context.add_to_bank(action))


def send_feedback(request: ActionRequest, context: ActionContext) -> Attempt:
    action = ExchangeFeedbackAction.from_payload(request.payload)
    if context.send_feedback is None:
        return Attempt.retry("this worker has no exchange feedback wired")
    context.send_feedback(action)
    return Attempt.delivered()


def detect(request: ActionRequest, context: ActionContext) -> Attempt:
    action = DetectAction.from_payload(request.payload)
    if context.detect is None:
        return Attempt.retry("this worker has no detectors wired")
    note, kept = context.detect(action)
    return Attempt.delivered(note, payload=kept)


def prepare_report(request: ActionRequest, context: ActionContext) -> Attempt:
    ChildSafetyReportAction.from_payload(request.payload)  # refuses a malformed row
    folder = context.data_dir / REPORTS_FOLDER
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / f"{report_file_stem(request.idempotency_key)}.json"
    document = {
        "status": "prepared, not filed: a person must review and file this report",
        "idempotency_key": request.idempotency_key,
        "decision_id": request.decision_id,
        "outbox_id": request.id,
        "prepared_at": datetime.now(UTC).isoformat(),
        # The document as stored, every field of it: a person files what was decided.
        "payload": dict(request.payload),
    }
    _write_private(target, json.dumps(document, indent=2, sort_keys=True, default=str))
    log.info("outbox.report_prepared id=%s file=%s", request.id, target.name)
    return Attempt.delivered()


BUILTIN_ACTION_TYPES: tuple[ActionType, ...] = (
    ActionType(WebhookAction.kind, send_webhook, "a signed POST to the platform's webhook"),
    ActionType(ReviewAction.kind, open_review, "open a review task"),
    ActionType(AddToBankAction.kind, add_to_bank, "add hashes to a bank and retro-hunt them"),
    ActionType(
        ChildSafetyReportAction.kind,
        prepare_report,
        "prepare (never send) a child-safety report for a person to file",
    ),
    ActionType(DetectAction.kind, detect, "run the heavy detectors a scan left to the worker"),
    ActionType(
        ExchangeFeedbackAction.kind, send_feedback, "tell an exchange a moderator's verdict"
    ),
)


@hookimpl
def shieldwall_register_actions() -> list[ActionType]:
    return list(BUILTIN_ACTION_TYPES)


def report_file_stem(idempotency_key: str) -> str:
    """A file name for the key: the key itself when it is safe, else a sanitised form plus a
    digest (so two keys that sanitise alike never share a file)."""
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
