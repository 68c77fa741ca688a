"""Fixtures of the ``serve`` end-to-end tests (see ``serve_support.py``)."""

from tests.e2e.serve.serve_support import database

__all__ = ["database"]
