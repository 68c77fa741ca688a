"""End-to-end tests of ``shieldwall batch`` (the Ray engine)."""
