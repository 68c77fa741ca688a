"""``shieldwall match``: which bank entries do these files match?"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import ExactOpt, JsonOpt, WorkersOpt
from shieldwall.cli.output import ExitCode, emit_json, error_exit, progress, stdout
from shieldwall.errors import ShieldwallError
from shieldwall.hashing import DecodeLimits, iter_image_files
from shieldwall.types import Match

if TYPE_CHECKING:
    from shieldwall.pipeline.matcher import Query

_BATCH = 256


def match_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    bank: Annotated[
        list[str] | None, typer.Option("--bank", "-b", help="Only these banks (repeatable).")
    ] = None,
    threshold: Annotated[
        int | None,
        typer.Option("--threshold", "-t", min=0, max=31, help="Override every bank's threshold."),
    ] = None,
    fail_on_match: Annotated[
        bool, typer.Option("--fail-on-match", help="Exit with code 1 when anything matched.")
    ] = False,
    json_out: JsonOpt = False,
    exact_decode: ExactOpt = False,
    workers: WorkersOpt = 1,
    robust: Annotated[
        bool | None,
        typer.Option(
            "--robust/--plain",
            help="Also search flipped, rotated, cropped and re-framed variants (default: on).",
        ),
    ] = None,
) -> None:
    """Match files against the banks: for each file, its matches (or none)."""
    from shieldwall.pipeline.queries import queries_for_files

    settings = state.settings
    limits = DecodeLimits(max_pixels=settings.max_image_pixels, max_bytes=settings.max_upload_bytes)
    files = list(iter_image_files(paths))
    matched = failed = 0
    table = Table("path", "bank", "entry", "type", "distance", "note", box=None)
    with state.runtime() as rt:
        try:
            matcher = rt.matcher
            pending: list[tuple[Path, Query | ShieldwallError]] = []

            def flush() -> None:
                nonlocal matched, failed
                good = [r for _, r in pending if not isinstance(r, ShieldwallError)]
                outcomes = iter(
                    matcher.match_many(good, banks=bank, threshold=threshold) if good else []
                )
                for path, result in pending:
                    if isinstance(result, ShieldwallError):
                        failed += 1
                        _report(json_out, table, path, [], [], result.code)
                        continue
                    outcome = next(outcomes)
                    active = outcome.active
                    matched += bool(active)
                    _report(json_out, table, path, list(outcome.matches), list(outcome.notes), None)
                pending.clear()

            with progress(len(files), "matching", enabled=not json_out) as bar:
                for path, result in queries_for_files(
                    files,
                    workers=workers,
                    limits=limits,
                    exact_decode=exact_decode or settings.exact_decode,
                    robust=settings.robust_matching if robust is None else robust,
                    windows=matcher.has_windows,
                    local_features=matcher.has_local_features,
                ):
                    bar.advance()
                    pending.append((path, result))
                    if len(pending) >= _BATCH:
                        flush()
                flush()
        except ShieldwallError as exc:
            raise typer.Exit(error_exit(exc)) from exc
    if not json_out:
        stdout.print(table)
        stdout.print(f"{len(files)} files: {matched} matched, {failed} failed")
    if fail_on_match and matched:
        raise typer.Exit(ExitCode.MATCHED)
    if failed:
        raise typer.Exit(ExitCode.INPUT_ERRORS)


def _report(
    json_out: bool,
    table: Table,
    path: Path,
    matches: list[Match],
    notes: list[str],
    error: str | None,
) -> None:
    if json_out:
        emit_json(
            {
                "path": str(path),
                "matches": [
                    {
                        "bank": m.bank,
                        "entry_id": m.entry_id,
                        "signal_type": m.signal_type.value,
                        "distance": m.distance,
                        **({"variant": m.variant} if m.variant else {}),
                        **({"suppressed_by": m.suppressed_by} if m.suppressed else {}),
                    }
                    for m in matches
                ],
                **({"notes": notes} if notes else {}),
                **({"error": error} if error else {}),
            }
        )
        return
    if error:
        table.add_row(str(path), "", "", "", "", f"[red]{error}[/red]")
    elif not matches:
        table.add_row(str(path), "[dim]no match[/dim]", "", "", "", "")
    for m in matches:
        note = f"suppressed by negative entry {m.suppressed_by}" if m.suppressed else ""
        if m.variant:
            note = " ".join(filter(None, (f"variant {m.variant}", note)))
        table.add_row(
            str(path), m.bank, str(m.entry_id), m.signal_type.value, str(m.distance), note
        )
    for n in notes:
        table.add_row(str(path), "", "", "", "", f"[yellow]{n}[/yellow]")
