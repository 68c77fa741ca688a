"""What the pages do: human decisions, statements of reasons, four-eyes bank additions,
appeals, and victims' cases from approval to retro-hunt.

Each function takes the :class:`Runtime` and the web stores it needs, so a page
handler is only parsing a form and rendering the answer. Decisions are written with
``ItemStore.add_decision`` (decision and outbox rows in one transaction), so a crash
can delay the platform's webhook but never lose it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shieldwall.casework import HUNT_DONE, HUNT_HELD
from shieldwall.errors import ConflictError, FourEyesError, InputError, NotFoundError
from shieldwall.pipeline import case_actions, child_safety
from shieldwall.pipeline.banking import add_to_bank, release_from_bank
from shieldwall.pipeline.exchange_feedback import feedback_actions, feedback_verdict
from shieldwall.pipeline.records import (
    AppealInfo,
    CaseInfo,
    CaseStore,
    DecisionInfo,
    ItemInfo,
    NewAction,
    NewDecision,
    ReviewDeskStore,
    ReviewStore,
    utcnow,
)
from shieldwall.policy.reason_kinds import IMAGE, TEXT, categories_for
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, EntryId, NewEntry, Provenance, SignalType

DEADLINE_HOURS: dict[str, float] = {"GB": 48, "UK": 48, "US": 48, "AU": 24}
"""Legal clocks by jurisdiction: 48 h under the UK Online Safety Act guidance and the US
TAKE IT DOWN Act, 24 h for an Australian eSafety removal notice. (Proposed setting.)"""
DEFAULT_DEADLINE_HOURS = 48.0
CLUSTER_DISTANCE = 31
"""PDQ distance within which items count as one cluster (the default match threshold)."""
VICTIM_BANK = "victim-requests"
REVIEW_VERDICTS = ("remove", "block", "hold", "allow")
NO_VIOLATION = "no_violation"
TAKEDOWN_VERDICTS = ("remove", "block")

_VERDICT_WORDS = {
    "remove": "removed",
    "block": "blocked",
    "hold": "put on hold while we check it further",
    "allow": "left up",
}


class NothingToAppealError(ConflictError):
    code = "nothing_to_appeal"


def deadline_hours(jurisdictions: Iterable[str]) -> float:
    """The shortest legal clock among ``jurisdictions`` (the default when none apply)."""
    hours = [DEADLINE_HOURS[j.upper()] for j in jurisdictions if j.upper() in DEADLINE_HOURS]
    return min(hours) if hours else DEFAULT_DEADLINE_HOURS


def effective_deadline(
    due_at: datetime | None, created_at: datetime, jurisdictions: Iterable[str]
) -> datetime:
    """The deadline that applies: the task's own, or the legal clock if that is sooner."""
    legal = created_at + timedelta(hours=deadline_hours(jurisdictions))
    return legal if due_at is None else min(due_at, legal)


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
    desk: ReviewDeskStore,
    reviews: ReviewStore,
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
        public = _public(
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
            verdict=verdict,
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
                NewAction(
                    "webhook", {"event": "decision.updated", "decision": public}, f"{did}:webhook"
                ),
                *feedback_actions(
                    rt.store,
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
            reviews.close(task_id)
    approval_id = None
    if add_to_bank:
        check_review_bank(rt, add_to_bank)  # refuse now, not at approval
        approval_id = desk.request_bank_add(
            item_id=item.id, bank=add_to_bank, requested_by=decided_by, reason=note or category
        ).id
    return DecisionOutcome(tuple(stored), approval_id, statement)


def escalate_item(
    rt: Runtime,
    desk: ReviewDeskStore,
    reviews: ReviewStore,
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
        reviews.close(task_id)
    return done


REVIEW_BANK_PURPOSES = (BankPurpose.VICTIM, BankPurpose.INTERNAL)
"""Banks a moderator may add an item to: a forged form naming a negative (allow-list) or
partner bank, or one that does not exist, is refused."""


def check_review_bank(rt: Runtime, name: str) -> None:
    bank = rt.store.get_bank(name=name)  # BankNotFoundError for a name that is not a bank
    if bank.purpose not in REVIEW_BANK_PURPOSES:
        raise InputError("choose a victim or internal bank from the list", value=name)


def approve_bank_addition(
    rt: Runtime, desk: ReviewDeskStore, *, approval_id: int, decided_by: str, approve: bool
) -> int:
    """The second pair of eyes. On approval the item's hashes enter the bank and every copy
    already seen is hunted; returns how many items the hunt decided on."""
    approval = desk.decide_approval(approval_id, decided_by=decided_by, approve=approve)
    if approval.status != "approved" or approval.decided_by != decided_by:
        return 0
    item = desk.item(approval.item_id)
    if item is None:
        return 0
    provenance = Provenance(
        source=f"review:{approval.requested_by}+{decided_by}",
        external_id=item.content_id,
        submitted_at=utcnow(),
    )
    entries = [
        NewEntry(signal_type=kind, value=value, provenance=provenance)
        for kind, value in (
            (SignalType.PDQ, item.pdq),
            (SignalType.MD5, item.md5),
            (SignalType.SHA256, item.sha256),
        )
        if value
    ]
    done = add_to_bank(
        rt.banking,
        bank=approval.bank,
        entries=entries,
        hunt_unchanged=True,
        holder=f"review:{approval.id}",
    )
    return 0 if done.hunt is None else done.hunt.items_hit


def file_appeal(rt: Runtime, desk: ReviewDeskStore, *, content_id: str, reason: str) -> AppealInfo:
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
    desk: ReviewDeskStore,
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
        public = _public(
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
                verdict="allow",
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
                    NewAction(
                        "webhook", {"event": "restore", "decision": public}, f"{did}:restore"
                    ),
                    # The takedown was wrong: exchanges whose hashes it rested on hear so.
                    *feedback_actions(
                        rt.store,
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


@dataclass(frozen=True, slots=True)
class MatchPreview:
    """What a request's hashes would hit among items already seen, shown before approval."""

    items: tuple[ItemInfo, ...]
    """The closest hits, at most ``PREVIEW_ITEMS`` of them."""
    total: int
    uploaders: tuple[tuple[str, int], ...]
    """Uploaders of the hits with how many each, most first (``""`` for unknown)."""
    distances: dict[int, int]


PREVIEW_ITEMS = 24


def case_match_preview(rt: Runtime, case: CaseInfo) -> MatchPreview:
    """The stored items a case's hashes (pending or approved) hit at the victim bank's
    threshold, so the reviewer sees what approving would take down before approving."""
    threshold = next(
        (b.threshold for b in rt.store.list_banks() if b.name == VICTIM_BANK),
        rt.settings.pdq_threshold,
    )
    live = [h for h in case.hashes if h.status in ("pending", "approved")]
    found = rt.retro_hunter.preview(
        pdqs=[(h.value, [v for _, v in h.variants]) for h in live if h.signal_type == "pdq"],
        md5s=[h.value for h in live if h.signal_type == "md5"],
        sha256s=[h.value for h in live if h.signal_type == "sha256"],
        threshold=threshold,
    )
    every = rt.items.items_by_ids(list(found.item_ids))
    counts: dict[str, int] = {}
    for item in every.values():
        counts[item.uploader_id or ""] = counts.get(item.uploader_id or "", 0) + 1
    shown = tuple(every[i] for i in found.item_ids[:PREVIEW_ITEMS] if i in every)
    return MatchPreview(
        items=shown,
        total=len(every),
        uploaders=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        distances=found.distances,
    )


def approve_case(
    rt: Runtime,
    cases: CaseStore,
    *,
    case_id: int,
    reviewed_by: str,
    automatic_removal: bool | None = None,
) -> CaseInfo:
    """A moderator approves a victim's request: its hashes (each photo's PDQ with the region
    hashes the browser made of it) enter the victim bank under the case's claim, so every
    future upload of them is caught at once.

    Copies already published are hunted and actioned through the policy only when
    ``victim_removal_approval`` is ``automatic``; otherwise their removal is held until a
    second, different moderator confirms it (:func:`confirm_case_removal`): one click on
    anonymous hashes must not take down what they happen to match."""
    case = cases.get(case_id)
    # A request whose legal clock runs can be acted on even if the form still lacks fields
    # that no law requires (TAKE IT DOWN Act §3: other fields never decide validity).
    started = bool(rt.case_clocks.for_cases([case.id]).get(case.id))
    if case.status not in ("under_review", case_actions.ACTIONING, "actioned") and not (
        case.status == "incomplete" and started
    ):
        raise InputError("only a complete, open request can be approved", value=case.status)
    ensure_victim_bank(rt)
    pending = [h for h in case.hashes if h.status == "pending"]
    provenance = Provenance(
        source="victim-portal", case_id=case.case_number, submitted_at=case.valid_at
    )
    done = add_to_bank(
        rt.banking,
        bank=VICTIM_BANK,
        entries=[
            NewEntry(
                signal_type=SignalType(h.signal_type),
                value=h.value,
                provenance=provenance,
                category="ncii_known_match",
                # The photo's region hashes from the browser: cropped copies match too.
                variants=h.variants if h.signal_type == SignalType.PDQ else (),
            )
            for h in pending
        ],
        # Hunted below, once the removal of published copies is approved.
        retro_hunt=False,
        holder=case_holder(case),
    )
    case = cases.approve_hashes(
        case_id,
        entry_ids={h.id: int(e) for h, e in zip(pending, done.entry_ids, strict=True)},
        reviewed_by=reviewed_by,
    )
    if automatic_removal is None:
        automatic_removal = rt.settings.victim_removal_approval == "automatic"
    if not automatic_removal and case.hunt_state != HUNT_DONE:
        return cases.set_hunt(case_id, state=HUNT_HELD)
    return _hunt_case(rt, cases, case, approved_by="policy:automatic")


def confirm_case_removal(
    rt: Runtime, cases: CaseStore, *, case_id: int, confirmed_by: str
) -> CaseInfo:
    """The second pair of eyes on an approved request: copies already published are hunted
    and actioned. The moderator who approved the hashes cannot confirm their own approval."""
    case = cases.get(case_id)
    if case.hunt_state != HUNT_HELD:
        raise InputError("no removal is waiting for confirmation on this request")
    if case.reviewed_by == confirmed_by:
        raise FourEyesError(
            "a second moderator must confirm the removal: you approved this request yourself"
        )
    return _hunt_case(rt, cases, case, approved_by=confirmed_by)


def _hunt_case(rt: Runtime, cases: CaseStore, case: CaseInfo, *, approved_by: str) -> CaseInfo:
    entry_ids = [
        EntryId(h.entry_id)
        for h in case.hashes
        if h.status == "approved" and h.entry_id is not None
    ]
    # Near-copies the policy sends to people inherit the case's deadline (its soonest clock).
    report = rt.retro_hunter.hunt(entry_ids, review_due_at=case_deadline(rt, case))
    cases.set_hunt(case.id, state=HUNT_DONE, approved_by=approved_by)
    # Every copy taken down and every reported link or username becomes an owed action; the
    # case is "actioned" only once the platform has confirmed each (pipeline/case_actions.py).
    case_actions.act_on_case(
        rt.case_targets,
        rt.items,
        rt.outbox,
        policy=rt.policies.policy,
        case=case,
        hunted=report.decisions,
        reviewed_by=approved_by,
    )
    return cases.get(case.id)


def case_deadline(rt: Runtime, case: CaseInfo) -> datetime | None:
    """The case's soonest legal deadline: its earliest running clock, else its own due time."""
    clocks = rt.case_clocks.for_cases([case.id]).get(case.id, [])
    dues = [c.due_at for c in clocks] + ([case.due_at] if case.due_at else [])
    return min(dues) if dues else None


def case_holder(case: CaseInfo) -> str:
    """The name under which a case holds its bank entries (``store/holders.py``)."""
    return f"case:{case.case_number}"


def withdraw_case(rt: Runtime, cases: CaseStore, case: CaseInfo) -> CaseInfo:
    """The requester withdrew: the case's claim on its entries is taken back at once.

    An entry leaves matching only if no one else holds it: when another case (or a
    partner's list, or a moderator's addition) holds the same hash, that protection
    stays. The audit trail's ``bank.claim_released`` says which case let go of what."""
    approved = [h.entry_id for h in case.hashes if h.status == "approved" and h.entry_id]
    if approved:
        release_from_bank(
            rt.banking,
            entry_ids=approved,
            holder=case_holder(case),
            actor=f"requester:{case.case_number}",
        )
    return cases.withdraw(case.id)


def ensure_victim_bank(rt: Runtime) -> None:
    if not any(b.name == VICTIM_BANK for b in rt.store.list_banks()):
        with contextlib.suppress(ConflictError):  # created meanwhile by another request
            rt.store.create_bank(
                name=VICTIM_BANK,
                purpose=BankPurpose.VICTIM,
                description="Hashes from victims' requests, approved by a moderator.",
            )


def _public(
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
