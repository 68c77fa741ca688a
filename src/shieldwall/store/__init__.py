"""shieldwall.store."""
