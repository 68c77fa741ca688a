"""``shieldwall signals list``: which signals exist here, whether each can run, and if not why.

Built-in signals and those from installed plug-ins are listed together, with the provider, so
an operator can see at a glance that, say, the nudity detector needs ``pip install ...`` before
a policy rule that depends on it will ever fire.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shieldwall.cli.output import ExitCode, emit_json, error_exit, stdout
from shieldwall.errors import ShieldwallError

signals_app = typer.Typer(help="Signals (detectors): list them and what they need.")


@signals_app.callback()
def _signals() -> None:
    """Signals (detectors): list them and what they need."""


JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line on stdout.")]


@signals_app.command("list")
def list_command(json_out: JsonOpt = False) -> None:
    """List every signal: name, version, what it applies to, usable or how to make it usable."""
    from shieldwall.cli.context import state

    try:
        # The runtime's registry, so indicator lists stored in the database count.
        with state.runtime() as rt:
            registry = rt.signals
    except ShieldwallError as exc:
        raise typer.Exit(error_exit(exc)) from exc
    table = Table("name", "version", "applies to", "provider", "status", box=None)
    for entry in registry.entries():
        signal = entry.signal
        try:
            availability = signal.availability()
            usable, reason = availability.usable, availability.reason
            hint = availability.install_hint
            status = availability.describe()
        except Exception as exc:  # a plug-in's broken check is reported, not raised
            usable, reason, hint = False, f"availability check failed: {exc}", None
            status = f"not usable: {reason}"
        applies = sorted(str(s) for s in signal.applies_to)
        if json_out:
            emit_json(
                {
                    "name": signal.name,
                    "version": signal.version,
                    "applies_to": applies,
                    "provider": entry.provider,
                    "usable": usable,
                    "reason": reason,
                    "install_hint": hint,
                    "description": getattr(signal, "description", ""),
                }
            )
        else:
            style = "green" if usable else "yellow"
            table.add_row(
                escape(signal.name),
                escape(signal.version),
                ", ".join(applies) or "-",
                entry.provider,
                f"[{style}]{escape(status)}[/{style}]",
            )
    if not json_out:
        stdout.print(table)
    raise typer.Exit(ExitCode.OK)
