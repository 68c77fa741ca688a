"""The HTTP API (FastAPI): ``create_app(settings)``.

``create_app`` is imported lazily so that light users of this package (the
CLI reading :data:`shieldwall.api.auth.SCOPES`) do not pay for FastAPI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shieldwall.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from shieldwall.api.app import create_app

        return create_app
    raise AttributeError(name)
