"""What several pages take from a request: the web state, the reviewer roles as
``Annotated`` dependencies, a row id in a path, and the API's decisions hook.

One module for them, so that one page does not import another page (or the app
factory) for a shared dependency.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from shieldwall.web.security import APPEAL_DECIDERS, REVIEWERS, Viewer, require_role
from shieldwall.web.state import WebState

Reviewer = Annotated[Viewer, Depends(require_role(*REVIEWERS))]
AppealDecider = Annotated[Viewer, Depends(require_role(*APPEAL_DECIDERS))]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
"""A row id in a path: larger than a 64-bit integer answers 422, not a database overflow."""


def web(request: Request) -> WebState:
    """The site's :class:`WebState`, built at start-up next to the runtime."""
    state: WebState = request.app.state.web
    return state


def decisions_made(request: Request, decision_ids: list[str]) -> None:
    """Tell the API's ``on_decisions`` hook about decisions made on a page (best effort)."""
    decided = getattr(request.app.state, "decided", None)
    if decided is not None and decision_ids:
        decided(decision_ids)
