"""Child safety: escalate a case or an item, prepare its reports to NCMEC and the UK's
National Crime Agency, record each filing.

18 U.S.C. §2258A(a)(1): a provider that obtains actual knowledge of apparent child sexual
abuse material reports it to NCMEC's CyberTipline "as soon as reasonably possible". Shieldwall
prepares the report with the fields §2258A(b) lists and NCMEC's reporting API asks for
(incident type and time, the people and accounts involved, where the content was, when it was
uploaded, its hashes) and queues it for a person: it never sends a report, and it never holds
or sends imagery (the person filing attaches files from the platform's own storage). The
queue's clock is an internal target of :data:`TARGET_HOURS` (the law sets no fixed hours).

A report is prepared from a victim's case (:func:`escalate`, from the portal's under-18
answer or a moderator on the case) or from one item a moderator escalates from the item
page (:func:`escalate_item`), which need belong to no case. Either way the escalated items are
restricted with an ``escalate_child_safety`` decision whose webhook carries the uploader's
DSA statement of reasons (protection of minors).

Filing (:func:`file_report`) records the agency's report id and the filing time, places a
legal hold on the case or the item until at least :data:`PRESERVE_DAYS` later (§2258A(h)(1)
as amended by the REPORT Act 2024: one year), and queues a ``preserve`` webhook for the
platform; :func:`check_release` refuses to release such a hold earlier.

The UK route works the same way. Online Safety Act 2023 s.66 requires a UK provider (and a
non-UK provider, for UK-linked content) to report detected and unreported CSEA content to the
NCA; s.67 and the Online Safety (CSEA Content Reporting by Regulated User-to-User Service
Providers) Regulations 2026 (SI 2026/268) set the report's contents (Schedule 1: the content,
the user, the declaration), its manner (the NCA's portal or API), its time frame (reg. 18) and
retention (regs. 19-20). Shieldwall prepares an NCA report from the same facts and queues it;
a person files it through the NCA's portal and records the NCA's reference. Which agencies a
report goes to follows the regimes that apply (:func:`agencies_for`): the UK (where the
platform operates, the requester lives, or, for an item, the platform says the item is) adds
the NCA; the US, or no known country, NCMEC.

The text of regs. 14 and 18-20 of SI 2026/268 could not be read here (the copies searched held
the instrument's opening and its table of contents only), so the NCA queue keeps the same
internal target and NCA filings the same one-year hold: neither is the regulation's figure,
and :data:`AGENCIES` says so where the queue shows each clock.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shieldwall.actions import WebhookAction
from shieldwall.errors import DuplicateDecisionError, InputError, LegalHoldError, NotFoundError
from shieldwall.policy.legal_clocks import countries
from shieldwall.store.case_targets import TargetInfo
from shieldwall.store.cases import CaseInfo
from shieldwall.store.child_safety import ChildSafetyReportInfo, ChildSafetyStore, ReportDraft
from shieldwall.store.items import ItemStore
from shieldwall.store.models import utcnow
from shieldwall.store.service_records import ItemInfo, NewAction, NewDecision
from shieldwall.types import Verdict

TARGET_HOURS = 24
"""Internal target for filing a prepared report; the law says "as soon as reasonably possible"
(NCMEC), and the NCA's time frames (SI 2026/268 reg. 18) were not read here."""
PRESERVE_DAYS = 365
"""§2258A(h)(1) as amended by the REPORT Act 2024: preserve for one year after the report."""
INCIDENT_TYPE = "Child Pornography (possession, manufacture, and distribution)"
_REPORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,99}$")
NCMEC = "ncmec"
NCA = "nca"


@dataclass(frozen=True, slots=True)
class Agency:
    """Where a child-safety report goes, and the law that says so."""

    key: str
    name: str
    country: str
    legal_basis: str
    preserve_basis: str
    clock_basis: str
    """Where the queue's clock for this agency comes from, as the queue shows it."""


AGENCIES: dict[str, Agency] = {
    NCMEC: Agency(
        NCMEC,
        "NCMEC CyberTipline",
        "US",
        "18 U.S.C. §2258A(a)(1), (b)",
        "18 U.S.C. §2258A(h) (REPORT Act 2024: one year)",
        f'§2258A(a)(1) says "as soon as reasonably possible"; {TARGET_HOURS} h is an internal '
        "target",
    ),
    NCA: Agency(
        NCA,
        "UK National Crime Agency",
        "GB",
        "Online Safety Act 2023 s.66; SI 2026/268 Schedule 1",
        "Online Safety Act 2023 s.67(3); SI 2026/268 regs. 19-20 (not read here: the one-year "
        "hold is 18 U.S.C. §2258A(h)'s)",
        f"SI 2026/268 reg. 18 sets the time frames (not read here); {TARGET_HOURS} h is an "
        "internal target",
    ),
}


def agencies_for(platform_jurisdictions: Sequence[str], requester: str | None) -> list[str]:
    """The agencies a case is reported to: NCMEC for the US, the NCA for the UK (NCMEC when
    neither applies: it takes reports from anywhere and forwards them)."""
    applies = countries(platform_jurisdictions, requester)
    found = [a.key for a in AGENCIES.values() if a.country in applies]
    return found or [NCMEC]


def _fields(
    agency: str,
    summary: dict[str, Any],
    *,
    items: Sequence[ItemInfo],
    locations: Sequence[str],
    hashes: Sequence[dict[str, str]],
) -> dict[str, Any]:
    """A report for ``agency``: the summary, the people, places and content involved."""
    to = AGENCIES[agency]
    fields = {
        "agency": to.key,
        "agency_name": to.name,
        "prepared_by": f"Shieldwall (not sent: a person files it with the {to.name})",
        "legal_basis": to.legal_basis,
        "incident_summary": {"incident_type": INCIDENT_TYPE, **summary},
        "reported_people": sorted({i.uploader_id for i in items if i.uploader_id}),
        "reported_locations": list(dict.fromkeys(loc for loc in locations if loc)),
        "content": [
            {
                "content_id": i.content_id,
                "uploaded_at": i.created_at.isoformat(),
                "url": i.url,
                "uploader_id": i.uploader_id,
                "md5": i.md5,
                "sha256": i.sha256,
                "pdq": i.pdq,
            }
            for i in items
        ],
        "hashes_from_requester": list(hashes),
        "files_attached": False,
        "note": "Shieldwall holds no media. Attach the files from the platform's storage when "
        "filing; Shieldwall never sends this report or any imagery anywhere.",
    }
    if agency == NCA:
        # Schedule 1 asks for the submitting person and a declaration: only they can give them.
        fields["to_complete_when_filing"] = [
            "the authorised person submitting the report (Schedule 1 para. 1)",
            "user details the platform holds: IP addresses, account data (paras. 4-6)",
            "the declaration that all reasonably available information is included (para. 7)",
            "the priority assessment (reg. 14)",
        ]
    return fields


def report_fields(
    case: CaseInfo,
    targets: Sequence[TargetInfo],
    items: Sequence[ItemInfo],
    agency: str = NCMEC,
) -> dict[str, Any]:
    """The report for ``agency`` as prepared from the case (§2258A(b); for the NCA, SI
    2026/268 Schedule 1); no imagery, and none of the requester's contact details (the person
    filing adds them only with consent)."""
    return _fields(
        agency,
        {
            "incident_date_time": case.received_at.isoformat(),
            "reported_by_depicted_person": case.details.get("relationship") == "self",
            "depicted_person_under_18_per_requester": case.details.get("under_18") == "yes",
            "case_number": case.case_number,
        },
        items=items,
        # The places the requester gave, also before approval made them targets.
        locations=[t.location for t in targets if t.location]
        + [str(x) for x in case.details.get("locations") or []],
        hashes=[{"type": h.signal_type, "value": h.value} for h in case.hashes],
    )


def item_report_fields(item: ItemInfo, agency: str = NCMEC) -> dict[str, Any]:
    """The report for ``agency`` as prepared from one item a moderator escalated: the item,
    its uploader and where it was; no imagery."""
    return _fields(
        agency,
        {
            "incident_date_time": item.created_at.isoformat(),
            "reported_by_depicted_person": False,
            "escalated_by_moderator": True,
            "content_id": item.content_id,
        },
        items=[item],
        locations=[item.url or ""],
        hashes=[],
    )


def escalate(
    store: ChildSafetyStore,
    case: CaseInfo,
    *,
    targets: Sequence[TargetInfo],
    items: Sequence[ItemInfo],
    reason: str,
    by: str,
    actor: str,
    platform_jurisdictions: Sequence[str] = (),
) -> list[ChildSafetyReportInfo]:
    """Route ``case`` to child-safety review with a report queued for filing with each agency
    that applies (:func:`agencies_for`)."""
    now = utcnow()
    return [
        store.prepare(
            case.id,
            _draft(agency, report_fields(case, targets, items, agency), reason, by, actor, now),
        )
        for agency in agencies_for(platform_jurisdictions, case.jurisdiction)
    ]


def _draft(
    agency: str, fields: dict[str, Any], reason: str, by: str, actor: str, now: datetime
) -> ReportDraft:
    """The report for ``agency``, its reason, who prepared it, and its clock."""
    return ReportDraft(
        agency=agency,
        fields=fields,
        reason=(reason.strip() or "escalated to child safety")[:2000],
        prepared_by=by,
        actor=actor,
        at=now,
        due_at=now + timedelta(hours=TARGET_HOURS),
    )


@dataclass(frozen=True, slots=True)
class ItemEscalation:
    """What escalating an item did: its reports (one per agency), how many of them are new,
    and the restricting decision written now (None: an earlier escalation wrote it)."""

    reports: tuple[ChildSafetyReportInfo, ...]
    new_reports: int
    decision_id: str | None


def escalate_item(
    store: ChildSafetyStore,
    items: ItemStore,
    item: ItemInfo,
    *,
    reason: str,
    by: str,
    actor: str,
    policy_version: str,
    platform_jurisdictions: Sequence[str] = (),
) -> ItemEscalation:
    """A moderator escalates ``item`` (in a case or not) to child safety: a report is queued
    for each agency that applies (the platform's countries and those the platform gave for the
    item: s.66(2) covers UK-linked content), and the item is restricted with an
    ``escalate_child_safety`` decision. Escalating the same item again prepares nothing new
    and decides nothing new."""
    reason = reason.strip() or "escalated to child safety by a moderator"
    now = utcnow()
    prepared = [
        store.prepare_for_item(
            item.id, _draft(agency, item_report_fields(item, agency), reason, by, actor, now)
        )
        for agency in agencies_for([*platform_jurisdictions, *item.jurisdictions], None)
    ]
    decision_id = _restrict(
        items,
        item,
        # Row ids come back on SQLite once an item is purged: the key names this item's row.
        key=f"item:{item.id}:{item.content_id}:{item.created_at.isoformat()}",
        source="review",
        evidence=f"escalated to child safety by {by}: {reason[:500]}",
        policy_version=policy_version,
        decided_by=by,
    )
    return ItemEscalation(
        tuple(r for r, _ in prepared), sum(1 for _, new in prepared if new), decision_id
    )


ESCALATION = Verdict.ESCALATE_CHILD_SAFETY
_NAMESPACE = uuid.UUID("0b7f6c52-8d0e-4d5e-9a3f-1c2d3e4f5a6b")


def restrict_escalated_items(
    items: ItemStore,
    case: CaseInfo,
    found: Sequence[ItemInfo],
    *,
    policy_version: str,
    decided_by: str,
) -> int:
    """An ``escalate_child_safety`` decision on each item the case found: access is disabled
    while the report is prepared, and the platform's ``decision.updated`` webhook carries the
    uploader's statement of reasons (DSA Art. 17, category protection of minors; attached by
    the worker). Decision ids derive from case and item, so escalating twice decides once.
    Returns how many decisions were written."""
    return sum(
        _restrict(
            items,
            item,
            key=f"case:{case.id}:item:{item.id}",
            source="case",
            evidence=f"case {case.case_number} escalated to child safety",
            policy_version=policy_version,
            decided_by=decided_by,
        )
        is not None
        for item in found
    )


def _restrict(
    items: ItemStore,
    item: ItemInfo,
    *,
    key: str,
    source: str,
    evidence: str,
    policy_version: str,
    decided_by: str,
) -> str | None:
    """The ``escalate_child_safety`` decision on ``item``, once per ``key`` (its id derives
    from it); ``source`` is what the statement of reasons reads (``case``: after a notice).
    Returns its id when it was written now."""
    did = str(uuid.uuid5(_NAMESPACE, key))
    try:
        items.get_decision(did)
        return None
    except NotFoundError:
        pass
    reason = "Escalated to child-safety review: the person shown may be under 18."
    public = {
        "decision_id": did,
        "content_id": item.content_id,
        "verdict": ESCALATION,
        "categories": ["child_safety"],
        "reasons": [reason],
        "matches": [],
        "policy_version": policy_version,
        "source": source,
    }
    try:
        items.add_decision(
            item_id=item.id,
            decision=NewDecision(
                id=did,
                source=source,
                verdict=ESCALATION,
                policy_version=policy_version,
                fired=[
                    {
                        "rule_id": "child-safety-escalation",
                        "category": "child_safety",
                        "outcomes": [{"outcome": ESCALATION}],
                        "evidence": [evidence],
                    }
                ],
                reasons=[reason],
                matches=[],
                signals=[],
                notes=[reason],
                actions=[
                    NewAction.of(
                        WebhookAction(event="decision.updated", decision=public),
                        f"{did}:webhook",
                    )
                ],
                decided_by=decided_by,
            ),
        )
    except DuplicateDecisionError:  # another moderator escalated it at the same moment
        return None
    return did


def file_report(
    store: ChildSafetyStore,
    report: ChildSafetyReportInfo,
    *,
    report_id: str,
    by: str,
    actor: str,
) -> ChildSafetyReportInfo:
    """A person filed ``report`` with its agency and got ``report_id``: hold and preserve a
    year (the case, or the item of a report on an item alone)."""
    to = AGENCIES.get(report.agency, AGENCIES[NCMEC])
    report_id = report_id.strip()
    if not _REPORT_ID.match(report_id):
        raise InputError(f"give the report id the {to.name} returned (letters, digits and dashes)")
    now = utcnow()
    hold_until = now + timedelta(days=PRESERVE_DAYS)
    subject = {"case": report.case_number} if report.case_id is not None else {}
    return store.file(
        report.id,
        report_id=report_id,
        filed_by=by,
        actor=actor,
        hold_until=hold_until,
        preserve={
            "event": "preserve",
            **subject,
            "agency": to.key,
            "content_ids": report.content_ids,
            "legal_basis": to.preserve_basis,
        },
        hold_reason=f"{to.preserve_basis}: {to.name} report {report_id} filed; "
        f"preserve until {hold_until:%Y-%m-%d}",
        now=now,
    )


def check_release(
    store: ChildSafetyStore,
    case_id: int | None = None,
    *,
    item_id: int | None = None,
    now: datetime | None = None,
) -> None:
    """Refuse to release a hold (on a case, or on an item alone) that a filed child-safety
    report still requires."""
    until = store.hold_until(case_id, item_id=item_id)
    if until is not None and (now or utcnow()) < until:
        raise LegalHoldError(
            f"a filed child-safety report requires this hold until {until:%d %B %Y} "
            "(18 U.S.C. §2258A(h))",
            value=case_id if case_id is not None else item_id,
        )
