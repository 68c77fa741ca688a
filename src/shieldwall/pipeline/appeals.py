"""Appeals: an uploader contests a decision, and someone else decides again.

The Digital Services Act (Art. 20) and the platforms' own rules give an uploader the
right to contest a takedown before a person who did not make it. :func:`file_appeal`
opens the appeal against the item's latest decision; :func:`decide_appeal` upholds it
(an ``appeal.upheld`` webhook) or reverses it (a new ``allow`` decision with a
``restore`` webhook, and feedback to the exchanges whose hashes the takedown rested on).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from shieldwall.actions import WebhookAction
from shieldwall.errors import ConflictError, FourEyesError, InputError, NotFoundError
from shieldwall.pipeline.exchange_feedback import feedback_actions
from shieldwall.pipeline.records import (
    AppealInfo,
    NewAction,
    NewDecision,
    ReviewStore,
    utcnow,
)
from shieldwall.pipeline.review import NO_VIOLATION, public_decision
from shieldwall.types import Verdict

if TYPE_CHECKING:  # the composition root sits above this ring; only its type is named
    from shieldwall.runtime import Runtime


class NothingToAppealError(ConflictError):
    """The item has no decision, or its latest decision left it up."""

    code = "nothing_to_appeal"


def file_appeal(rt: Runtime, desk: ReviewStore, *, content_id: str, reason: str) -> AppealInfo:
    """An uploader contests the latest decision on their item."""
    reason = reason.strip()
    if not reason or len(reason) > 5000:
        raise InputError("give a reason of 1 to 5000 characters")
    item = rt.items.get_item(content_id)
    if item.latest_decision_id is None:
        raise NothingToAppealError("there is no decision on this item", value=content_id)
    decision = rt.items.get_decision(item.latest_decision_id)
    if decision.verdict == "allow":
        raise NothingToAppealError("the item is up: there is nothing to appeal", value=content_id)
    return desk.create_appeal(
        item_id=item.id,
        decision_id=decision.id,
        original_decider=decision.decided_by,
        reason=reason,
    )


def decide_appeal(
    rt: Runtime,
    desk: ReviewStore,
    *,
    appeal_id: int,
    reverse: bool,
    note: str,
    decided_by: str,
) -> AppealInfo:
    """Uphold or reverse. A reversal is a new ``allow`` decision with a ``restore`` webhook."""
    appeal = desk.get_appeal(appeal_id)
    if appeal.original_decider == decided_by:
        raise FourEyesError("someone other than the original decider must decide this appeal")
    if appeal.status != "open":
        return appeal
    item = desk.item(appeal.item_id)
    if item is None:
        return desk.close_appeal(
            appeal_id, outcome="void", decided_by=decided_by, new_decision_id=None
        )
    policy = rt.policies.policy
    did = str(uuid.uuid4())
    at = utcnow()
    if reverse:
        text = (
            f"Your appeal about {item.content_id} succeeded on {at:%d %B %Y}. "
            "The earlier decision was wrong and your content is restored."
        )
        public = public_decision(
            did,
            item,
            "allow",
            [],
            ["appeal upheld: decision reversed"],
            [],
            policy.version,
            "appeal",
            text,
        )
        public["reverses"] = appeal.decision_id
        rt.items.add_decision(
            item_id=item.id,
            decision=NewDecision(
                id=did,
                source="appeal",
                verdict=Verdict.ALLOW,
                policy_version=policy.version,
                fired=[
                    {
                        "rule_id": "appeal",
                        "category": NO_VIOLATION,
                        "outcomes": [{"outcome": "allow"}],
                        "evidence": [note] if note else [],
                    }
                ],
                reasons=["appeal: the earlier decision was reversed"],
                matches=[],
                signals=[],
                notes=[text],
                actions=[
                    NewAction.of(WebhookAction("restore", public), f"{did}:restore"),
                    # The takedown was wrong: exchanges whose hashes it rested on hear so.
                    *feedback_actions(
                        rt.banks,
                        rt.exchanges,
                        rt.exchange_registry,
                        matches=_decision_matches(rt, appeal.decision_id),
                        verdict="rejected",
                        key=did,
                    ),
                ],
                decided_by=decided_by,
            ),
        )
        return desk.close_appeal(
            appeal_id, outcome="reversed", decided_by=decided_by, new_decision_id=did
        )
    text = (
        f"Your appeal about {item.content_id} was reviewed on {at:%d %B %Y} by someone "
        "who did not make the first decision. The decision stands."
    )
    rt.outbox.enqueue(
        kind="webhook",
        idempotency_key=f"appeal:{appeal_id}:upheld",
        decision_id=appeal.decision_id,
        payload={
            "event": "appeal.upheld",
            "content_id": item.content_id,
            "decision_id": appeal.decision_id,
            "statement_of_reasons": text,
        },
    )
    return desk.close_appeal(
        appeal_id, outcome="upheld", decided_by=decided_by, new_decision_id=None
    )


def _decision_matches(rt: Runtime, decision_id: str) -> list[dict[str, Any]]:
    try:
        return list(rt.items.get_decision(decision_id).matches)
    except NotFoundError:
        return []
