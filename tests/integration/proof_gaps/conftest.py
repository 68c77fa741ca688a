"""Fixtures for the proof-gap tests (they live in proof_gaps_support.py, importable by tests)."""

from proof_gaps_support import proof_site

__all__ = ["proof_site"]
