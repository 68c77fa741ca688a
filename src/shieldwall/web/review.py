"""The review UI: queues by deadline, the item page (blurred preview, matches, evidence,
history, cluster), decisions, four-eyes bank additions, appeals and victims' cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shieldwall.errors import InputError, ShieldwallError
from shieldwall.pipeline import case_clocks, case_close, child_safety
from shieldwall.policy.legal_clocks import countries
from shieldwall.store.models import utcnow
from shieldwall.store.users import staff_handle
from shieldwall.web import workflows
from shieldwall.web.media import blurred_preview, clear_preview, recently_revealed, record_reveal
from shieldwall.web.portal_guard import flood_alert
from shieldwall.web.security import APPEAL_DECIDERS, REVIEWERS, Viewer, require_role, runtime_of
from shieldwall.web.site import decisions_made, render
from shieldwall.web.staff import web

router = APIRouter(prefix="/review", include_in_schema=False)
Reviewer = Annotated[Viewer, Depends(require_role(*REVIEWERS))]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
"""A row id in a path: larger than a 64-bit integer answers 422, not a database overflow."""
AppealDecider = Annotated[Viewer, Depends(require_role(*APPEAL_DECIDERS))]


def _countdown(deadline: datetime, now: datetime) -> tuple[str, bool]:
    seconds = int((deadline - now).total_seconds())
    breached = seconds < 0
    s = abs(seconds)
    text = f"{s // 3600} h {s % 3600 // 60:02d} min"
    return (f"overdue by {text}" if breached else f"{text} left"), breached


def _session_minutes(viewer: Viewer) -> int:
    return int((utcnow() - viewer.session.created_at).total_seconds() // 60)


def _page(
    request: Request, viewer: Viewer, template: str, ctx: dict[str, Any], status_code: int = 200
) -> Response:
    limit = web(request).session_limit_minutes
    minutes = _session_minutes(viewer)
    ctx = {"break_due": minutes >= limit, "session_minutes": minutes, **ctx}
    return render(request, template, ctx, status_code=status_code)


@router.get("", response_class=HTMLResponse)
def queue_page(
    request: Request,
    viewer: Reviewer,
    queue: str = "",
    priority: str = "",
    jurisdiction: str = "",
) -> Response:
    state = web(request)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    tasks = state.desk.open_queue()
    for t in tasks:
        if (queue and t.queue != queue) or (priority and t.priority != priority):
            continue
        if jurisdiction and jurisdiction.upper() not in {j.upper() for j in t.item.jurisdictions}:
            continue
        deadline = workflows.effective_deadline(t.due_at, t.created_at, t.item.jurisdictions)
        text, breached = _countdown(deadline, now)
        rows.append(
            {
                "kind": "match",
                "task": t,
                "deadline": deadline,
                "countdown": text,
                "breached": breached,
            }
        )
    requests = _waiting_requests(request, now, queue=queue, priority=priority, where=jurisdiction)
    rows += requests
    rows.sort(key=lambda r: r["deadline"])
    cases = state.cases.count_cases(statuses=["under_review"])
    totals = state.desk.counts()
    return _page(
        request,
        viewer,
        "queue.html",
        {
            "rows": rows,
            "queues": sorted({t.queue for t in tasks} | {REQUEST_QUEUE}),
            "filters": {"queue": queue, "priority": priority, "jurisdiction": jurisdiction},
            "approvals": totals["approvals"],
            "appeals": totals["appeals"],
            "cases": cases,
            "open_tasks": totals["tasks"],
            "listed": len(tasks),
            "done": request.query_params.get("done"),
        },
    )


REQUEST_QUEUE = "victim-requests"
"""The queue name victim requests carry in the review queue (and its filter)."""
REQUEST_PRIORITY = "high"


def _waiting_requests(
    request: Request, now: datetime, *, queue: str, priority: str, where: str
) -> list[dict[str, Any]]:
    """Victim requests waiting for a moderator, as rows of the same deadline-ordered queue as
    matches: a request under review (or incomplete with a legal clock running) and one whose
    removal waits for a second moderator; each due at its soonest clock."""
    if (queue and queue != REQUEST_QUEUE) or (priority and priority != REQUEST_PRIORITY):
        return []
    rt, state = runtime_of(request), web(request)
    listed = state.cases.list_cases(statuses=("incomplete", "under_review", "actioning"))
    clocks = rt.case_clocks.for_cases([c.id for c in listed])
    rows: list[dict[str, Any]] = []
    for case in listed:
        if where and not countries([where], None) & countries([case.jurisdiction], None):
            continue
        dues = [k.due_at for k in clocks.get(case.id, [])] + ([case.due_at] if case.due_at else [])
        waiting = case.removal_held or (
            case.status in ("incomplete", "under_review") and case.hunt_state is None
        )
        if not waiting or not dues:
            continue
        deadline = min(dues)
        text, breached = _countdown(deadline, now)
        rows.append(
            {
                "kind": "request",
                "case": case,
                "deadline": deadline,
                "countdown": text,
                "breached": breached,
            }
        )
    return rows


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item_page(request: Request, item_id: RowId, viewer: Reviewer) -> Response:
    state = web(request)
    rt = runtime_of(request)
    item = state.desk.item(item_id)
    if item is None:
        return render(request, "not_found.html", {"what": "item"}, status_code=404)
    decisions = rt.items.decisions_for_item(item.id)
    latest = decisions[-1] if decisions else None
    entry_ids = {int(m["entry_id"]) for d in decisions for m in d.matches if "entry_id" in m}
    entries = rt.store.entries_by_ids(ids=entry_ids)
    matches = [
        {"match": m, "entry": entries.get(int(m["entry_id"]))}  # type: ignore[call-overload]
        for m in (latest.matches if latest else [])
    ]
    history = [
        i
        for i in (state.desk.uploader_items(item.uploader_id) if item.uploader_id else [])
        if i.id != item.id
    ]
    related = list(rt.items.items_by_ids(workflows.cluster_items(rt, item)[:20]).values())
    banks = [b for b in rt.store.list_banks() if b.purpose.value in ("victim", "internal")]
    return _page(
        request,
        viewer,
        "item.html",
        {
            "item": item,
            "decisions": decisions,
            "latest": latest,
            "matches": matches,
            "history": history,
            "related": related,
            "has_media": state.vault.has(item.id),
            "is_video": (item.media_type or "").startswith("video/"),
            "blur": viewer.user.blur_strength,
            "reveals": state.desk.reveals(item_id=item.id, limit=20),
            "categories": workflows.reasons_for(rt, item),
            "item_kind": workflows.item_kind(item),
            "verdicts": workflows.REVIEW_VERDICTS,
            "banks": banks,
            "error": request.query_params.get("error"),
            "decided": request.query_params.get("decided"),
        },
    )


@router.get("/items/{item_id}/preview")
def preview(request: Request, item_id: RowId, viewer: Reviewer) -> Response:
    found = web(request).vault.load(item_id)
    if found is None or not found[0].startswith("image/"):
        return Response(status_code=404)
    return Response(
        blurred_preview(found[1], viewer.user.blur_strength),
        media_type="image/jpeg",
        headers={"Cache-Control": "no-store"},
    )


@router.post("/items/{item_id}/reveal", response_class=HTMLResponse)
def reveal(request: Request, item_id: RowId, viewer: Reviewer) -> Response:
    state = web(request)
    if state.desk.item(item_id) is None:
        return Response(status_code=404)
    record_reveal(state.desk, item_id=item_id, user_id=viewer.user.id, username=viewer.username)
    if request.headers.get("hx-request"):
        return render(
            request, "_revealed.html", {"item_id": item_id, "has_media": state.vault.has(item_id)}
        )
    return RedirectResponse(f"/review/items/{item_id}?revealed=1", status_code=303)


@router.get("/items/{item_id}/media")
def media(request: Request, item_id: RowId, viewer: Reviewer) -> Response:
    state = web(request)
    # The clear image only follows a recorded reveal by the same person.
    if not recently_revealed(state.desk, item_id=item_id, username=viewer.username):
        return Response("Reveal the image first.", status_code=403, media_type="text/plain")
    found = state.vault.load(item_id)
    if found is None or not found[0].startswith("image/"):
        return Response(status_code=404)
    return Response(
        clear_preview(found[1]), media_type="image/jpeg", headers={"Cache-Control": "no-store"}
    )


@router.post("/items/{item_id}/decide")
def decide(
    request: Request,
    item_id: RowId,
    viewer: Reviewer,
    verdict: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    apply_to_cluster: Annotated[str, Form()] = "",
    add_to_bank: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    rt = runtime_of(request)
    item = state.desk.item(item_id)
    if item is None:
        return Response(status_code=404)
    try:
        outcome = workflows.decide(
            rt,
            state.desk,
            state.reviews,
            item=item,
            verdict=verdict,
            category=category,
            note=note.strip(),
            decided_by=viewer.username,
            apply_to_cluster=apply_to_cluster == "on",
            add_to_bank=add_to_bank or None,
        )
    except ShieldwallError as exc:
        return RedirectResponse(
            f"/review/items/{item_id}?error={quote(exc.message)}", status_code=303
        )
    decisions_made(request, [d.id for d in outcome.decisions])
    return RedirectResponse(
        f"/review/items/{item_id}?decided={len(outcome.decisions)}", status_code=303
    )


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, viewer: Reviewer) -> Response:
    state = web(request)
    rows = [(a, state.desk.item(a.item_id)) for a in state.desk.approvals()]
    return _page(
        request,
        viewer,
        "approvals.html",
        {"rows": rows, "error": request.query_params.get("error")},
    )


@router.post("/approvals/{approval_id}")
def decide_approval(
    request: Request,
    approval_id: RowId,
    viewer: Reviewer,
    decision: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    try:
        workflows.approve_bank_addition(
            runtime_of(request),
            state.desk,
            approval_id=approval_id,
            decided_by=viewer.username,
            approve=decision == "approve",
        )
    except ShieldwallError as exc:
        return RedirectResponse(f"/review/approvals?error={quote(exc.message)}", status_code=303)
    return RedirectResponse("/review/approvals", status_code=303)


@router.get("/appeals", response_class=HTMLResponse)
def appeals_page(request: Request, viewer: AppealDecider) -> Response:
    state = web(request)
    rt = runtime_of(request)
    rows = [
        (a, state.desk.item(a.item_id), rt.items.get_decision(a.decision_id))
        for a in state.desk.appeals()
    ]
    return _page(
        request, viewer, "appeals.html", {"rows": rows, "error": request.query_params.get("error")}
    )


@router.post("/appeals/{appeal_id}")
def decide_appeal(
    request: Request,
    appeal_id: RowId,
    viewer: AppealDecider,
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        appeal = workflows.decide_appeal(
            runtime_of(request),
            web(request).desk,
            appeal_id=appeal_id,
            reverse=outcome == "reverse",
            note=note.strip(),
            decided_by=viewer.username,
        )
    except ShieldwallError as exc:
        return RedirectResponse(f"/review/appeals?error={quote(exc.message)}", status_code=303)
    decisions_made(request, [appeal.new_decision_id] if appeal.new_decision_id else [])
    return RedirectResponse("/review/appeals?done=1", status_code=303)


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
        countdown, breached = _countdown(min(dues), now) if dues else ("no clock", False)
        rows.append(
            {
                "case": case,
                "deadline": min(dues) if dues else None,
                "countdown": countdown,
                "breached": breached,
                "clocks": clocks.get(case.id, []),
            }
        )
    return _page(
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
    preview = workflows.case_match_preview(rt, case)
    return _page(
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


@router.get("/child-safety", response_class=HTMLResponse)
def child_safety_page(request: Request, viewer: Reviewer) -> Response:
    reports = runtime_of(request).child_safety.reports()
    return _page(
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
            workflows.approve_case(rt, state.cases, case_id=case_id, reviewed_by=viewer.username)
        elif decision == "confirm_removal":
            workflows.confirm_case_removal(
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
