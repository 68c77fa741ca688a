"""shieldwall.pipeline."""
