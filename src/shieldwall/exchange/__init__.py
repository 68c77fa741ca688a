"""shieldwall.exchange."""
