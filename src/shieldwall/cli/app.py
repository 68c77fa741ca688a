"""Root Typer application; each group of commands lives in its own module, loaded on use.

``shieldwall hash`` runs in the upload path of platforms' own scripts, so start-up time is
part of its cost: importing every command module (and with them SQLAlchemy, FastAPI, the
detectors' model runtimes) took 1.1-3.8 s before anything was hashed. The root group
therefore knows its commands by name, module and one line of help (``COMMANDS``), and
imports a command's module only when that command runs; ``shieldwall --help`` shows the
list from those lines without importing any of them. A test keeps the lines equal to the
commands' own help and checks that ``--help`` leaves the heavy modules unloaded.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from shieldwall.cli.context import state

COMMANDS: dict[str, tuple[str, str, str]] = {
    "hash": (
        "shieldwall.cli.hash_cmd",
        "hash_command",
        "Hash images: pdq, quality, md5, sha256 (and the error code of files that failed).",
    ),
    "match": (
        "shieldwall.cli.match_cmd",
        "match_command",
        "Match files against the banks: for each file, its matches (or none).",
    ),
    "serve": (
        "shieldwall.cli.serve_cmd",
        "serve_command",
        "Start the HTTP API (and the review UI and victim portal) on HOST:PORT.",
    ),
    "demo": (
        "shieldwall.cli.serve_cmd",
        "demo_command",
        "Create a demo bank from PHOTOS and a demo API key, then start the API and the worker.",
    ),
    "bank": ("shieldwall.cli.bank_cmd", "bank_app", "Manage hash banks."),
    "exchange": (
        "shieldwall.cli.exchange_cmd",
        "exchange_app",
        "Hash exchanges fetched on a schedule (StopNCII-style, files).",
    ),
    "keys": ("shieldwall.cli.serve_cmd", "keys_app", "API keys (stored hashed; shown once)."),
    "worker": (
        "shieldwall.cli.worker_cmd",
        "worker_command",
        "Deliver the outbox: webhooks, review tasks, bank additions, prepared reports.",
    ),
    "outbox": (
        "shieldwall.cli.worker_cmd",
        "outbox_app",
        "Inspect the outbox and replay dead letters.",
    ),
    "signals": (
        "shieldwall.cli.signals_cmd",
        "signals_app",
        "Signals (detectors): list them and what they need.",
    ),
    "policy": (
        "shieldwall.cli.policy_cmd",
        "policy_app",
        "Policy rules: test, activate, show, replay.",
    ),
    "audit": (
        "shieldwall.cli.audit_cmd",
        "audit_app",
        "Verify, export and checkpoint the audit trail.",
    ),
    "evidence": (
        "shieldwall.cli.audit_cmd",
        "evidence_app",
        "Export and verify signed evidence bundles.",
    ),
    "report": (
        "shieldwall.cli.audit_cmd",
        "report_command",
        "Transparency report over a period, or (``report sor``) DSA statements of reasons.",
    ),
    "guard": (
        "shieldwall.cli.guard_cmd",
        "guard_command",
        "Check a generation request; exit 1 when it would be refused.",
    ),
    "users": ("shieldwall.cli.users_cmd", "users_app", "Accounts for the review UI."),
    "indicators": (
        "shieldwall.cli.indicators_cmd",
        "indicators_app",
        "Indicator lists (nudify bots, domains, URLs, keywords, app ids).",
    ),
    "video": (
        "shieldwall.cli.video_cmd",
        "video_app",
        "Hash, bank and match videos (frame PDQ + file MD5/SHA-256).",
    ),
    "batch": (
        "shieldwall.cli.batch_cmd",
        "batch_app",
        # \\[ : Rich would take a bare [ray] as a markup tag and print nothing.
        "Corpus scans and retro-hunts on Ray (optional extra: pip install 'shieldwall\\[ray]').",
    ),
    "db": ("shieldwall.cli.db_cmd", "db_app", "Database schema."),
    "index": ("shieldwall.cli.db_cmd", "index_app", "The in-memory match index."),
}
"""Every lazily loaded command: name -> (module, attribute, first line of its help)."""


def load_command(name: str) -> Any:
    """Import one command's module and build its click command (a group for sub-apps).

    Typed ``Any``: Typer 0.12-0.2x builds on ``click``, later releases on a bundled copy of
    it, and this module must not import either one just to name the type.
    """
    module, attr, _ = COMMANDS[name]
    target: Any = getattr(importlib.import_module(module), attr)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer(pretty_exceptions_show_locals=False)
    single.command(name)(target)
    return typer.main.get_command(single)


class LazyGroup(TyperGroup):
    """The root group: lists every command, imports one only when it is run or asked about.

    While the root's own help is being written, commands not yet loaded are shown from
    their line in ``COMMANDS`` (a placeholder with that help) instead of being imported.
    """

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        eager = [n for n in super().list_commands(ctx) if n not in COMMANDS]
        return [*eager, *COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is not None or cmd_name not in COMMANDS:
            return found
        if self._listing:
            return TyperCommand(cmd_name, help=COMMANDS[cmd_name][2])
        command = load_command(cmd_name)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    name="shieldwall",
    cls=LazyGroup,
    help="Stop NCII: hash images, keep hash banks, match uploads, serve the API.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def _root(
    ctx: typer.Context,
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
    ctx.call_on_close(state.reset)


@app.command()
def version(
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Print the installed version."""
    from shieldwall import __version__
    from shieldwall.cli.output import emit_json

    if json_out:
        emit_json({"version": __version__})
    else:
        typer.echo(__version__)


def main() -> None:
    app()
