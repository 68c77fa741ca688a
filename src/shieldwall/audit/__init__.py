"""shieldwall.audit."""
