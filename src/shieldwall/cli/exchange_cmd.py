"""``shieldwall exchange ...``: configure hash exchanges, list them, fetch one now."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import JsonOpt
from shieldwall.cli.output import ExitCode, emit_json, error_exit, stdout
from shieldwall.errors import ShieldwallError
from shieldwall.pipeline.exchange_fetch import add_exchange

if TYPE_CHECKING:  # an annotation only: the CLI reaches the store through the runtime
    from shieldwall.pipeline.records import ExchangeInfo

exchange_app = typer.Typer(help="Hash exchanges fetched on a schedule (StopNCII-style, files).")


def _dict(e: ExchangeInfo) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in e.public().items()}


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
                rt.banks,
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
def remove(name: str, json_out: JsonOpt = False) -> None:
    """Stop fetching an exchange (what it brought stays in its bank)."""
    with state.runtime() as rt:
        try:
            rt.exchanges.delete(name)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json({"exchange": name, "removed": True})
    else:
        stdout.print(f"removed exchange {name}")


quarantine_app = typer.Typer(
    help="Bank entries quarantined after a flood of matches (their matches go to review)."
)
exchange_app.add_typer(quarantine_app, name="quarantine")


@quarantine_app.command("list")
def quarantine_list(
    all_: Annotated[bool, typer.Option("--all", help="Include released entries.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Quarantined entries, newest first."""
    with state.runtime() as rt:
        found = rt.quarantine.list_quarantined(include_released=all_)
    for q in found:
        row = {
            "entry_id": q.entry_id,
            "bank": q.bank,
            "reason": q.reason,
            "hits": q.hits,
            "quarantined_at": q.quarantined_at.isoformat(),
            "released_at": q.released_at.isoformat() if q.released_at else None,
            "released_by": q.released_by,
        }
        if json_out:
            emit_json(row)
        else:
            state_text = f"released by {q.released_by}" if q.released_at else "quarantined"
            stdout.print(f"{q.entry_id}\t{q.bank}\t{state_text}\t{q.reason}")
    if not found and not json_out:
        stdout.print("no quarantined entries")


@quarantine_app.command("release")
def quarantine_release(
    entry_id: int,
    by: Annotated[str, typer.Option(help="Who checked the entry and lets it act again.")],
    note: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Let a quarantined entry act again after a person checked it."""
    with state.runtime() as rt:
        try:
            q = rt.quarantine.release(entry_id, by=by, note=note)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json({"entry_id": q.entry_id, "released_by": q.released_by, "released": True})
    else:
        stdout.print(f"entry {q.entry_id} released by {q.released_by}")
