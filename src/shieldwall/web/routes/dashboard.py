"""The compliance dashboard (``/compliance``) and the legal-hold actions beside it.

One page for admins, auditors and senior moderators with the transparency report's
figures for the last 30 days (computed by :mod:`shieldwall.reports`, not here), the
review tasks near or past their legal deadline, outbox dead letters, legal holds in
force, and whether the audit trail verifies up to its last signed checkpoint.

Charts are the report's own matplotlib SVGs, served as images from this server
(``/compliance/charts/NAME.svg``) rather than inlined: the pages' CSP forbids inline
styles, which matplotlib's SVG uses. Every chart has a table with the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shieldwall.access import DASHBOARD_ROLES, HOLD_ROLES
from shieldwall.casework import effective_deadline
from shieldwall.errors import ShieldwallError
from shieldwall.pipeline import child_safety
from shieldwall.pipeline.records import DEAD, staff_handle, utcnow
from shieldwall.reports.render import bar_svg, hist_svg
from shieldwall.reports.render import render as render_report
from shieldwall.reports.source import load_report
from shieldwall.reports.transparency import TransparencyReport
from shieldwall.runtime import Runtime
from shieldwall.web.security import Viewer, require_role, runtime_of
from shieldwall.web.state import WebState
from shieldwall.web.templating import render

router = APIRouter(include_in_schema=False)

PERIOD = timedelta(days=30)
NEAR_DEADLINE = timedelta(hours=6)
"""An open review task whose deadline is this close counts as near its deadline."""

DashboardViewer = Annotated[Viewer, Depends(require_role(*DASHBOARD_ROLES))]
HoldViewer = Annotated[Viewer, Depends(require_role(*HOLD_ROLES))]

CHARTS = {
    "category": ("Restrictions by category", "by_category"),
    "source": ("Restrictions by source", "by_source"),
    "action": ("Decisions by action", "by_action"),
    "jurisdiction": ("Restrictions by jurisdiction", "by_jurisdiction"),
}

_CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"
"""An SVG shown as an image runs no script; its inline styles are all it needs."""


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    task_id: int
    item_id: int
    queue: str
    deadline: datetime
    overdue: bool


@dataclass(frozen=True, slots=True)
class TrailStatus:
    ok: bool
    summary: str
    events: int
    last_checkpoint_seq: int | None
    last_checkpoint_at: datetime | None
    last_valid_checkpoint_seq: int | None
    unsigned_events: int


def _web(request: Request) -> WebState:
    state: WebState = request.app.state.web
    return state


def _report(rt: Runtime, now: datetime) -> TransparencyReport:
    return load_report(rt.engine, period_from=now - PERIOD, period_to=now)


def _deadlines(web: WebState, now: datetime) -> list[DeadlineRow]:
    rows = []
    for task in web.desk.open_queue():
        due = effective_deadline(task.due_at, task.created_at, task.item.jurisdictions)
        if due - now <= NEAR_DEADLINE:
            rows.append(DeadlineRow(task.task_id, task.item.id, task.queue, due, due <= now))
    return sorted(rows, key=lambda r: r.deadline)


def _trail(rt: Runtime) -> TrailStatus:
    """Verify the whole trail against this installation's checkpoint key.

    Reads every event (streamed, constant memory); fine for the sizes a dashboard is
    opened at, but it is the page's slowest part on a very long trail.
    """
    signer = rt.audit.signer
    log = rt.audit_log(signer=signer)
    report = log.verify()
    checkpoints = log.store.checkpoints()
    last = checkpoints[-1] if checkpoints else None
    head = report.head.seq if report.head is not None else 0
    return TrailStatus(
        ok=report.ok,
        summary=report.summary(),
        events=report.events_checked,
        last_checkpoint_seq=None if last is None else last.seq,
        last_checkpoint_at=None if last is None else last.at,
        last_valid_checkpoint_seq=report.last_valid_checkpoint_seq,
        unsigned_events=head - (report.last_valid_checkpoint_seq or 0),
    )


def _hours(seconds: float | None) -> str:
    if seconds is None:
        return "none"
    # Under an hour, minutes say more than "0.0 h".
    return f"{seconds / 60:.0f} min" if seconds < 3600 else f"{seconds / 3600:.1f} h"


@router.get("/compliance", response_class=HTMLResponse)
def dashboard(request: Request, viewer: DashboardViewer) -> Response:
    rt = runtime_of(request)
    web = _web(request)
    now = utcnow()
    report = _report(rt, now)
    requests: dict[str, Any] = dict(report.requests)
    share = requests.get("share_within_48h")
    context: dict[str, Any] = {
        "report": report,
        "period_from": now - PERIOD,
        "period_to": now,
        "tta": {k: _hours(v) for k, v in report.time_to_action_s.items()},
        "reversal_time": {k: _hours(v) for k, v in report.reversal_time_s.items()},
        "requests": requests,
        "share_48h": None if share is None else f"{share * 100:.1f}%",
        "deadlines": _deadlines(web, now),
        "near_hours": int(NEAR_DEADLINE.total_seconds() // 3600),
        "open_appeals": len(web.desk.appeals(status="open")),
        "dead_letters": rt.outbox.counts().get(DEAD, 0),
        "trail": _trail(rt),
        "charts": [
            (name, title, getattr(report, field))
            for name, (title, field) in CHARTS.items()
            if getattr(report, field)
        ],
        "has_tta_chart": bool(report.time_to_action_samples),
        "holds": rt.legal_holds.holds(active_only=True),
        "may_hold": viewer.role in HOLD_ROLES,
        "hold_error": request.query_params.get("hold_error"),
    }
    return render(request, "compliance.html", context)


@router.get("/compliance/charts/{name}.svg")
def chart(request: Request, name: str, viewer: DashboardViewer) -> Response:
    """One of the report's charts over the same 30 days, as an SVG image."""
    report = _report(runtime_of(request), utcnow())
    if name == "time-to-action":
        svg = hist_svg("Time to action", report.time_to_action_samples)
    elif name in CHARTS:
        title, field = CHARTS[name]
        svg = bar_svg(title, getattr(report, field))
    else:
        return Response(status_code=404)
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={"Content-Security-Policy": _CHART_CSP, "Cache-Control": "no-store"},
    )


REPORT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


@router.get("/compliance/report.{fmt}")
def report_download(request: Request, fmt: str, viewer: DashboardViewer) -> Response:
    """The transparency report for the dashboard's 30 days, as a file to keep or publish."""
    if fmt not in REPORT_TYPES:
        return Response(status_code=404)
    now = utcnow()
    data = render_report(_report(runtime_of(request), now), fmt)
    name = f"transparency-{(now - PERIOD):%Y-%m-%d}-{now:%Y-%m-%d}.{fmt}"
    return Response(
        data,
        media_type=REPORT_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _hold_failed(message: str) -> Response:
    from urllib.parse import quote

    return RedirectResponse(f"/compliance?hold_error={quote(message)}#holds", status_code=303)


@router.post("/compliance/holds")
def place_hold(
    request: Request,
    viewer: HoldViewer,
    case_number: Annotated[str, Form(max_length=40)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Put the case with this number under legal hold (admin, auditor; audited)."""
    cases = _web(request).cases
    try:
        case = cases.find_by_number(case_number)
        runtime_of(request).legal_holds.place_hold(
            case.id, reason=reason, placed_by=viewer.username, actor=staff_handle(viewer.user.id)
        )
    except ShieldwallError as exc:
        return _hold_failed(exc.message)
    return RedirectResponse("/compliance#holds", status_code=303)


@router.post("/compliance/holds/{case_id}/release")
def release_hold(
    request: Request,
    viewer: HoldViewer,
    case_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Release a case's legal hold; its items follow normal retention again (audited)."""
    try:
        # A hold a filed CyberTipline report requires stays for its year (§2258A(h)).
        child_safety.check_release(runtime_of(request).child_safety, case_id)
        runtime_of(request).legal_holds.release_hold(
            case_id, reason=reason, released_by=viewer.username, actor=staff_handle(viewer.user.id)
        )
    except ShieldwallError as exc:
        return _hold_failed(exc.message)
    return RedirectResponse("/compliance#holds", status_code=303)


@router.post("/compliance/holds/items/{item_id}/release")
def release_item_hold(
    request: Request,
    viewer: HoldViewer,
    item_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Release the hold on an item alone (a filed child-safety report on an item); refused
    while the report still requires it (audited)."""
    store = runtime_of(request).child_safety
    try:
        child_safety.check_release(store, item_id=item_id)
        store.release_item_hold(
            item_id, reason=reason, released_by=viewer.username, actor=staff_handle(viewer.user.id)
        )
    except ShieldwallError as exc:
        return _hold_failed(exc.message)
    return RedirectResponse("/compliance#holds", status_code=303)
