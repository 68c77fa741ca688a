"""Fixtures for the end-to-end site tests (they live in web_e2e_support.py)."""

from web_e2e_support import browser, live, new_page, receiver

__all__ = ["browser", "live", "new_page", "receiver"]
