"""``shieldwall indicators …``: nudify-ecosystem indicator lists, managed like hash banks.

Create a list, fill it from a CSV, STIX 2.1 or MISP feed (or one indicator at a time), take
indicators out, export it again, and try a piece of text against everything that is loaded::

    shieldwall indicators create-list demo-feed --source "demo feed"
    shieldwall indicators import demo-feed feed.csv
    shieldwall indicators test "get it at hxxps://nudify-demo[.]example"

Imports report each refused record with its position and exit with code 3 when there were
any; the good records are stored either way, and importing the same file again changes nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import JsonOpt
from shieldwall.cli.output import (
    ExitCode,
    ExportJsonOpt,
    emit_json,
    error_exit,
    require_output_for_json,
    stderr,
    stdout,
)
from shieldwall.errors import ShieldwallError
from shieldwall.exchange.indicators import read_csv, read_misp, read_stix, write_csv
from shieldwall.exchange.indicators.misp_feed import write_misp
from shieldwall.exchange.indicators.stix_feed import write_stix
from shieldwall.signals.text import (
    Indicator,
    IndicatorKind,
    IndicatorSet,
    TextIndicatorSignal,
)

indicators_app = typer.Typer(
    help="Indicator lists (nudify bots, domains, URLs, keywords, app ids).", no_args_is_help=True
)

_SNIFF_BYTES = 64 * 1024


class FeedFormat(StrEnum):
    """Indicator feed formats."""

    CSV = "csv"
    STIX = "stix"
    MISP = "misp"


def _fail(exc: ShieldwallError) -> typer.Exit:
    return typer.Exit(error_exit(exc))


def _list_dict(info: Any) -> dict[str, Any]:
    return {
        "name": info.name,
        "source": info.source,
        "description": info.description,
        "enabled": info.enabled,
        "active_indicators": info.active_indicators,
    }


def _indicator_dict(s: Any) -> dict[str, Any]:
    return {
        "id": s.id,
        "list": s.list_name,
        "external_id": s.external_id,
        "kind": s.kind.value,
        "value": s.value,
        "confidence": s.confidence,
        "expires_at": s.expires_at.isoformat() if s.expires_at else None,
        "description": s.description,
        "status": s.status.value,
    }


def guess_format(path: Path) -> FeedFormat:
    """The feed format of ``path``: ``.csv`` is CSV; JSON is STIX when it is a bundle, else MISP."""
    if path.suffix.lower() == ".csv":
        return FeedFormat.CSV
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    if not head.lstrip().startswith(b"{"):
        return FeedFormat.CSV
    compact = head.replace(b" ", b"").replace(b"\n", b"")
    return FeedFormat.STIX if b'"type":"bundle"' in compact else FeedFormat.MISP


@indicators_app.command("create-list")
def create_list(
    name: str,
    source: Annotated[str, typer.Option(help="Feed name written on exports.")] = "",
    description: Annotated[str, typer.Option(help="What the list holds, for whom.")] = "",
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it switched off.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Create an empty indicator list."""
    with state.runtime() as rt:
        try:
            info = rt.indicators.create_list(
                name=name, source=source, description=description, enabled=not disabled
            )
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json(_list_dict(info))
    else:
        stdout.print(f"created indicator list [bold]{escape(name)}[/bold]")


@indicators_app.command("list")
def list_command(
    name: Annotated[str | None, typer.Argument(help="Show this list's indicators.")] = None,
    include_removed: Annotated[
        bool, typer.Option("--include-removed", help="Also show removed indicators.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """List the indicator lists, or with NAME the indicators in one list."""
    with state.runtime() as rt:
        try:
            if name is None:
                rows = [_list_dict(i) for i in rt.indicators.list_lists()]
                columns: tuple[str, ...] = ("name", "source", "enabled", "active_indicators")
            else:
                found = rt.indicators.iter_indicators(
                    list_name=name, include_removed=include_removed
                )
                rows = [_indicator_dict(s) for s in found]
                columns = ("id", "kind", "value", "confidence", "expires_at", "status")
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        for row in rows:
            emit_json(row)
        return
    table = Table(*columns, box=None)
    for row in rows:
        table.add_row(*(escape(str(row[c] if row[c] is not None else "-")) for c in columns))
    stdout.print(table)


@indicators_app.command("import")
def import_command(
    name: str,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    format: Annotated[
        FeedFormat | None,
        typer.Option("--format", help="csv, stix or misp (default: from the file)."),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Import a CSV, STIX 2.1 or MISP feed into a list (idempotent; bad records are listed)."""
    fmt = format or guess_format(file)
    with state.runtime() as rt:
        try:
            source = rt.indicators.get_list(name=name).feed_name
            if fmt is FeedFormat.CSV:
                with file.open(encoding="utf-8-sig", errors="replace", newline="") as f:
                    report = rt.indicators.import_indicators(
                        list_name=name, items=read_csv(f, default_source=source)
                    )
            else:
                reader = read_stix if fmt is FeedFormat.STIX else read_misp
                with file.open("rb") as fb:
                    report = rt.indicators.import_indicators(
                        list_name=name, items=reader(fb, default_source=source)
                    )
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    summary = report.to_dict()
    if json_out:
        emit_json(summary)
    else:
        stdout.print(
            f"{escape(name)}: {report.added} added, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.problems)} refused"
        )
        for p in report.problems:
            detail = f"{p.message}: {p.value}" if p.value else p.message
            stderr.print(f"{escape(p.position)}: {escape(f'[{p.code}]')} {escape(detail)}")
    if report.problems:
        raise typer.Exit(ExitCode.INPUT_ERRORS)


@indicators_app.command("export")
def export_command(
    name: str,
    format: Annotated[FeedFormat, typer.Option("--format", help="csv, stix or misp.")] = (
        FeedFormat.CSV
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here (default: stdout).")
    ] = None,
    json_out: ExportJsonOpt = False,
) -> None:
    """Write a list's active indicators as CSV, a STIX 2.1 bundle or a MISP event."""
    require_output_for_json(json_out, output)
    with state.runtime() as rt:
        try:
            indicators = rt.indicators.export_indicators(list_name=name)
            if output is None:
                _write(format, indicators, sys.stdout, name)
                return
            written = [0]

            def counted() -> Iterator[Indicator]:  # streamed, and counted on the way
                for indicator in indicators:
                    written[0] += 1
                    yield indicator

            with output.open("w", encoding="utf-8", newline="") as f:
                _write(format, counted(), f, name)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json(
            {"list": name, "format": format.value, "output": str(output), "indicators": written[0]}
        )


def _write(format: FeedFormat, indicators: Iterable[Indicator], stream: IO[str], name: str) -> None:
    if format is FeedFormat.CSV:
        write_csv(indicators, stream)  # row by row: CSV never holds the list in memory
    elif format is FeedFormat.STIX:
        write_stix(indicators, stream)
    else:
        write_misp(indicators, stream, info=f"Shieldwall indicator list {name}")
    stream.flush()


@indicators_app.command("add")
def add_command(
    name: str,
    kind: Annotated[IndicatorKind, typer.Argument(help="What the value is.")],
    value: str,
    id: Annotated[str | None, typer.Option("--id", help="The feed's own id.")] = None,
    confidence: Annotated[float, typer.Option(min=0.0, max=1.0, help="0..1.")] = 1.0,
    expires_at: Annotated[
        datetime | None, typer.Option(help="Stop matching at this time (UTC if no zone).")
    ] = None,
    description: Annotated[str, typer.Option(help="A note for moderators.")] = "",
    json_out: JsonOpt = False,
) -> None:
    """Add one indicator (or update it when the list already has this value)."""
    with state.runtime() as rt:
        try:
            stored, changed = rt.indicators.add_indicator(
                list_name=name,
                kind=kind,
                value=value,
                external_id=id,
                confidence=confidence,
                expires_at=expires_at,
                description=description,
            )
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json({**_indicator_dict(stored), "changed": changed})
    else:
        what = "added" if changed else "already present"
        stdout.print(f"{what}: {stored.kind.value} {escape(stored.value)} (id {stored.id})")


@indicators_app.command("remove")
def remove_command(
    name: str,
    kind: Annotated[IndicatorKind, typer.Argument(help="What the value is.")],
    value: str,
    json_out: JsonOpt = False,
) -> None:
    """Stop matching one indicator (it is kept, marked removed, to explain past decisions)."""
    with state.runtime() as rt:
        try:
            stored = rt.indicators.remove_indicator(list_name=name, kind=kind, value=value)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json(_indicator_dict(stored))
    else:
        stdout.print(f"removed: {stored.kind.value} {escape(stored.value)}")


@indicators_app.command("test")
def test_command(
    text: str,
    url: Annotated[str | None, typer.Option(help="The page URL the text was on.")] = None,
    fail_on_match: Annotated[
        bool, typer.Option("--fail-on-match", help="Exit with code 1 when something matched.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Match TEXT against the active indicators of every enabled list and print the evidence."""
    with state.runtime() as rt:
        indicators = rt.indicators.load_active()
    result = TextIndicatorSignal(IndicatorSet(indicators)).evaluate(text, url=url)
    matched = bool(result.score)
    if json_out:
        emit_json(
            {
                "indicators_loaded": len(indicators),
                "score": result.score,
                "labels": list(result.labels),
                "evidence": list(result.evidence),
            }
        )
    else:
        if not indicators:
            stderr.print("[yellow]no active indicators in any enabled list[/yellow]")
        stdout.print(f"score {result.score or 0:.2f}  labels {', '.join(result.labels) or '-'}")
        for line in result.evidence:
            stdout.print(f"  {escape(line)}")
    if matched and fail_on_match:
        raise typer.Exit(ExitCode.MATCHED)
