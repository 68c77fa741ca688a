"""The ``shieldwall`` command line (Typer + Rich)."""

from shieldwall.cli.app import app, main

__all__ = ["app", "main"]
