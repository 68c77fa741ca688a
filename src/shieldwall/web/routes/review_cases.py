"""The review UI's victims' requests: the request list and page (every clock, owed actions,
the notices sent), approval and its four eyes, closing with a reason code and the reporter's
notice, regulators' removal notices, and child safety: escalating a case or an item, the
queue of prepared reports to NCMEC and the National Crime Agency, their filing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shieldwall.errors import InputError, ShieldwallError
from shieldwall.pipeline import case_clocks, case_close, casework, child_safety, review
from shieldwall.pipeline.records import staff_handle, utcnow
from shieldwall.web.deps import AppealDecider, Reviewer, RowId, decisions_made, web
from shieldwall.web.portal_guard import flood_alert
from shieldwall.web.routes.review import countdown_text, desk_page
from shieldwall.web.security import runtime_of
from shieldwall.web.templating import render

router = APIRouter(prefix="/review", include_in_schema=False)

CASES_PER_PAGE = 50
OPEN_CASES = ("under_review", "actioning", "actioned", "incomplete")


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, viewer: Reviewer, page: int = 1) -> Response:
    """Open requests, soonest deadline first, a page at a time with the true total (a flood
    of requests can no longer push real ones off a silently truncated list)."""
    state = web(request)
    now = utcnow()
    total = state.cases.count_cases(statuses=OPEN_CASES)
    pages = max(1, -(-total // CASES_PER_PAGE))
    page = min(max(page, 1), pages)
    rows = []
    listed = state.cases.list_cases(
        statuses=OPEN_CASES, limit=CASES_PER_PAGE, offset=(page - 1) * CASES_PER_PAGE
    )
    clocks = runtime_of(request).case_clocks.for_cases([c.id for c in listed])
    for case in listed:
        # The soonest of the case's legal clocks (the platform's countries and the
        # requester's, or a regulator's notice), not only the requester's country's.
        dues = [k.due_at for k in clocks.get(case.id, [])] + ([case.due_at] if case.due_at else [])
        countdown, breached = countdown_text(min(dues), now) if dues else ("no clock", False)
        rows.append(
            {
                "case": case,
                "deadline": min(dues) if dues else None,
                "countdown": countdown,
                "breached": breached,
                "clocks": clocks.get(case.id, []),
            }
        )
    return desk_page(
        request,
        viewer,
        "cases.html",
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "first": (page - 1) * CASES_PER_PAGE + 1 if rows else 0,
            "last": (page - 1) * CASES_PER_PAGE + len(rows),
            "flood": flood_alert(state.attempts, runtime_of(request).settings),
            "error": request.query_params.get("error"),
        },
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: RowId, viewer: Reviewer) -> Response:
    """One request before (and after) approval: what its hashes would match among items
    already seen (how many, whose, blurred previews where media is kept)."""
    state = web(request)
    rt = runtime_of(request)
    try:
        case = state.cases.get(case_id)
    except ShieldwallError:
        return render(request, "not_found.html", {"what": "request"}, status_code=404)
    preview = casework.case_match_preview(rt, case)
    return desk_page(
        request,
        viewer,
        "case.html",
        {
            "case": case,
            "preview": preview,
            "with_media": {i.id for i in preview.items if state.vault.has(i.id)},
            "automatic": rt.settings.victim_removal_approval == "automatic",
            "clocks": rt.case_clocks.for_cases([case.id]).get(case.id, []),
            "reports": [r for r in rt.child_safety.reports() if r.case_id == case.id],
            "agencies": child_safety.AGENCIES,
            "targets": rt.case_targets.for_case(case.id),
            "close_reasons": case_close.CLOSE_REASONS,
            "error": request.query_params.get("error"),
        },
    )


@router.post("/cases/{case_id}/child-safety")
def escalate_case(
    request: Request,
    case_id: int,
    viewer: Reviewer,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Escalate to child safety: a report is prepared and queued for filing with each agency
    that applies (NCMEC's CyberTipline, the UK's National Crime Agency)."""
    rt, state = runtime_of(request), web(request)
    try:
        case = state.cases.get(case_id)
        targets = rt.case_targets.for_case(case_id)
        items = rt.items.items_by_ids([t.item_id for t in targets if t.item_id is not None])
        child_safety.escalate(
            rt.child_safety,
            case,
            targets=targets,
            items=list(items.values()),
            reason=reason,
            by=viewer.username,
            actor=staff_handle(viewer.user.id),
            platform_jurisdictions=rt.settings.platform_jurisdictions,
        )
        child_safety.restrict_escalated_items(
            rt.items,
            case,
            list(items.values()),
            policy_version=rt.policies.policy.version,
            decided_by=viewer.username,
        )
    except ShieldwallError as exc:
        return RedirectResponse(f"/review/cases?error={quote(exc.message)}", status_code=303)
    return RedirectResponse("/review/child-safety", status_code=303)


@router.post("/items/{item_id}/child-safety")
def escalate_item(
    request: Request,
    item_id: RowId,
    viewer: Reviewer,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """The item page's "escalate to child safety" decision: the item need belong to no
    case; a report is queued for each agency that applies and the item is restricted."""
    state = web(request)
    item = state.desk.item(item_id)
    if item is None:
        return Response(status_code=404)
    try:
        done = review.escalate_item(
            runtime_of(request),
            state.desk,
            item=item,
            reason=reason,
            decided_by=viewer.username,
            actor=staff_handle(viewer.user.id),
        )
    except ShieldwallError as exc:
        return RedirectResponse(
            f"/review/items/{item_id}?error={quote(exc.message)}", status_code=303
        )
    decisions_made(request, [done.decision_id] if done.decision_id else [])
    return RedirectResponse("/review/child-safety", status_code=303)


@router.get("/child-safety", response_class=HTMLResponse)
def child_safety_page(request: Request, viewer: Reviewer) -> Response:
    reports = runtime_of(request).child_safety.reports()
    return desk_page(
        request,
        viewer,
        "child_safety.html",
        {
            "reports": reports,
            "now": utcnow(),
            "error": request.query_params.get("error"),
            "target_hours": child_safety.TARGET_HOURS,
            "agencies": child_safety.AGENCIES,
        },
    )


@router.post("/child-safety/{report}/filed")
def report_filed(
    request: Request,
    report: int,
    viewer: AppealDecider,
    report_id: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """A senior moderator or admin filed the report with its agency and records its id."""
    rt = runtime_of(request)
    try:
        child_safety.file_report(
            rt.child_safety,
            rt.child_safety.get(report),
            report_id=report_id,
            by=viewer.username,
            actor=staff_handle(viewer.user.id),
        )
    except ShieldwallError as exc:
        return RedirectResponse(f"/review/child-safety?error={quote(exc.message)}", status_code=303)
    return RedirectResponse("/review/child-safety", status_code=303)


@router.post("/cases/{case_id}/notice")
def record_notice(
    request: Request,
    case_id: int,
    viewer: AppealDecider,
    notice_id: Annotated[str, Form()] = "",
    given_at: Annotated[str, Form()] = "",
    extension_hours: Annotated[str, Form()] = "0",
) -> Response:
    """An eSafety removal notice typed in by a senior moderator or admin (time given in UTC)."""
    state = web(request)
    try:
        try:
            given = datetime.fromisoformat(given_at).replace(tzinfo=UTC)
            extension = float(extension_hours or 0)
        except ValueError as exc:
            raise InputError("give when the notice was given and the extension in hours") from exc
        case_clocks.record_removal_notice(
            runtime_of(request).case_clocks,
            state.cases.get(case_id),
            notice_id=notice_id,
            given_at=given,
            extension_hours=extension,
            actor=f"staff:{viewer.user.id}",
        )
    except ShieldwallError as exc:
        return RedirectResponse(f"/review/cases?error={quote(exc.message)}", status_code=303)
    return RedirectResponse("/review/cases", status_code=303)


@router.post("/cases/{case_id}")
def decide_case(
    request: Request,
    case_id: RowId,
    viewer: Reviewer,
    decision: Annotated[str, Form()] = "",
    reason_code: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    state = web(request)
    rt = runtime_of(request)
    try:
        if decision == "approve":
            casework.approve_case(rt, state.cases, case_id=case_id, reviewed_by=viewer.username)
        elif decision == "confirm_removal":
            casework.confirm_case_removal(
                rt, state.cases, case_id=case_id, confirmed_by=viewer.username
            )
        elif decision == "close":
            # Never a bare close: a reason code, and a notice to the reporter (UK OSA s.10(3B)).
            case_close.close_case(
                rt.case_notices,
                state.cases.get(case_id),
                reason_code=reason_code,
                note=note,
                closed_by=viewer.username,
                actor=staff_handle(viewer.user.id),
                complaints_setting=rt.settings.complaints_route,
            )
    except ShieldwallError as exc:
        return RedirectResponse(
            f"/review/cases/{case_id}?error={quote(exc.message)}", status_code=303
        )
    return RedirectResponse("/review/cases", status_code=303)
