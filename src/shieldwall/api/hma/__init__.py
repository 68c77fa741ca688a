"""The HMA-compatible API, mounted at ``/hma``: Meta's Hasher-Matcher-Actioner paths and
response shapes over Shieldwall's banks, so tools written for HMA work unchanged.

What is and is not supported is in ``docs/hma-compat.md``. HMA itself has no
authentication; here every call needs a Shieldwall API key as a bearer token,
with the scope the same work needs on ``/v1``.
"""

from __future__ import annotations

from fastapi import APIRouter

from shieldwall.api.hma import curation, hashing, matching

PREFIX = "/hma"


def build_router() -> APIRouter:
    """All HMA-compatible routes under ``/hma``."""
    router = APIRouter(prefix=PREFIX)
    for module in (hashing, matching, curation):
        router.include_router(module.router)
    return router


def takes_uploads(path: str) -> bool:
    """Whether ``path`` accepts media uploads (and so the upload size limit, not the
    small JSON body limit)."""
    if path in (f"{PREFIX}/h/hash", f"{PREFIX}/m/lookup"):
        return True
    return path.startswith(f"{PREFIX}/c/bank/") and path.endswith("/content")


__all__ = ["PREFIX", "build_router", "takes_uploads"]
