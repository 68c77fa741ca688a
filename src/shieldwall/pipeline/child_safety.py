"""Child safety: escalate a case, prepare its CyberTipline report, record the filing.

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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from shieldwall.errors import InputError
from shieldwall.store.case_targets import TargetInfo
from shieldwall.store.cases import CaseInfo, LegalHoldError
from shieldwall.store.child_safety import ChildSafetyReportInfo, ChildSafetyStore
from shieldwall.store.models import utcnow
from shieldwall.store.service_records import ItemInfo

TARGET_HOURS = 24
"""Internal target for filing a prepared report; the law says "as soon as reasonably possible"."""
PRESERVE_DAYS = 365
"""§2258A(h)(1) as amended by the REPORT Act 2024: preserve for one year after the report."""
INCIDENT_TYPE = "Child Pornography (possession, manufacture, and distribution)"
_REPORT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,99}$")


def report_fields(
    case: CaseInfo, targets: Sequence[TargetInfo], items: Sequence[ItemInfo]
) -> dict[str, Any]:
    """The CyberTipline report as prepared from the case (§2258A(b)); no imagery, and none of
    the requester's contact details (the person filing adds them only with consent)."""
    return {
        "prepared_by": "Shieldwall (not sent: a person files it with NCMEC)",
        "legal_basis": "18 U.S.C. §2258A(a)(1), (b)",
        "incident_summary": {
            "incident_type": INCIDENT_TYPE,
            "incident_date_time": case.received_at.isoformat(),
            "reported_by_depicted_person": case.details.get("relationship") == "self",
            "depicted_person_under_18_per_requester": case.details.get("under_18") == "yes",
            "case_number": case.case_number,
        },
        "reported_people": sorted({i.uploader_id for i in items if i.uploader_id}),
        "reported_locations": [t.location for t in targets if t.location],
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


def escalate(
    store: ChildSafetyStore,
    case: CaseInfo,
    *,
    targets: Sequence[TargetInfo],
    items: Sequence[ItemInfo],
    reason: str,
    by: str,
    actor: str,
) -> ChildSafetyReportInfo:
    """Route ``case`` to child-safety review with a prepared report queued for filing."""
    reason = reason.strip() or "escalated to child safety"
    now = utcnow()
    return store.prepare(
        case.id,
        fields=report_fields(case, targets, items),
        reason=reason[:2000],
        prepared_by=by,
        actor=actor,
        due_at=now + timedelta(hours=TARGET_HOURS),
        now=now,
    )


def file_report(
    store: ChildSafetyStore,
    report: ChildSafetyReportInfo,
    *,
    report_id: str,
    by: str,
    actor: str,
) -> ChildSafetyReportInfo:
    """A person filed ``report`` with NCMEC and got ``report_id``: hold and preserve a year."""
    report_id = report_id.strip()
    if not _REPORT_ID.match(report_id):
        raise InputError("give the report id NCMEC returned (letters, digits and dashes)")
    now = utcnow()
    content = report.fields.get("content") or []
    return store.file(
        report.id,
        report_id=report_id,
        filed_by=by,
        actor=actor,
        hold_until=now + timedelta(days=PRESERVE_DAYS),
        preserve={
            "event": "preserve",
            "case": report.case_number,
            "content_ids": [c.get("content_id") for c in content if isinstance(c, dict)],
            "legal_basis": "18 U.S.C. §2258A(h) (REPORT Act 2024: one year)",
        },
        now=now,
    )


def check_release(store: ChildSafetyStore, case_id: int, *, now: datetime | None = None) -> None:
    """Refuse to release a hold that a filed CyberTipline report still requires."""
    until = store.hold_until(case_id)
    if until is not None and (now or utcnow()) < until:
        raise LegalHoldError(
            f"a filed CyberTipline report requires this hold until {until:%d %B %Y} "
            "(18 U.S.C. §2258A(h))",
            value=case_id,
        )
