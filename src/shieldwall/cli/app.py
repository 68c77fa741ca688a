"""Root Typer application; sub-commands live in their own modules."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="shieldwall", help="Stop NCII: hash, bank, match, serve.", no_args_is_help=True
)


@app.callback()
def _root() -> None:
    """Shieldwall: hash, bank, match and serve."""


@app.command()
def version() -> None:
    """Print the installed version."""
    from shieldwall import __version__

    typer.echo(__version__)


def main() -> None:
    app()
