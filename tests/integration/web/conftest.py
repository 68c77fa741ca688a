"""Fixtures for the site tests (they live in web_support.py, importable by the tests)."""

from web_support import site

__all__ = ["site"]
