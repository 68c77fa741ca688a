"""Signing in and out, the landing page, account administration, the audit view and the
moderator's wellness settings."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shieldwall.access import ROLES
from shieldwall.api.client_address import client_address
from shieldwall.errors import ShieldwallError
from shieldwall.pipeline.records import LOCK_MINUTES
from shieldwall.web.deps import Reviewer, web
from shieldwall.web.security import (
    ADMINS,
    AUDITORS,
    PORTAL_COOKIE,
    SESSION_COOKIE,
    Viewer,
    check_csrf,
    check_login_csrf,
    current_viewer,
    login_token,
    portal_nonce,
    require_role,
    runtime_of,
    set_cookie,
)
from shieldwall.web.templating import render

router = APIRouter(include_in_schema=False)

AdminViewer = Annotated[Viewer, Depends(require_role(*ADMINS))]
AuditViewer = Annotated[Viewer, Depends(require_role(*AUDITORS))]


def _safe_next(target: str | None) -> str:
    # Only same-site paths: an open redirect after sign-in is a phishing tool.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/review"
    parts = urlsplit(target)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def home_for(role: str) -> str:
    return {"auditor": "/audit", "admin": "/review"}.get(role, "/review")


@router.get("/", response_class=HTMLResponse)
def landing(request: Request) -> Response:
    return render(request, "landing.html")


def _login_page(request: Request, ctx: dict[str, object], *, status_code: int = 200) -> Response:
    """The sign-in form with its CSRF token (signed double submit: no session exists yet)."""
    nonce, new = portal_nonce(request)
    secret = runtime_of(request).settings.secret_key
    response = render(
        request,
        "login.html",
        {"login_csrf": login_token(secret, nonce), **ctx},
        status_code=status_code,
    )
    if new:
        set_cookie(request, response, PORTAL_COOKIE, nonce, max_age=24 * 3600, same_site="strict")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> Response:
    return _login_page(request, {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    check_login_csrf(request, runtime_of(request).settings.secret_key, csrf_token)
    state = web(request)
    # The login throttle counts per client as the key throttle and the portal do.
    address = client_address(request, runtime_of(request).settings.trusted_proxies)
    result = state.users.authenticate(username=username, password=password, address=address)
    if result.user is None:
        error = (
            f"Too many failed attempts. Try again in {LOCK_MINUTES} minutes."
            if result.locked
            else "That username and password do not match."
        )
        return _login_page(
            request,
            {"next": _safe_next(next), "error": error, "username": username},
            status_code=401,
        )
    token, _ = state.users.open_session(result.user.id)
    target = _safe_next(next) if next else home_for(result.user.role)
    if result.user.role == "auditor" and target.startswith("/review"):
        target = "/audit"
    response = RedirectResponse(target, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=12 * 3600)
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    viewer = current_viewer(request)
    if token and viewer is not None:
        await check_csrf(request, viewer.csrf)
        web(request).users.close_session(token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, viewer: AdminViewer) -> Response:
    return render(
        request,
        "users.html",
        {"users": web(request).users.list_users(), "roles": ROLES, "error": None},
    )


@router.post("/admin/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    viewer: AdminViewer,
    username: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    state = web(request)
    try:
        state.users.create_user(username=username, role=role, password=password)
    except ShieldwallError as exc:
        return render(
            request,
            "users.html",
            {"users": state.users.list_users(), "roles": ROLES, "error": exc.message},
            status_code=422,
        )
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, viewer: AuditViewer) -> Response:
    state = web(request)
    return render(
        request,
        "audit.html",
        {
            "reveals": state.desk.reveals(limit=200),
            "approvals": state.desk.approvals(status="approved")
            + state.desk.approvals(status="rejected"),
            "appeals": state.desk.appeals(status="closed"),
        },
    )


@router.get("/review/settings", response_class=HTMLResponse)
def settings_page(request: Request, viewer: Reviewer) -> Response:
    return render(request, "settings.html", {"saved": False})


@router.post("/review/settings", response_class=HTMLResponse)
def save_settings(
    request: Request, viewer: Reviewer, blur_strength: Annotated[int, Form(ge=0, le=5)] = 3
) -> Response:
    web(request).users.set_blur_strength(viewer.user.id, blur_strength)
    return RedirectResponse("/review/settings?saved=1", status_code=303)
