"""Close a victim's request without removal: only with a reason code, and always with a
notice to the reporter saying why and how to complain.

UK Online Safety Act 2023 s.10(3B) (inserted by the Crime and Policing Act 2026): the 48-hour
take-down duty of s.10(3A) does not apply if the provider considers that (a) the content is
not intimate image content, or (b) the person making the report is neither the subject of the
content nor acting on their behalf. Those two exceptions are reason codes here, with the
subsection they rest on. The statute text found does not itself prescribe a notice to the
reporter; Shieldwall sends one anyway, because the platform's complaints procedure (OSA s.21)
must be open to them and the EU DSA Art. 16(5) requires telling a notifier the decision and
the redress available. Other closing reasons carry no statutory exception and say so.

The notice is stored with the case (shown on the reporter's status page) and sent to the
platform as a ``case.reporter_notice`` webhook (with the reporter's contact address, so the
platform can deliver it by its own channel), in one transaction with the closing and its
audit events (``case.closed`` with the reason code, ``case.notice_sent``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shieldwall.errors import InputError
from shieldwall.store.case_notices import CaseNoticeInfo, CaseNoticeStore
from shieldwall.store.cases import CaseInfo
from shieldwall.store.models import utcnow

MAX_NOTE = 2000


@dataclass(frozen=True, slots=True)
class CloseReason:
    """Why a request may be closed without removal."""

    code: str
    label: str
    """What the moderator reads in the list."""
    for_reporter: str
    """The reason as the reporter reads it in the notice."""
    legal_basis: str
    """The provision that lifts the duty to remove ("" when none does)."""


CLOSE_REASONS: tuple[CloseReason, ...] = (
    CloseReason(
        "not_intimate_image",
        "Not intimate image content (UK OSA s.10(3B)(a))",
        "we consider that the content you reported is not intimate image content",
        "Online Safety Act 2023 s.10(3B)(a)",
    ),
    CloseReason(
        "reporter_not_subject",
        "Reporter is not the person shown, nor acting for them (UK OSA s.10(3B)(b))",
        "we consider that the report was not made by the person shown, or by someone acting "
        "on their behalf",
        "Online Safety Act 2023 s.10(3B)(b)",
    ),
    CloseReason(
        "content_not_found",
        "Nothing found at the places given, and no photo to match",
        "we could not find the content at the places you gave, and had no photo to match it by",
        "",
    ),
    CloseReason(
        "duplicate",
        "Duplicate of another open request",
        "this request repeats another request of yours that we are already handling",
        "",
    ),
)
REASONS_BY_CODE = {r.code: r for r in CLOSE_REASONS}


def complaint_route(setting: str, case_number: str) -> str:
    """Where the reporter complains: the configured route, or the platform's support team."""
    where = setting.strip() or "the platform's support team"
    return f"{where}, quoting your case number {case_number}"


def notice_text(case: CaseInfo, reason: CloseReason, *, route: str, at: datetime) -> str:
    """The notice the reporter reads (status page and the platform's delivery)."""
    lines = [
        f"We closed your request {case.case_number} on {at:%d %B %Y at %H:%M} UTC without "
        "removing the content.",
        f"Why: {reason.for_reporter}.",
    ]
    if reason.legal_basis:
        lines.append(f"The law that allows this: {reason.legal_basis}.")
    lines.append(
        f"If you disagree, you can complain: contact {route}. Someone who did not make this "
        "decision will look at it again. You can also send a new request with more "
        "information, or go to court."
    )
    return "\n".join(lines)


def close_case(
    notices: CaseNoticeStore,
    case: CaseInfo,
    *,
    reason_code: str,
    note: str,
    closed_by: str,
    actor: str,
    complaints_setting: str = "",
) -> CaseNoticeInfo:
    """Close ``case`` with ``reason_code`` and prepare and send the reporter's notice."""
    reason = REASONS_BY_CODE.get(reason_code.strip())
    if reason is None:
        raise InputError("choose why the request is closed from the list", value=reason_code)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InputError(f"the note is longer than {MAX_NOTE} characters")
    at = utcnow()
    route = complaint_route(complaints_setting, case.case_number)
    text = notice_text(case, reason, route=route, at=at)
    contact = {
        k: str(case.details[k]) for k in ("email", "phone") if str(case.details.get(k) or "")
    }
    return notices.close_with_notice(
        case.id,
        reason_code=reason.code,
        note=note,
        legal_basis=reason.legal_basis,
        text=text,
        complaint_route=route,
        webhook={
            "event": "case.reporter_notice",
            "case": case.case_number,
            "reason_code": reason.code,
            "legal_basis": reason.legal_basis,
            "notice": text,
            "complaint_route": route,
            "deliver_to": contact,
        },
        closed_by=closed_by,
        actor=actor,
        now=at,
    )


__all__ = [
    "CLOSE_REASONS",
    "REASONS_BY_CODE",
    "CloseReason",
    "close_case",
    "complaint_route",
    "notice_text",
]
