"""Security and caching headers on every response of the site, as a pure ASGI middleware.

Why not ``@app.middleware("http")``: Starlette runs such a function in a second task with a
streamed copy of the response, which cost ~8% of the server's CPU on every API lookup (the
API is served by the same app). Here the headers are added to the response's start message
as it goes out, and nothing else is touched.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shieldwall.web.security import _UNPROTECTED, HSTS, SECURITY_HEADERS, is_https

NO_STORE = ("/review", "/admin", "/audit", "/status", "/report")
"""Pages never cached: staff pages, and the portal's receipt, which shows the case number and
access code once."""


class SecurityHeadersMiddleware:
    """Adds :data:`SECURITY_HEADERS` (not on FastAPI's API explorer, which loads its own
    assets), ``Cache-Control: no-store`` under :data:`NO_STORE`, and HSTS over TLS."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        protect = not path.startswith(_UNPROTECTED)
        no_store = path.startswith(NO_STORE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if protect:
                    for name, value in SECURITY_HEADERS.items():
                        headers.setdefault(name, value)
                if no_store:
                    headers["Cache-Control"] = "no-store"
                if is_https(Request(scope)):
                    headers.setdefault("Strict-Transport-Security", HSTS)
            await send(message)

        await self.app(scope, receive, send_with_headers)
