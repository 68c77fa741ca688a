"""The victim portal (no account needed) and the uploader's appeal endpoint.

A requester fills in one form. The page hashes the chosen photos and videos in the
browser (``static/js/hasher.js``) and sends only the hashes. The request is stored at
once with what it lacks; the legal clock starts when nothing is missing. The requester
gets a case number and an access code, and the status page shows where the case
stands, lets them supply what was missing, or withdraw.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from shieldwall.casework import INCOMPLETE, can_add_content, deadline_hours
from shieldwall.hashing.robust import BANK_WINDOWS, MAX_BANK_VARIANTS
from shieldwall.pipeline import case_clocks, casework, child_safety
from shieldwall.pipeline.records import (
    CaseInfo,
    SubmissionRepeatedError,
    new_access_code,
    utcnow,
)
from shieldwall.web import portal_admission as admission
from shieldwall.web import portal_receipts as receipts
from shieldwall.web.deps import web
from shieldwall.web.portal_admission import REFUSALS
from shieldwall.web.portal_form import (
    FIELD_IDS,
    JURISDICTIONS,
    MESSAGES,
    RELATIONSHIPS,
    UNDER_18,
    check_request,
    merged_answers,
    saved_answers,
)
from shieldwall.web.portal_guard import (
    PORTAL_REFUSED,
    address_key,
    challenge_key,
    check_pow,
    client_address,
    issue_challenge,
    pattern_key,
)
from shieldwall.web.security import (
    PORTAL_COOKIE,
    check_portal_csrf,
    portal_nonce,
    portal_token,
    runtime_of,
    set_cookie,
)
from shieldwall.web.templating import render

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)

STATUS_WORDS = {
    "incomplete": "Received, but something is missing",
    "under_review": "Complete: a person is reviewing it",
    "actioning": "Approved: waiting for the platform to confirm each removal",
    "actioned": "Done: every place has an answer from the platform",
    "withdrawn": "Withdrawn by you",
    "closed": "Closed",
}
TARGET_WORDS = {
    "waiting": "Waiting for the platform to confirm",
    "removed": "Removed",
    "not_found": "Not found there",
    "not_ours": "Not on this platform",
    "kept": "Left up",
}
"""The platform's answer for each place (``POST /v1/actions/{id}/outcome``), in plain words."""


def bank_windows() -> list[dict[str, Any]]:
    """The regions the page hashes besides the whole photo, as JSON for hasher.js.

    Read from ``robust.BANK_WINDOWS`` at each render, so that the browser and Python
    always hash the same regions, whatever the list holds now."""
    return [
        {"name": w.name, "left": w.left, "top": w.top, "right": w.right, "bottom": w.bottom}
        for w in BANK_WINDOWS[:MAX_BANK_VARIANTS]
    ]


def _portal(
    request: Request, template: str, ctx: dict[str, Any], *, status_code: int = 200
) -> Response:
    rt = runtime_of(request)
    secret = rt.settings.secret_key
    nonce, new = portal_nonce(request)
    bits = rt.settings.portal_pow_bits
    base = {
        "portal_csrf": portal_token(secret, nonce),
        "submission_token": receipts.issue_token(secret, nonce),
        "pow_challenge": issue_challenge(secret, bits) if bits else "",
        "pow_bits": bits,
        "jurisdictions": JURISDICTIONS,
        "relationships": RELATIONSHIPS,
        "messages": MESSAGES,
        "field_ids": FIELD_IDS,
        "status_words": STATUS_WORDS,
        "bank_windows": bank_windows(),
        "target_words": TARGET_WORDS,
        "under_18_choices": UNDER_18,
        "max_files": rt.settings.portal_max_files,
        "nojs_wait_s": admission.NOJS_WAIT_S,
    }
    case = ctx.get("case")
    if isinstance(case, CaseInfo):
        extra: dict[str, Any] = {
            "can_add": can_add_content(case.status, case.hunt_state, case.reviewed_by),
            "fingerprints": [h for h in case.hashes if h.signal_type == "sha256"],
            "visual_fingerprints": sum(1 for h in case.hashes if h.signal_type == "pdq"),
            "clocks": rt.case_clocks.for_cases([case.id]).get(case.id, []),
        }
        if "targets" not in ctx:
            extra["targets"] = rt.case_targets.for_case(case.id)
        if "form" not in ctx:
            extra["form"] = saved_answers(case.details, case.jurisdiction, case.missing)
        if "missing" not in ctx:
            extra["missing"] = case.missing
        ctx = {**extra, **ctx}
    response = render(request, template, {**base, **ctx}, status_code=status_code)
    if new:
        set_cookie(request, response, PORTAL_COOKIE, nonce, max_age=24 * 3600, same_site="strict")
    return response


@router.get("/report", response_class=HTMLResponse)
def report_form(request: Request) -> Response:
    return _portal(request, "report.html", {"form": {}, "missing": []})


def _to_receipt(token: str) -> Response:
    """Redirect-after-POST: the receipt is a page of its own, so a reload stores nothing."""
    return RedirectResponse(f"/report/receipt/{quote(token, safe='')}", status_code=303)


def _submission_key(request: Request, token: str) -> str | None:
    nonce = request.cookies.get(PORTAL_COOKIE, "")
    return receipts.submission_key(runtime_of(request).settings.secret_key, nonce, token)


@router.post("/report", response_class=HTMLResponse)
async def submit_report(request: Request) -> Response:
    rt = runtime_of(request)
    await check_portal_csrf(request, rt.settings.secret_key)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    settings = rt.settings
    state = web(request)
    token = fields.get("submission_token", "")
    key = _submission_key(request, token)
    if key is not None and await run_in_threadpool(state.cases.receipt_for, key) is not None:
        return _to_receipt(token)  # this page was sent before: show what it created
    req, missing = check_request(fields, max_files=settings.portal_max_files)
    if "variants" in missing or "too_many_files" in missing:
        # Malformed region hashes: keep nothing rather than a request with half its hashes;
        # the page is shown again without them, so the person chooses the files again.
        return _portal(
            request,
            "report.html",
            {"form": {**fields, "hashes": ""}, "missing": missing},
            status_code=422,
        )
    if "content" in missing and not (req.email or req.phone):
        # Nothing to act on and no way to reach the person: keep nothing, show the form again.
        return _portal(
            request, "report.html", {"form": fields, "missing": missing}, status_code=422
        )
    refusal = await admission.guard(
        request,
        fields,
        pattern=pattern_key(value for _, value, _ in req.hash_rows()),
        allow_wait=not req.files,
    )
    if refusal is not None:
        replayed = refusal[0] == admission.REFUSALS["replay"]
        if replayed and key is not None and await admission.wait_for_receipt(request, key):
            return _to_receipt(token)  # sent twice at once: the first one stored it
        message, status, retry_after = refusal
        return _refused(request, fields, message, status, retry_after=retry_after)
    code = new_access_code()
    try:
        case, code = await run_in_threadpool(
            partial(
                state.cases.create_case,
                jurisdiction=req.jurisdiction if req.jurisdiction in JURISDICTIONS else "other",
                details=req.details(),
                missing=missing,
                hashes=req.hash_rows(),
                variants=req.pdq_variants(),
                due_hours=deadline_hours([req.jurisdiction]),
                code=code,
                receipt=(key, receipts.seal(settings.secret_key, token, code)) if key else None,
            )
        )
    except SubmissionRepeatedError:
        return _to_receipt(token)
    case = await run_in_threadpool(_start_clocks, request, case, case.received_at)
    if req.under_18 == "yes":
        # Routed to child-safety review at once: a report is prepared for a person to file.
        await run_in_threadpool(
            partial(
                child_safety.escalate,
                rt.child_safety,
                case,
                targets=[],
                items=[],
                reason="the requester said the person shown was under 18",
                by="victim-portal",
                actor="victim-portal",
            )
        )
    if key is not None:
        return _to_receipt(token)
    # A page without a submission token (an older page, or a client of its own): answered
    # directly, as before; only a page's token makes a safe receipt address.
    return _portal(
        request,
        "receipt.html",
        {"case": case, "code": code},
        status_code=201 if not missing else 200,
    )


@router.get("/report/receipt/{token}", response_class=HTMLResponse)
async def receipt(request: Request, token: str) -> Response:
    """The receipt of the request this browser's page sent (same case, same code)."""
    key = _submission_key(request, token[:100])
    found = await run_in_threadpool(web(request).cases.receipt_for, key) if key else None
    code = (
        receipts.unseal(runtime_of(request).settings.secret_key, token, found.sealed_code)
        if found is not None and utcnow() - found.created_at <= receipts.RECEIPT_SHOWN_FOR
        else None
    )
    if found is None or code is None:
        return _portal(
            request,
            "status_login.html",
            {
                "error": "This receipt is no longer shown here (it is shown only in the "
                "browser that sent the request, for a day). Enter your case number and "
                "access code to see your request."
            },
            status_code=404,
        )
    return _portal(request, "receipt.html", {"case": found.case, "code": code})


def _start_clocks(request: Request, case: CaseInfo, received_at: datetime) -> CaseInfo:
    """Each legal clock starts at the receipt of the submission that carries its elements."""
    rt = runtime_of(request)
    started = case_clocks.start_request_clocks(
        rt.case_clocks,
        case,
        platform_jurisdictions=rt.settings.platform_jurisdictions,
        received_at=received_at,
    )
    return web(request).cases.get(case.id) if started else case


def _refused(
    request: Request, fields: dict[str, str], message: str, status: int, *, retry_after: int = 0
) -> Response:
    ctx: dict[str, Any] = {"form": fields, "missing": [], "refused": message}
    if status == 429 and retry_after and fields.get("nojs") == "1":
        # Waiting stands in for the check: the same page's check must stay, or the wait restarts.
        ctx["pow_challenge"] = fields.get("pow_challenge", "")
    response = _portal(request, "report.html", ctx, status_code=status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.get("/status", response_class=HTMLResponse)
def status_form(request: Request) -> Response:
    return _portal(request, "status_login.html", {"error": None})


async def _case_from_form(
    request: Request,
) -> tuple[CaseInfo | None, dict[str, str], admission.CheckedPage | Response]:
    """The case the form's number and code open, the form, and the checked page (or the
    refusal to send instead).

    Guarded like the report form (``web/portal_guard.py``): the page's proof-of-work, then
    at most ``portal_status_failures_per_hour`` wrong codes per client address, before any
    argon2 work, so the page can be neither flooded nor used to guess codes cheaply. The
    page's challenge is counted here; an "add later" hands the :class:`CheckedPage` on to
    :func:`admission.admit` for the limits of new content.
    """
    settings = runtime_of(request).settings
    await check_portal_csrf(request, settings.secret_key)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    problem = check_pow(
        settings.secret_key,
        fields.get("pow_challenge", ""),
        fields.get("pow_nonce", ""),
        bits=settings.portal_pow_bits,
    )
    if problem is not None:
        PORTAL_REFUSED.labels("status_pow").inc()
        return (
            None,
            fields,
            _status_refused(
                request,
                f"We could not check this yet: {problem}. "
                "Press the button again; the page does a short check on your device first.",
                400,
            ),
        )
    state = web(request)
    checked = await run_in_threadpool(
        state.attempts.admit_status_check,
        address_key=address_key(
            settings.secret_key, client_address(request, settings.trusted_proxies)
        ),
        challenge_key=challenge_key(fields["pow_challenge"]) if settings.portal_pow_bits else None,
        failures_per_hour=settings.portal_status_failures_per_hour,
    )
    if not checked.admitted:
        PORTAL_REFUSED.labels(f"status_{checked.reason}").inc()
        if checked.reason == "replay":
            return None, fields, _status_refused(request, REFUSALS["replay"], 400)
        return (
            None,
            fields,
            _status_refused(request, STATUS_TOO_MANY, 429, retry_after=checked.retry_after_s),
        )
    # argon2 verification takes tens of milliseconds of CPU: never on the event loop.
    case = await run_in_threadpool(
        state.cases.verify_access,
        fields.get("case_number", "")[:40],
        fields.get("access_code", "")[:40],
    )
    if case is not None and checked.attempt_id is not None:
        await run_in_threadpool(state.attempts.status_check_passed, checked.attempt_id)
    page = admission.CheckedPage(fields.get("pow_challenge", ""), challenge_counted=True)
    return case, fields, page


STATUS_TOO_MANY = (
    "Too many wrong case numbers or access codes have been tried from your connection in "
    "the last hour. Try again later, or from another connection."
)


def _status_refused(
    request: Request, message: str, status: int, *, retry_after: int = 0
) -> Response:
    response = _portal(request, "status_login.html", {"error": message}, status_code=status)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _wrong_code(request: Request) -> Response:
    return _portal(
        request,
        "status_login.html",
        {
            "error": "We could not find a request with that case number and access code. "
            "Check both and try again."
        },
        status_code=404,
    )


@router.post("/status", response_class=HTMLResponse)
async def status_page(request: Request) -> Response:
    case, fields, checked = await _case_from_form(request)
    if isinstance(checked, Response):
        return checked
    if case is None:
        return _wrong_code(request)
    return _portal(request, "status.html", {"case": case, "code": fields["access_code"]})


@router.post("/status/complete", response_class=HTMLResponse)
async def complete(request: Request) -> Response:
    """Add what was missing, and photos (hashed in the page) or places, to a request.

    Needs the case's number and access code, behind the status guard (proof-of-work, wrong
    codes limited per address). Sending photos or places also passes the limits of a new
    request (per address and per set of hashes), so "add later" is no way around them."""
    settings = runtime_of(request).settings
    case, fields, checked = await _case_from_form(request)
    if isinstance(checked, Response):
        return checked
    if case is None:
        return _wrong_code(request)
    merged = merged_answers(
        saved_answers(case.details, case.jurisdiction, case.missing),
        fields,
        answers_open=case.status == INCOMPLETE,
    )
    req, missing = check_request(merged, max_files=settings.portal_max_files)
    page = {"case": case, "code": fields["access_code"]}
    if {"hashes", "variants", "too_many_files"} & set(missing):
        return _portal(
            request,
            "status.html",
            {**page, "form": {**merged, "hashes": ""}, "missing": missing},
            status_code=422,
        )
    new_places = merged["locations"] != saved_answers(
        case.details, case.jurisdiction, case.missing
    ).get("locations")
    if req.files or new_places:
        if not can_add_content(case.status, case.hunt_state, case.reviewed_by):
            return _portal(request, "status.html", {**page, "refused": ADD_CLOSED}, status_code=409)
        refusal = await admission.admit(
            request, checked, pattern=pattern_key(value for _, value, _ in req.hash_rows())
        )
        if refusal is not None:
            message, status, retry_after = refusal
            response = _portal(
                request, "status.html", {**page, "refused": message}, status_code=status
            )
            if retry_after:
                response.headers["Retry-After"] = str(retry_after)
            return response
    known = {h.value for h in case.hashes if h.signal_type == "sha256"}
    files = len(known | {f.sha256 for f in req.files})
    if files:
        missing = [m for m in missing if m != "content"]
    details = {**req.details(), "files": files}
    case = await run_in_threadpool(
        partial(
            web(request).cases.complete_case,
            case.id,
            details=details,
            missing=missing,
            due_hours=deadline_hours([req.jurisdiction]),
            jurisdiction=req.jurisdiction if req.jurisdiction in JURISDICTIONS else "other",
            hashes=req.hash_rows(),
            variants=req.pdq_variants(),
        )
    )
    case = await run_in_threadpool(_start_clocks, request, case, utcnow())
    added = len(req.files) + (1 if new_places else 0)
    return _portal(request, "status.html", {**page, "case": case, "added": added})


ADD_CLOSED = (
    "This request has already been reviewed, so photos or links can no longer be added to "
    "it. Nothing was stored. To report more, send a new request."
)


@router.post("/status/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request) -> Response:
    case, fields, checked = await _case_from_form(request)
    if isinstance(checked, Response):
        return checked
    if case is None:
        return _wrong_code(request)
    if fields.get("confirm") == "yes":
        case = await run_in_threadpool(
            casework.withdraw_case, runtime_of(request), web(request).cases, case
        )
    return _portal(request, "status.html", {"case": case, "code": fields["access_code"]})
