"""shieldwall.hashing."""
