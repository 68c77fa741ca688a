"""``shieldwall exchange ...``: configure hash exchanges, list them, fetch one now."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import JsonOpt
from shieldwall.cli.output import ExitCode, emit_json, error_exit, stdout
from shieldwall.errors import ShieldwallError
from shieldwall.pipeline.exchange_fetch import add_exchange
from shieldwall.store import ExchangeInfo

exchange_app = typer.Typer(help="Hash exchanges fetched on a schedule (StopNCII-style, files).")


def _dict(e: ExchangeInfo) -> dict[str, Any]:
    return {
        "name": e.name,
        "kind": e.kind,
        "bank": e.bank,
        "config": e.config,
        "trust": e.trust,
        "enabled": e.enabled,
        "interval_s": e.interval_s,
        "checkpoint": e.checkpoint,
        "last_fetch_at": e.last_fetch_at.isoformat() if e.last_fetch_at else None,
        "last_success_at": e.last_success_at.isoformat() if e.last_success_at else None,
        "last_error": e.last_error,
    }


def _fail(exc: ShieldwallError) -> typer.Exit:
    return typer.Exit(error_exit(exc))


@exchange_app.command("kinds")
def kinds(json_out: JsonOpt = False) -> None:
    """The installed exchange connectors."""
    with state.runtime() as rt:
        found = rt.exchange_registry.kinds()
    if json_out:
        emit_json(found)
    else:
        for kind, description in found.items():
            stdout.print(f"[bold]{kind}[/bold]: {description}")


@exchange_app.command("add")
def add(
    name: str,
    kind: Annotated[str, typer.Option(help="Connector kind (see `exchange kinds`).")],
    bank: Annotated[str, typer.Option(help="Bank the fetched hashes go into.")],
    config: Annotated[
        str, typer.Option(help='Connector settings as JSON, e.g. {"path": "..."}.')
    ] = "{}",
    trust: Annotated[str, typer.Option(help="auto (may act automatically) or review.")] = "review",
    interval: Annotated[int, typer.Option(help="Seconds between scheduled fetches.")] = 3600,
    json_out: JsonOpt = False,
) -> None:
    """Configure an exchange (credentials come from the secrets file, never from here)."""
    try:
        parsed = json.loads(config)
    except ValueError:
        stdout.print("--config must be a JSON object")
        raise typer.Exit(ExitCode.USAGE) from None
    if not isinstance(parsed, dict):
        stdout.print("--config must be a JSON object")
        raise typer.Exit(ExitCode.USAGE)
    with state.runtime() as rt:
        try:
            info = add_exchange(
                rt.exchanges,
                rt.store,
                rt.exchange_registry,
                name=name,
                kind=kind,
                bank=bank,
                config=parsed,
                trust=trust,
                interval_s=interval,
            )
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json(_dict(info))
    else:
        stdout.print(f"exchange {info.name} ({info.kind}) -> bank {info.bank}, trust {info.trust}")


@exchange_app.command("list")
def list_(json_out: JsonOpt = False) -> None:
    """Configured exchanges with their checkpoint and last result."""
    with state.runtime() as rt:
        found = rt.exchanges.list_exchanges()
    for e in found:
        if json_out:
            emit_json(_dict(e))
        else:
            status = e.last_error or ("ok" if e.last_success_at else "never fetched")
            stdout.print(f"{e.name}\t{e.kind}\t{e.bank}\t{e.trust}\t{status}")


@exchange_app.command("fetch")
def fetch(name: str, json_out: JsonOpt = False) -> None:
    """Fetch one exchange now, from its checkpoint."""
    with state.runtime() as rt:
        try:
            report = rt.fetch_exchange(name)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json(report.to_dict())
    else:
        stdout.print(
            f"{report.pages} pages: {report.added} added, {report.withdrawn} withdrawn, "
            f"{report.deleted} deleted, {report.errors} bad records"
        )


@exchange_app.command("remove")
def remove(name: str) -> None:
    """Stop fetching an exchange (what it brought stays in its bank)."""
    with state.runtime() as rt:
        try:
            rt.exchanges.delete(name)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    stdout.print(f"removed exchange {name}")
