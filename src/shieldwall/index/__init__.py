"""shieldwall.index."""
