"""The pages' templates and :func:`render`, apart from the app factory.

Every page renders through here, so the pages depend on this module and not on
``web/site.py``: the factory imports the pages, the pages never import the factory
(import-linter's "Pages never import the app factory" contract keeps it so).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from shieldwall.web.security import current_viewer

WEB_DIR = Path(__file__).resolve().parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES = Jinja2Templates(directory=str(WEB_DIR / "templates"))


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page with the signed-in person (if any) and their CSRF token."""
    viewer = getattr(request.state, "viewer", None) or current_viewer(request)
    ctx: dict[str, Any] = {"viewer": viewer, "csrf": viewer.csrf if viewer else ""}
    ctx.update(context or {})
    return TEMPLATES.TemplateResponse(request, template, ctx, status_code=status_code)
