"""Victims' cases, from a moderator's approval to the retro-hunt and the requester's withdrawal.

A victim's request carries hashes made in their browser. Approving it is the moment those
hashes start taking content down, so the steps live here, in one place, whichever shell
asks: :func:`case_match_preview` shows what approving would hit, :func:`approve_case`
banks the hashes under the case's claim, :func:`confirm_case_removal` is the second pair
of eyes before copies already published are hunted, and :func:`withdraw_case` takes the
claim back. The pure rules (statuses, four eyes, legal clocks) are in the core module
:mod:`shieldwall.casework`; this module composes them with the stores and the hunter.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from shieldwall.casework import HUNT_DONE, HUNT_HELD
from shieldwall.errors import ConflictError, FourEyesError, InputError
from shieldwall.pipeline import case_actions
from shieldwall.pipeline.banking import add_to_bank, release_from_bank
from shieldwall.pipeline.records import CaseInfo, CaseStore, ItemInfo
from shieldwall.types import BankPurpose, EntryId, HashKind, NewEntry, Provenance

if TYPE_CHECKING:  # the composition root sits above this ring; only its type is named
    from shieldwall.runtime import Runtime

VICTIM_BANK = "victim-requests"
"""The bank every approved request's hashes enter (created on first approval)."""
PREVIEW_ITEMS = 24


@dataclass(frozen=True, slots=True)
class MatchPreview:
    """What a request's hashes would hit among items already seen, shown before approval."""

    items: tuple[ItemInfo, ...]
    """The closest hits, at most ``PREVIEW_ITEMS`` of them."""
    total: int
    uploaders: tuple[tuple[str, int], ...]
    """Uploaders of the hits with how many each, most first (``""`` for unknown)."""
    distances: dict[int, int]


def case_match_preview(rt: Runtime, case: CaseInfo) -> MatchPreview:
    """The stored items a case's hashes (pending or approved) hit at the victim bank's
    threshold, so the reviewer sees what approving would take down before approving."""
    threshold = next(
        (b.threshold for b in rt.banks.list_banks() if b.name == VICTIM_BANK),
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
                signal_type=HashKind(h.signal_type),
                value=h.value,
                provenance=provenance,
                category="ncii_known_match",
                # The photo's region hashes from the browser: cropped copies match too.
                variants=h.variants if h.signal_type == HashKind.PDQ else (),
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
    """Create the victim bank on first use (a second request racing to create it is fine)."""
    if not any(b.name == VICTIM_BANK for b in rt.banks.list_banks()):
        with contextlib.suppress(ConflictError):  # created meanwhile by another request
            rt.banks.create_bank(
                name=VICTIM_BANK,
                purpose=BankPurpose.VICTIM,
                description="Hashes from victims' requests, approved by a moderator.",
            )
