"""shieldwall.signals."""
