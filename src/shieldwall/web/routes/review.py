"""The review UI: one queue by deadline (matches, near-copies and victim requests), the item
page (blurred preview, matches, evidence, history, cluster, the reasons that fit the item),
decisions, four-eyes bank additions and appeals. Victims' requests and the child-safety queue
are in :mod:`shieldwall.web.routes.review_cases`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shieldwall.casework import effective_deadline
from shieldwall.errors import ShieldwallError
from shieldwall.pipeline import appeals, bank_review, child_safety, review
from shieldwall.pipeline.records import utcnow
from shieldwall.policy.legal_clocks import countries
from shieldwall.web.deps import AppealDecider, Reviewer, RowId, decisions_made, web
from shieldwall.web.media import blurred_preview, clear_preview, recently_revealed, record_reveal
from shieldwall.web.security import Viewer, runtime_of
from shieldwall.web.templating import render

router = APIRouter(prefix="/review", include_in_schema=False)


def countdown_text(deadline: datetime, now: datetime) -> tuple[str, bool]:
    """ "3 h 05 min left" or "overdue by ...", and whether the deadline has passed."""
    seconds = int((deadline - now).total_seconds())
    breached = seconds < 0
    s = abs(seconds)
    text = f"{s // 3600} h {s % 3600 // 60:02d} min"
    return (f"overdue by {text}" if breached else f"{text} left"), breached


def _session_minutes(viewer: Viewer) -> int:
    return int((utcnow() - viewer.session.created_at).total_seconds() // 60)


def desk_page(
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
        deadline = effective_deadline(t.due_at, t.created_at, t.item.jurisdictions)
        text, breached = countdown_text(deadline, now)
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
    return desk_page(
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
        text, breached = countdown_text(deadline, now)
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
    entries = rt.banks.entries_by_ids(ids=entry_ids)
    matches = [
        {"match": m, "entry": entries.get(int(m["entry_id"]))}  # type: ignore[call-overload]
        for m in (latest.matches if latest else [])
    ]
    history = [
        i
        for i in (state.desk.uploader_items(item.uploader_id) if item.uploader_id else [])
        if i.id != item.id
    ]
    related = list(rt.items.items_by_ids(review.cluster_items(rt, item)[:20]).values())
    banks = [b for b in rt.banks.list_banks() if b.purpose.value in ("victim", "internal")]
    return desk_page(
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
            "categories": review.reasons_for(rt, item),
            "item_kind": review.item_kind(item),
            "verdicts": review.REVIEW_VERDICTS,
            "banks": banks,
            "child_reports": rt.child_safety.for_item(item.id),
            "agencies": child_safety.AGENCIES,
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
        outcome = review.decide(
            rt,
            state.desk,
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
    return desk_page(
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
        bank_review.approve_bank_addition(
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
    return desk_page(
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
        appeal = appeals.decide_appeal(
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
