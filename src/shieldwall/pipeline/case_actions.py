"""Act on every place a victim reported, and call a case done only when the platform says so.

After a moderator approves a request (``pipeline/casework.approve_case``: hashes banked, retro-hunt
run), :func:`act_on_case` turns the request into targets (``store/case_targets.py``):

- every copy the retro-hunt took down is a target whose action id is its decision's id;
- every reported link or content id is looked up among the items Shieldwall has seen (by
  URL and content id); each item found there gets a ``remove`` decision (with its webhook
  and the uploader's statement of reasons) unless the retro-hunt already took it down;
- a reported username, or a link no stored item carries, becomes a ``locate_and_remove``
  webhook: the platform looks for it and answers.

Usernames never remove an account's items wholesale: a requester could name an innocent
account, and a username says where to look, not what to remove. The platform receives
the username and decides item by item (the items Shieldwall has seen from that account are
counted in the webhook, so it knows where to start).

The platform answers each action (:func:`record_outcome`, ``POST /v1/actions/{id}/outcome``)
with removed, not_found, not_ours or kept (with a reason). The case becomes ``actioned`` only
when every target has an outcome; until then it waits as ``actioning``. Targets are written
before their decisions and webhooks, and every id is derived from the case and the place, so
running approval again after a crash finishes the work without doubling it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from shieldwall.actions import WebhookAction
from shieldwall.errors import InputError, NotFoundError
from shieldwall.policy.model import Policy
from shieldwall.store.case_targets import OUTCOMES, CaseTargetStore, NewTarget, TargetInfo
from shieldwall.store.cases import CaseInfo
from shieldwall.store.items import ItemStore
from shieldwall.store.outbox import OutboxStore
from shieldwall.store.service_records import DecisionInfo, ItemInfo, NewAction, NewDecision
from shieldwall.types import Verdict

ACTIONING = "actioning"
"""Approved; waiting for the platform to confirm each owed action."""
TAKEDOWN = ("remove", "block")
REMOVE_CATEGORY = "ncii_known_match"
MAX_REASON = 2000
_NAMESPACE = uuid.UUID("6f9b3c1e-3d1a-4c55-9a53-2b8f0c6a7d41")
_URL = re.compile(r"^(https?://|www\.)|^[\w-]+(\.[\w-]+)+/", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class CaseActions:
    targets: tuple[TargetInfo, ...]
    actioned: bool

    @property
    def open(self) -> int:
        return sum(1 for t in self.targets if not t.done)


def location_kind(location: str) -> str:
    """``url`` for a link (with or without scheme), ``username`` for anything else."""
    return "url" if _URL.search(location.strip()) else "username"


def url_forms(location: str) -> list[str]:
    """The spellings of one link that name the same page: as given, without a trailing
    slash, with and without ``https://`` (what platforms store varies; the path does not)."""
    text = location.strip()
    bare = re.sub(r"^https?://", "", text, flags=re.IGNORECASE).rstrip("/")
    forms = {text, text.rstrip("/"), bare, f"https://{bare}", f"http://{bare}"}
    forms |= {f + "/" for f in list(forms)}
    return sorted(f for f in forms if f)


def act_on_case(
    targets: CaseTargetStore,
    items: ItemStore,
    outbox: OutboxStore,
    *,
    policy: Policy,
    case: CaseInfo,
    hunted: Sequence[DecisionInfo],
    reviewed_by: str,
) -> CaseActions:
    """Owe an action for every place the approved ``case`` must be acted on (``hunted``: the
    retro-hunt's decisions for its hashes), send them, and settle the case's status."""
    actor = f"staff:{reviewed_by}"
    new: list[NewTarget] = []
    taken_down: set[int] = set()
    for d in hunted:
        if d.verdict in TAKEDOWN:
            taken_down.add(d.item_id)
            new.append(NewTarget(d.id, "copy", "", "remove", d.item_id, d.content_id))
    removals: list[tuple[str, ItemInfo]] = []
    locates: list[tuple[str, str, str, int]] = []
    for location in case.details.get("locations") or []:
        kind = location_kind(location)
        if kind == "url":
            found = targets.items_at(urls=url_forms(location), content_ids=[location.strip()])
        else:
            found = targets.items_at(content_ids=[location.strip()])
        if found:
            for item in found:
                if item.id in taken_down:
                    continue
                taken_down.add(item.id)
                aid = _action_id(case, f"item:{item.id}")
                new.append(NewTarget(aid, kind, location, "remove", item.id, item.content_id))
                removals.append((aid, item))
            continue
        aid = _action_id(case, f"locate:{location.strip()}")
        seen = (
            len(targets.items_at(uploaders=[location.strip().lstrip("@")]))
            if kind == "username"
            else 0
        )
        new.append(NewTarget(aid, kind, location, "locate_and_remove"))
        locates.append((aid, kind, location, seen))
    recorded = targets.add(case.id, new, actor=actor)
    for aid, item in removals:
        _remove(items, policy, aid, item, case=case, decided_by=reviewed_by)
    for aid, kind, location, seen in locates:
        locate = WebhookAction(
            event="case.locate_and_remove",
            extra={
                "action_id": aid,
                "case": case.case_number,
                "kind": kind,
                "location": location,
                "items_seen_from_account": seen,
                "due_at": case.due_at.isoformat() if case.due_at else None,
                "respond": f"/v1/actions/{aid}/outcome",
            },
        )
        outbox.enqueue(
            kind=locate.kind, idempotency_key=f"{aid}:locate", payload=locate.to_payload()
        )
    return _settle(targets, case.id, recorded, approving=True)


def record_outcome(
    targets: CaseTargetStore, *, action_id: str, outcome: str, reason: str, by: str
) -> TargetInfo:
    """The platform's answer for one owed action; settles the case when it was the last."""
    reason = reason.strip()
    if outcome not in OUTCOMES:
        raise InputError(f"outcome must be one of {', '.join(OUTCOMES)}", value=outcome)
    if outcome == "kept" and not reason:
        raise InputError("an item that was kept needs a reason the requester can read")
    if len(reason) > MAX_REASON:
        raise InputError(f"the reason is longer than {MAX_REASON} characters")
    target = targets.record_outcome(action_id, outcome=outcome, reason=reason, by=by)
    _settle(targets, target.case_id, targets.for_case(target.case_id), approving=False)
    return target


def _settle(
    targets: CaseTargetStore, case_id: int, recorded: list[TargetInfo], *, approving: bool
) -> CaseActions:
    removed = sum(1 for t in recorded if t.outcome == "removed")
    if all(t.done for t in recorded):
        targets.mark_actioned(
            case_id,
            from_statuses=("incomplete", "under_review", ACTIONING),
            removed=removed,
            reason="every owed action confirmed" if recorded else "nothing to act on",
        )
        return CaseActions(tuple(recorded), True)
    if approving:
        found = len({t.item_id for t in recorded if t.item_id is not None})
        targets.mark_awaiting(case_id, status=ACTIONING, found=found, removed=removed)
    return CaseActions(tuple(recorded), False)


def _remove(
    items: ItemStore,
    policy: Policy,
    aid: str,
    item: ItemInfo,
    *,
    case: CaseInfo,
    decided_by: str,
) -> None:
    """A ``remove`` decision on an item found at a reported place (id = the action id)."""
    try:
        items.get_decision(aid)
        return  # already written by an earlier run
    except NotFoundError:
        pass
    reason = policy.categories.get(REMOVE_CATEGORY, "Reported as shared without consent.")
    statement = (
        f"Your content {item.content_id} was removed. Why: {reason} The person shown reported "
        "where it was posted, and a person on our safety team reviewed the request. What you "
        "can do: if you think this is a mistake, you can appeal; someone who did not make this "
        "decision will look at it again."
    )
    public = {
        "decision_id": aid,
        "action_id": aid,
        "content_id": item.content_id,
        "verdict": "remove",
        "categories": [REMOVE_CATEGORY],
        "reasons": [reason],
        "matches": [],
        "policy_version": policy.version,
        "source": "case",
        "statement_of_reasons": statement,
    }
    items.add_decision(
        item_id=item.id,
        decision=NewDecision(
            id=aid,
            source="case",
            verdict=Verdict.REMOVE,
            policy_version=policy.version,
            fired=[
                {
                    "rule_id": "victim-request",
                    "category": REMOVE_CATEGORY,
                    "outcomes": [{"outcome": "remove"}],
                    "evidence": [f"reported location of case {case.case_number}"],
                }
            ],
            reasons=[reason],
            matches=[],
            signals=[],
            notes=[statement],
            actions=[
                NewAction.of(
                    WebhookAction(
                        event="decision.updated", decision=public, extra={"action_id": aid}
                    ),
                    f"{aid}:webhook",
                )
            ],
            decided_by=decided_by,
        ),
    )


def _action_id(case: CaseInfo, place: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"case:{case.id}:{place}"))
