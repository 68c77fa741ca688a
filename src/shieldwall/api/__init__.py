"""The HTTP API (FastAPI): ``create_app(settings)``."""

from shieldwall.api.app import create_app

__all__ = ["create_app"]
