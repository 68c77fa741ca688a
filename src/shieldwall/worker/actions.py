"""The worker's action performer: one outbox row, performed by the action kind that owns it.

Which kinds exist, and what performing each means, comes from plug-ins
(``shieldwall_register_actions``): the built-ins (``webhook``, ``review``, ``add_to_bank``,
``child_safety_report``, ``exchange_feedback``, ``detect``) are the default plug-in
:mod:`shieldwall.plugins.builtin_actions`, where each is described. This module wires the
:class:`~shieldwall.plugins.ActionContext` they perform with (the webhook sender, the review
store, the bank and detection use cases, the exchange feedback) and turns what a performer
raises into an :class:`Attempt`.

Every performer is idempotent, because delivery is at least once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shieldwall.actions import (
    AddToBankAction,
    Attempt,
    DetectAction,
    ExchangeFeedbackAction,
    ReviewAction,
)
from shieldwall.errors import InputError, NotFoundError, ShieldwallError
from shieldwall.pipeline.banking import Banking, add_to_bank
from shieldwall.pipeline.detect import DeferredDetection, scrubbed
from shieldwall.plugins import (
    ActionContext,
    ActionRegistry,
    ActionRequest,
    collect_actions,
    get_plugin_manager,
)
from shieldwall.plugins.builtin_actions import NO_WEBHOOK_URL, REPORTS_FOLDER, report_file_stem
from shieldwall.types import NewEntry, Provenance
from shieldwall.worker.webhook import WebhookSender

if TYPE_CHECKING:  # annotations only: the worker reaches the store through the runtime
    from shieldwall.store.reviews import ReviewStore
    from shieldwall.store.service_records import OutboxInfo

__all__ = ["NO_WEBHOOK_URL", "REPORTS_FOLDER", "ActionPerformer", "report_file_stem"]


class ActionPerformer:
    """Performs one outbox row by its ``kind``; answers an :class:`Attempt`, never raises
    for a problem with the row itself (bad payload, missing bank: dead letter).

    ``kinds`` is the registry of action kinds (built-in and plug-in); by default it is
    collected from the installed plug-ins.
    """

    def __init__(
        self,
        *,
        banking: Callable[[], Banking],
        reviews: ReviewStore,
        data_dir: Path,
        webhook: WebhookSender | None,
        detection: DeferredDetection | None = None,
        feedback: Callable[[ExchangeFeedbackAction], None] | None = None,
        statements: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        kinds: ActionRegistry | None = None,
    ) -> None:
        self._webhook = webhook
        self._registry = kinds if kinds is not None else collect_actions(get_plugin_manager())
        self._context = ActionContext(
            data_dir=data_dir,
            send_webhook=None if webhook is None else _sender(webhook),
            # Adds the uploader's DSA statement to a restricting decision's webhook
            # (reports/uploader_statement.py); None sends payloads as stored.
            statements=statements,
            open_review=_review_opener(reviews),
            # Asked for only when an add_to_bank row comes: a worker that only sends webhooks
            # never loads the matcher or the seen-items index.
            add_to_bank=lambda action: _add_to_bank(banking(), action),
            send_feedback=feedback,
            detect=None if detection is None else _detector(detection),
        )

    @property
    def kinds(self) -> tuple[str, ...]:
        return self._registry.kinds()

    @property
    def context(self) -> ActionContext:
        return self._context

    def perform(self, entry: OutboxInfo) -> Attempt:
        action_type = self._registry.get(entry.kind)
        if action_type is None:
            failed = "".join(
                f"; plug-in {name} failed to load ({error})"
                for name, error in self._registry.failed.items()
            )
            return Attempt.dead(
                f"unknown action kind {entry.kind!r} (known: {', '.join(self.kinds)}){failed}"
            )
        request = ActionRequest(
            id=entry.id,
            kind=entry.kind,
            payload=entry.payload,
            idempotency_key=entry.idempotency_key,
            decision_id=entry.decision_id,
        )
        try:
            return action_type.perform(request, self._context)
        except (InputError, NotFoundError) as exc:
            # The payload names something that does not exist or is malformed: a retry
            # would fail the same way, so an operator has to look at it.
            return Attempt.dead(
                f"{exc.code}: {exc.message}" + (f": {exc.value}" if exc.value else "")
            )
        except (KeyError, TypeError, ValueError) as exc:
            return Attempt.dead(f"malformed {entry.kind} payload: {type(exc).__name__}: {exc}")
        except ShieldwallError as exc:
            return Attempt.retry(f"{exc.code}: {exc.message}")

    def close(self) -> None:
        if self._webhook is not None:
            self._webhook.close()


def _sender(webhook: WebhookSender) -> Callable[[dict[str, Any], str], Attempt]:
    def send(body: dict[str, Any], idempotency_key: str) -> Attempt:
        return webhook.send(body, idempotency_key=idempotency_key)

    return send


def _review_opener(reviews: ReviewStore) -> Callable[[ReviewAction, str], bool]:
    def open_review(action: ReviewAction, idempotency_key: str) -> bool:
        if action.item_id is None:  # the performer checks; kept for a direct caller
            raise InputError("malformed review payload: item_id is required (an integer)")
        try:
            due = None if not action.due_at else datetime.fromisoformat(action.due_at)
        except ValueError:
            raise InputError(
                "malformed review payload: due_at must be an ISO 8601 time", value=action.due_at
            ) from None
        _, created = reviews.open_task(
            item_id=action.item_id,
            decision_id=action.decision_id,
            queue=action.queue,
            priority=action.priority,
            sla_hours=action.sla_hours,
            # A near-copy found from a victim's case inherits the case's deadline.
            due_at=due,
            idempotency_key=idempotency_key,
        )
        return created

    return open_review


def _add_to_bank(banking: Banking, action: AddToBankAction) -> str | None:
    provenance = Provenance(source=action.source, case_id=action.case_id)
    entries = [
        NewEntry(signal_type=e.signal_type, value=e.value, provenance=provenance)
        for e in action.entries
    ]
    # Hunted even when every entry was already there: a retry after a crash between the
    # store write and the hunt must still hunt (it is idempotent: decision ids are derived).
    # The decided item that asked for the add is not decided again by its own hunt.
    done = add_to_bank(
        banking,
        bank=action.bank,
        entries=entries,
        hunt_unchanged=True,
        spare=[action.content_id] if action.content_id else [],
    )
    hunt = done.hunt
    found = "" if hunt is None else f"; retro-hunt hit {hunt.items_hit} stored items"
    if not done.added:
        return "all entries already in the bank" + found
    return found.removeprefix("; ") or None


def _detector(
    detection: DeferredDetection,
) -> Callable[[DetectAction], tuple[str | None, dict[str, Any]]]:
    def detect(action: DetectAction) -> tuple[str | None, dict[str, Any]]:
        done = detection.perform(action)
        return done.note, scrubbed(action.to_payload(), done.findings)

    return detect
