"""Human review: a moderator's decision on an item, its statement of reasons, escalation.

These are the review pages' use cases, kept out of the web shell so that every door that
lets a person decide (today the review UI) writes the same decision, outbox rows and
webhook. Decisions are written with ``ItemStore.add_decision`` (decision and outbox rows
in one transaction), so a crash can delay the platform's webhook but never lose it.

Each function takes the :class:`~shieldwall.runtime.Runtime` and the repositories it
needs, so a page handler only parses a form and renders the answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shieldwall.actions import WebhookAction
from shieldwall.errors import InputError
from shieldwall.pipeline import child_safety
from shieldwall.pipeline.bank_review import check_review_bank
from shieldwall.pipeline.exchange_feedback import feedback_actions, feedback_verdict
from shieldwall.pipeline.records import (
    DecisionInfo,
    ItemInfo,
    NewAction,
    NewDecision,
    ReviewStore,
    utcnow,
)
from shieldwall.policy.reason_kinds import IMAGE, TEXT, categories_for
from shieldwall.types import Verdict

if TYPE_CHECKING:  # the composition root sits above this ring; only its type is named
    from shieldwall.runtime import Runtime

CLUSTER_DISTANCE = 31
"""PDQ distance within which items count as one cluster (the default match threshold)."""
REVIEW_VERDICTS = ("remove", "block", "hold", "allow")
NO_VIOLATION = "no_violation"
TAKEDOWN_VERDICTS = ("remove", "block")

_VERDICT_WORDS = {
    "remove": "removed",
    "block": "blocked",
    "hold": "put on hold while we check it further",
    "allow": "left up",
}


def statement_of_reasons(
    *,
    item: ItemInfo,
    verdict: str,
    category_text: str,
    matched_bank: bool,
    at: datetime,
    appealable: bool = True,
) -> str:
    """The plain-language notice for the uploader (the DSA machine-readable one comes later)."""
    what = _VERDICT_WORDS.get(verdict, verdict)
    lines = [
        f"Your content {item.content_id} was {what} on {at:%d %B %Y at %H:%M} UTC.",
    ]
    if verdict in ("allow",):
        lines.append("A person reviewed it and found it does not break the rules.")
    else:
        lines.append(f"Why: {category_text}")
        how = "A person on our safety team reviewed it"
        if matched_bank:
            how += (
                ", after it matched the fingerprint (hash) of an image reported to us as "
                "shared without consent"
            )
        lines.append(how + ".")
        if appealable:
            lines.append(
                "What you can do: if you think this is a mistake, you can appeal. Someone who "
                "did not make this decision will look at it again."
            )
    return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class DecisionOutcome:
    """What :func:`decide` did: the decisions stored (the item's first, then its cluster's),
    the four-eyes bank request it opened (if asked), and the item's statement of reasons."""

    decisions: tuple[DecisionInfo, ...]
    approval_id: int | None
    statement: str


def item_kind(item: ItemInfo) -> str:
    """``text`` for a text post (text, no perceptual hash, no image or video media type; a
    platform may still send a digest of it), else ``image``."""
    visual = bool(item.pdq) or (item.media_type or "").startswith(("image/", "video/"))
    return TEXT if item.text and not visual else IMAGE


def reasons_for(rt: Runtime, item: ItemInfo) -> dict[str, str]:
    """The reasons a moderator may choose for ``item``: those of its kind only."""
    return categories_for(rt.policies.policy, item_kind(item))


def cluster_items(rt: Runtime, item: ItemInfo) -> list[int]:
    """Ids of stored items within ``CLUSTER_DISTANCE`` of the item's PDQ, the item excluded."""
    if not item.pdq:
        return []
    rt.seen.refresh()
    (row,) = rt.seen.search([item.pdq], CLUSTER_DISTANCE)
    return [item_id for item_id, _ in sorted(row, key=lambda h: h[1]) if item_id != item.id]


def decide(
    rt: Runtime,
    desk: ReviewStore,
    *,
    item: ItemInfo,
    verdict: str,
    category: str,
    note: str,
    decided_by: str,
    apply_to_cluster: bool = False,
    add_to_bank: str | None = None,
) -> DecisionOutcome:
    """A moderator's decision on an item (and, if asked, its whole hash cluster)."""
    if verdict not in REVIEW_VERDICTS:
        raise InputError(f"verdict must be one of {', '.join(REVIEW_VERDICTS)}", value=verdict)
    policy = rt.policies.policy
    if category != NO_VIOLATION and category not in reasons_for(rt, item):
        # Also a forged form naming a reason of another kind of item (a text reason on a photo).
        raise InputError("choose a reason from the list", value=category)
    if verdict != "allow" and category == NO_VIOLATION:
        raise InputError("a takedown needs a reason other than 'no violation'")
    category_text = policy.categories.get(category, "It does not break the rules.")
    targets = [item]
    if apply_to_cluster:
        targets += list(rt.items.items_by_ids(cluster_items(rt, item)).values())
    stored: list[DecisionInfo] = []
    at = utcnow()
    statement = ""
    for target in targets:
        previous = (
            rt.items.get_decision(target.latest_decision_id)
            if (target.latest_decision_id)
            else None
        )
        matches = previous.matches if previous else []
        text = statement_of_reasons(
            item=target,
            verdict=verdict,
            category_text=category_text,
            matched_bank=bool(matches),
            at=at,
        )
        if target.id == item.id:
            statement = text
        did = str(uuid.uuid4())
        public = public_decision(
            did,
            target,
            verdict,
            [category] if category != NO_VIOLATION else [],
            [category_text],
            matches,
            policy.version,
            "review",
            text,
        )
        new = NewDecision(
            id=did,
            source="review",
            verdict=Verdict(verdict),
            policy_version=policy.version,
            fired=[
                {
                    "rule_id": "human-review",
                    "category": category,
                    "outcomes": [{"outcome": verdict}],
                    "evidence": [note] if note else [],
                }
            ],
            reasons=[category_text],
            matches=matches,
            signals=previous.signals if previous else [],
            notes=[text] + ([f"cluster of item {item.id}"] if target.id != item.id else []),
            actions=[
                NewAction.of(WebhookAction("decision.updated", public), f"{did}:webhook"),
                *feedback_actions(
                    rt.banks,
                    rt.exchanges,
                    rt.exchange_registry,
                    matches=matches,
                    verdict=feedback_verdict(verdict),
                    key=did,
                ),
            ],
            decided_by=decided_by,
        )
        stored.append(rt.items.add_decision(item_id=target.id, decision=new))
        for task_id in desk.open_task_ids(target.id):
            desk.close(task_id)
    approval_id = None
    if add_to_bank:
        check_review_bank(rt, add_to_bank)  # refuse now, not at approval
        approval_id = desk.request_bank_add(
            item_id=item.id, bank=add_to_bank, requested_by=decided_by, reason=note or category
        ).id
    return DecisionOutcome(tuple(stored), approval_id, statement)


def escalate_item(
    rt: Runtime,
    desk: ReviewStore,
    *,
    item: ItemInfo,
    reason: str,
    decided_by: str,
    actor: str,
) -> child_safety.ItemEscalation:
    """A moderator's "escalate to child safety" decision on an item, whether or not a case
    found it: reports queued for each agency that applies, the item restricted, and its open
    review tasks closed (it is decided; the child-safety queue takes it from here)."""
    done = child_safety.escalate_item(
        rt.child_safety,
        rt.items,
        item,
        reason=reason,
        by=decided_by,
        actor=actor,
        policy_version=rt.policies.policy.version,
        platform_jurisdictions=rt.settings.platform_jurisdictions,
    )
    for task_id in desk.open_task_ids(item.id):
        desk.close(task_id)
    return done


def public_decision(
    did: str,
    item: ItemInfo,
    verdict: str,
    categories: Sequence[str],
    reasons: Sequence[str],
    matches: list[dict[str, Any]],
    version: str,
    source: str,
    statement: str,
) -> dict[str, Any]:
    """The decision as the platform's webhook carries it (a person's decision or an appeal's)."""
    return {
        "decision_id": did,
        "content_id": item.content_id,
        "verdict": verdict,
        "categories": list(categories),
        "reasons": list(reasons),
        "matches": matches,
        "policy_version": version,
        "source": source,
        "statement_of_reasons": statement,
    }
