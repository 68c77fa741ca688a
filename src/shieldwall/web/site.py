"""``create_site``: the API plus the review UI and the victim portal, on one FastAPI app.

The site sits above the API (it calls ``shieldwall.api.create_app`` and adds pages);
the API never imports it. Pages are server-rendered Jinja2 templates; htmx and every
script are served from ``/static``; each response carries a self-only
Content-Security-Policy, so the pages make no third-party request at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from shieldwall.api import create_app
from shieldwall.api.app import ActionsHook, DecisionsHook
from shieldwall.config import Settings
from shieldwall.pipeline.scan import ScanOutcome
from shieldwall.runtime import Runtime
from shieldwall.web.headers import SecurityHeadersMiddleware
from shieldwall.web.routes import dashboard, portal, review, review_cases, staff
from shieldwall.web.security import LoginRequired, PageForbidden
from shieldwall.web.state import WebState
from shieldwall.web.templating import STATIC_DIR, render

KEEP_REVIEW_MEDIA = False
"""Store scanned images, encrypted, for moderators to see (opt-in; proposed setting)."""


def create_site(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    on_decisions: DecisionsHook | None = None,
    on_actions: ActionsHook | None = None,
    keep_review_media: bool | None = None,
) -> FastAPI:
    """The whole web service: API under ``/v1``, review UI under ``/review``, portal at
    ``/report`` and ``/status``. ``on_decisions`` is the API's hook (e.g. queue the outbox
    now); the pages call it too for the decisions people make."""
    keep = KEEP_REVIEW_MEDIA if keep_review_media is None else keep_review_media
    app = create_app(settings, runtime=runtime, on_decisions=on_decisions, on_actions=on_actions)
    inner_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with inner_lifespan(app_):
            rt: Runtime = app_.state.runtime
            web = WebState.build(rt, keep_review_media=keep)
            app_.state.web = web
            remove_sink = _keep_scanned_media(rt, web) if keep else _nothing
            try:
                yield
            finally:
                remove_sink()

    app.router.lifespan_context = lifespan
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    for router in (
        staff.router,
        review.router,
        review_cases.router,
        portal.router,
        dashboard.router,
    ):
        app.include_router(router)

    app.add_middleware(SecurityHeadersMiddleware)

    @app.exception_handler(LoginRequired)
    async def _login(_: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        return render(request, "forbidden.html", {"message": exc.message}, status_code=403)

    return app


def _nothing() -> None:
    return None


def _keep_scanned_media(rt: Runtime, web: WebState) -> Callable[[], None]:
    """Encrypt each newly scanned image into ``review_media`` (the scanner's media sink
    gets the upload's bytes after the item is stored); returns the sink's remover."""

    def keep(outcome: ScanOutcome, data: bytes) -> None:
        web.vault.keep(outcome.item.id, data, outcome.item.media_type or "")

    return rt.scanner.add_media_sink(keep)
