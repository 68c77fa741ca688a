"""Child safety: escalate a case, prepare its reports to NCMEC and the UK's National Crime
Agency, record each filing.

18 U.S.C. §2258A(a)(1): a provider that obtains actual knowledge of apparent child sexual
abuse material reports it to NCMEC's CyberTipline "as soon as reasonably possible". Shieldwall
prepares the report from the case with the fields §2258A(b) lists and NCMEC's reporting API
asks for (incident type and time, the people and accounts involved, where the content was,
when it was uploaded, its hashes) and queues it for a person: it never sends a report, and it
never holds or sends imagery (the person filing attaches files from the platform's own storage).
The queue's clock is an internal target of :data:`TARGET_HOURS` (the law sets no fixed hours).

Filing (:func:`file_report`) records NCMEC's report id and the filing time, places a legal hold
on the case until at least :data:`PRESERVE_DAYS` later (§2258A(h)(1) as amended by the REPORT
Act 2024: one year), and queues a ``preserve`` webhook for the platform; :func:`check_release`
refuses to release such a hold earlier.

The UK route works the same way. Online Safety Act 2023 s.66 requires a UK provider (and a
non-UK provider, for UK-linked content) to report detected and unreported CSEA content to the
NCA; s.67 and the Online Safety (CSEA Content Reporting by Regulated User-to-User Service
Providers) Regulations 2026 (SI 2026/268) set the report's contents (Schedule 1: the content,
the user, the declaration), its manner (the NCA's portal or API), its time frame (reg. 18) and
retention (regs. 19-20). Shieldwall prepares an NCA report from the same facts and queues it;
a person files it through the NCA's portal and records the NCA's reference. Which agencies a
case goes to follows the regimes that apply (:func:`agencies_for`): the UK (where the platform
operates or the requester lives) adds the NCA; the US, or no known country, NCMEC. The NCA
queue uses the same internal target; reg. 18's time frames and reg. 19's retention periods
were not checked here against the regulations' text, so the one-year hold is applied to NCA
filings as well, as the longer of what is known.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shieldwall.errors import InputError, NotFoundError
from shieldwall.policy.legal_clocks import countries
from shieldwall.store.case_targets import TargetInfo
from shieldwall.store.cases import CaseInfo, LegalHoldError
from shieldwall.store.child_safety import ChildSafetyReportInfo, ChildSafetyStore
from shieldwall.store.items import ItemStore
from shieldwall.store.models import utcnow
from shieldwall.store.service_records import ItemInfo, NewAction, NewDecision

TARGET_HOURS = 24
"""Internal target for filing a prepared report; the law says "as soon as reasonably possible"."""
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


AGENCIES: dict[str, Agency] = {
    NCMEC: Agency(
        NCMEC,
        "NCMEC CyberTipline",
        "US",
        "18 U.S.C. §2258A(a)(1), (b)",
        "18 U.S.C. §2258A(h) (REPORT Act 2024: one year)",
    ),
    NCA: Agency(
        NCA,
        "UK National Crime Agency",
        "GB",
        "Online Safety Act 2023 s.66; SI 2026/268 Schedule 1",
        "Online Safety Act 2023 s.67(3); SI 2026/268 regs. 19-20",
    ),
}


def agencies_for(platform_jurisdictions: Sequence[str], requester: str | None) -> list[str]:
    """The agencies a case is reported to: NCMEC for the US, the NCA for the UK (NCMEC when
    neither applies: it takes reports from anywhere and forwards them)."""
    applies = countries(platform_jurisdictions, requester)
    found = [a.key for a in AGENCIES.values() if a.country in applies]
    return found or [NCMEC]


def report_fields(
    case: CaseInfo,
    targets: Sequence[TargetInfo],
    items: Sequence[ItemInfo],
    agency: str = NCMEC,
) -> dict[str, Any]:
    """The report for ``agency`` as prepared from the case (§2258A(b); for the NCA, SI
    2026/268 Schedule 1); no imagery, and none of the requester's contact details (the person
    filing adds them only with consent)."""
    to = AGENCIES[agency]
    fields = {
        "agency": to.key,
        "agency_name": to.name,
        "prepared_by": f"Shieldwall (not sent: a person files it with the {to.name})",
        "legal_basis": to.legal_basis,
        "incident_summary": {
            "incident_type": INCIDENT_TYPE,
            "incident_date_time": case.received_at.isoformat(),
            "reported_by_depicted_person": case.details.get("relationship") == "self",
            "depicted_person_under_18_per_requester": case.details.get("under_18") == "yes",
            "case_number": case.case_number,
        },
        "reported_people": sorted({i.uploader_id for i in items if i.uploader_id}),
        # The places the requester gave, also before approval made them targets.
        "reported_locations": list(
            dict.fromkeys(
                [t.location for t in targets if t.location]
                + [str(x) for x in case.details.get("locations") or []]
            )
        ),
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
        "hashes_from_requester": [{"type": h.signal_type, "value": h.value} for h in case.hashes],
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
    reason = reason.strip() or "escalated to child safety"
    now = utcnow()
    return [
        store.prepare(
            case.id,
            fields=report_fields(case, targets, items, agency),
            reason=reason[:2000],
            prepared_by=by,
            actor=actor,
            due_at=now + timedelta(hours=TARGET_HOURS),
            agency=agency,
            now=now,
        )
        for agency in agencies_for(platform_jurisdictions, case.jurisdiction)
    ]


ESCALATION = "escalate_child_safety"
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
    written = 0
    for item in found:
        did = str(uuid.uuid5(_NAMESPACE, f"case:{case.id}:item:{item.id}"))
        try:
            items.get_decision(did)
            continue
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
            "source": "case",
        }
        items.add_decision(
            item_id=item.id,
            decision=NewDecision(
                id=did,
                source="case",
                verdict=ESCALATION,
                policy_version=policy_version,
                fired=[
                    {
                        "rule_id": "child-safety-escalation",
                        "category": "child_safety",
                        "outcomes": [{"outcome": ESCALATION}],
                        "evidence": [f"case {case.case_number} escalated to child safety"],
                    }
                ],
                reasons=[reason],
                matches=[],
                signals=[],
                notes=[reason],
                actions=[
                    NewAction(
                        "webhook",
                        {"event": "decision.updated", "decision": public},
                        f"{did}:webhook",
                    )
                ],
                decided_by=decided_by,
            ),
        )
        written += 1
    return written


def file_report(
    store: ChildSafetyStore,
    report: ChildSafetyReportInfo,
    *,
    report_id: str,
    by: str,
    actor: str,
) -> ChildSafetyReportInfo:
    """A person filed ``report`` with its agency and got ``report_id``: hold and preserve a
    year."""
    to = AGENCIES.get(report.agency, AGENCIES[NCMEC])
    report_id = report_id.strip()
    if not _REPORT_ID.match(report_id):
        raise InputError(f"give the report id the {to.name} returned (letters, digits and dashes)")
    now = utcnow()
    hold_until = now + timedelta(days=PRESERVE_DAYS)
    content = report.fields.get("content") or []
    return store.file(
        report.id,
        report_id=report_id,
        filed_by=by,
        actor=actor,
        hold_until=hold_until,
        preserve={
            "event": "preserve",
            "case": report.case_number,
            "agency": to.key,
            "content_ids": [c.get("content_id") for c in content if isinstance(c, dict)],
            "legal_basis": to.preserve_basis,
        },
        hold_reason=f"{to.preserve_basis}: {to.name} report {report_id} filed; "
        f"preserve until {hold_until:%Y-%m-%d}",
        now=now,
    )


def check_release(store: ChildSafetyStore, case_id: int, *, now: datetime | None = None) -> None:
    """Refuse to release a hold that a filed CyberTipline report still requires."""
    until = store.hold_until(case_id)
    if until is not None and (now or utcnow()) < until:
        raise LegalHoldError(
            f"a filed child-safety report requires this hold until {until:%d %B %Y} "
            "(18 U.S.C. §2258A(h))",
            value=case_id,
        )
