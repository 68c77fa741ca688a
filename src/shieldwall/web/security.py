"""Who is asking, and may they: sessions, roles, CSRF tokens and security headers.

Staff pages take :data:`Staff`-style dependencies built by :func:`require_role`. An
anonymous visitor is redirected to the sign-in page; a signed-in person without the
role gets the 403 page. Every POST from a staff page must carry the session's
synchroniser token (form field ``csrf_token`` or header ``X-CSRF-Token``).

The victim portal has no accounts, so it cannot use a session token. Its forms carry
an HMAC of a random nonce that also sits in a ``SameSite=Strict`` cookie (signed
double submit): another site can neither read the cookie nor forge the HMAC.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request, Response
from starlette.types import Scope

from shieldwall.access import ADMINS as ADMINS
from shieldwall.access import APPEAL_DECIDERS as APPEAL_DECIDERS
from shieldwall.access import AUDITORS as AUDITORS
from shieldwall.access import REVIEWERS as REVIEWERS
from shieldwall.pipeline.records import SessionInfo, UserInfo, UserStore
from shieldwall.runtime import Runtime

SESSION_COOKIE = "sw_session"
PORTAL_COOKIE = "sw_portal"

# The role groups are defined once, in the core (shieldwall.access); pages import them here.
STAFF_ROLES = REVIEWERS

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
    "media-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""Only this server, for everything: no inline script or style, no third-party request."""

SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
_UNPROTECTED = ("/docs", "/redoc")  # FastAPI's API explorer loads its own assets


class LoginRequired(Exception):
    """Raised by page dependencies for anonymous visitors; answered with a redirect."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class PageForbidden(Exception):
    """Raised when the signed-in person's role does not allow the page; answered with 403."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person on this request."""

    user: UserInfo
    session: SessionInfo

    @property
    def username(self) -> str:
        return self.user.username

    @property
    def role(self) -> str:
        return self.user.role

    @property
    def csrf(self) -> str:
        return self.session.csrf_token


def users(request: Request) -> UserStore:
    store: UserStore = request.app.state.web.users
    return store


def current_viewer(request: Request) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = users(request).session_for(token)
    return None if found is None else Viewer(found.user, found)


def require_role(*roles: str) -> Callable[[Request], Awaitable[Viewer]]:
    """A dependency admitting signed-in people with one of ``roles`` (POSTs need CSRF)."""

    async def dependency(request: Request) -> Viewer:
        viewer = current_viewer(request)
        if viewer is None:
            raise LoginRequired(request.url.path)
        if viewer.role not in roles:
            raise PageForbidden(
                f"Your role ({viewer.role.replace('_', ' ')}) cannot open this page."
            )
        if request.method == "POST":
            await check_csrf(request, viewer.csrf)
        request.state.viewer = viewer
        return viewer

    dependency.__name__ = "require_" + "_or_".join(roles)
    return dependency


async def check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get("x-csrf-token")
    if not sent:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if not sent or not tokens_match(sent, expected):
        raise PageForbidden("This form has expired or did not come from this site. Reload it.")


def tokens_match(sent: str, expected: str) -> bool:
    """Constant-time comparison that also takes a forged, non-ASCII token (``compare_digest``
    raises ``TypeError`` on non-ASCII ``str``, which used to answer 500): compared as
    UTF-8 bytes, it simply does not match."""
    return hmac.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))


def is_https(request: Request) -> bool:
    """Whether the browser reached us over TLS: directly, or through a proxy listed in
    ``trusted_proxies`` that says so in ``X-Forwarded-Proto`` (anyone else's header is
    ignored, so a client cannot switch Secure cookies off or on). Of a list, the last value
    counts: it is the one our proxy wrote; earlier ones are whatever the client sent."""
    return is_https_scope(request.scope)


def is_https_scope(scope: Scope) -> bool:
    """:func:`is_https` from the ASGI scope (for middleware that builds no ``Request``)."""
    if scope.get("scheme") == "https":
        return True
    client = scope.get("client")
    peer = client[0] if client else None
    if peer is None or peer not in scope["app"].state.runtime.settings.trusted_proxies:
        return False
    forwarded = [v for k, v in scope.get("headers", ()) if k.lower() == b"x-forwarded-proto"]
    proto = forwarded[-1].decode("latin-1").split(",")[-1] if forwarded else ""
    return proto.strip().lower() == "https"


HSTS = "max-age=31536000; includeSubDomains"
"""Sent on every response that reached us over TLS (see :func:`is_https`)."""


def set_cookie(
    request: Request,
    response: Response,
    name: str,
    value: str,
    *,
    max_age: int | None,
    same_site: str = "lax",
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite=same_site,  # type: ignore[arg-type]
        secure=is_https(request),
        path="/",
    )


# -- portal (no accounts): signed double submit -----------------------------------------------


def portal_token(secret: str, nonce: str, purpose: str = "portal") -> str:
    return hmac.new(secret.encode(), f"{purpose}:{nonce}".encode(), hashlib.sha256).hexdigest()


def login_token(secret: str, nonce: str) -> str:
    """The sign-in form's token: the same signed double submit as the portal (there is no
    session yet), for another purpose, so that another site cannot sign a browser in to
    an account of the attacker's choosing (login CSRF)."""
    return portal_token(secret, nonce, "login")


def check_login_csrf(request: Request, secret: str, sent: str) -> None:
    nonce = request.cookies.get(PORTAL_COOKIE)
    if not nonce or not sent or not tokens_match(sent, login_token(secret, nonce)):
        raise PageForbidden("This sign-in form expired or did not come from this site. Reload it.")


def portal_nonce(request: Request) -> tuple[str, bool]:
    """The visitor's portal nonce and whether it is new (then the cookie must be set)."""
    nonce = request.cookies.get(PORTAL_COOKIE)
    if nonce and 16 <= len(nonce) <= 64:
        return nonce, False
    return secrets.token_urlsafe(24), True


async def check_portal_csrf(request: Request, secret: str) -> None:
    nonce = request.cookies.get(PORTAL_COOKIE)
    form = await request.form()
    sent = form.get("csrf_token")
    if (
        not nonce
        or not isinstance(sent, str)
        or not tokens_match(sent, portal_token(secret, nonce))
    ):
        raise PageForbidden(
            "This form expired or your browser blocked a cookie this page needs. "
            "Go back, reload the page and send it again; nothing you typed was stored."
        )


def runtime_of(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt
