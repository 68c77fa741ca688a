"""``shieldwall hash``: PDQ, quality, MD5 and SHA-256 of files and folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shieldwall.cli.context import state
from shieldwall.cli.output import ExitCode, emit_json, progress
from shieldwall.errors import ShieldwallError
from shieldwall.hashing import hash_files, iter_image_files

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line on stdout.")]
ExactOpt = Annotated[
    bool, typer.Option("--exact-decode", help="Decode at full resolution (slower, bit-exact PDQ).")
]
WorkersOpt = Annotated[int, typer.Option("--workers", "-w", min=1, help="Processes to hash with.")]


def hash_command(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (searched recursively).")],
    json_out: JsonOpt = False,
    exact_decode: ExactOpt = False,
    workers: WorkersOpt = 1,
) -> None:
    """Hash images: pdq, quality, md5, sha256 (and the error code of files that failed)."""
    limits, exact_setting = state.decode_options()
    files = list(iter_image_files(paths))
    failed = 0
    table = None
    if not json_out:  # Rich only for people: scripts with --json never load it
        from rich.table import Table

        table = Table("path", "pdq", "quality", "md5", "error", box=None)
    with progress(len(files), "hashing", enabled=not json_out) as bar:
        for path, result in hash_files(
            files,
            workers=workers,
            limits=limits,
            exact_decode=exact_decode or exact_setting,
        ):
            bar.advance()
            row: dict[str, object]
            if isinstance(result, ShieldwallError):
                failed += 1
                row = {
                    "path": str(path),
                    "pdq": None,
                    "quality": None,
                    "md5": None,
                    "sha256": None,
                    "error": result.code,
                }
            else:
                row = {
                    "path": str(path),
                    "pdq": result.pdq,
                    "quality": result.quality,
                    "md5": result.md5,
                    "sha256": result.sha256,
                    "error": None,
                }
            if table is None:
                emit_json(row)
            else:
                table.add_row(
                    str(path),
                    str(row["pdq"] or ""),
                    str(row["quality"] or ""),
                    str(row["md5"] or ""),
                    f"[red]{row['error']}[/red]" if row["error"] else "",
                )
    if table is not None:
        from shieldwall.cli.output import stdout

        stdout.print(table)
        stdout.print(f"{len(files) - failed} hashed, {failed} failed")
    if failed:
        raise typer.Exit(ExitCode.INPUT_ERRORS)
