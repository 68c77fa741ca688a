"""shieldwall.policy."""
