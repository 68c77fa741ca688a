"""Root Typer application; each group of commands lives in its own module."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shieldwall.cli.audit_cmd import audit_app, evidence_app, report_command
from shieldwall.cli.bank_cmd import bank_app
from shieldwall.cli.context import state
from shieldwall.cli.db_cmd import db_app, index_app
from shieldwall.cli.exchange_cmd import exchange_app
from shieldwall.cli.guard_cmd import guard_command
from shieldwall.cli.hash_cmd import hash_command
from shieldwall.cli.indicators_cmd import indicators_app
from shieldwall.cli.match_cmd import match_command
from shieldwall.cli.policy_cmd import policy_app
from shieldwall.cli.serve_cmd import demo_command, keys_app, serve_command
from shieldwall.cli.signals_cmd import signals_app
from shieldwall.cli.users_cmd import users_app
from shieldwall.cli.video_cmd import video_app
from shieldwall.cli.worker_cmd import outbox_app, worker_command

app = typer.Typer(
    name="shieldwall",
    help="Stop NCII: hash images, keep hash banks, match uploads, serve the API.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root(
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", envvar="SHIELDWALL_DATA_DIR", help="Where state is kept."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", envvar="SHIELDWALL_DATABASE_URL", help="SQLAlchemy URL."),
    ] = None,
) -> None:
    """Shieldwall: hash, bank, match and serve."""
    state.data_dir = data_dir
    state.database_url = database_url


@app.command()
def version() -> None:
    """Print the installed version."""
    from shieldwall import __version__

    typer.echo(__version__)


app.command("hash")(hash_command)
app.command("match")(match_command)
app.command("serve")(serve_command)
app.command("demo")(demo_command)
app.add_typer(bank_app, name="bank")
app.add_typer(exchange_app, name="exchange")
app.add_typer(keys_app, name="keys")
app.command("worker")(worker_command)
app.add_typer(outbox_app, name="outbox")
app.add_typer(signals_app, name="signals")
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.add_typer(evidence_app, name="evidence")
app.command("report")(report_command)
app.command("guard")(guard_command)
app.add_typer(users_app, name="users")
app.add_typer(indicators_app, name="indicators")
app.add_typer(video_app, name="video")
app.add_typer(db_app, name="db")
app.add_typer(index_app, name="index")


def main() -> None:
    app()
