"""``shieldwall batch``: corpus scans and retro-hunts on Ray (the optional ``ray`` extra).

Parses, calls the use cases (pipeline/corpus_scan.py, pipeline/corpus_hunt.py) with the
Ray glue of :mod:`shieldwall.batch.engine`, and renders. Without the extra installed every
command exits 10 with the pip command that installs it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from shieldwall.cli.context import state
from shieldwall.cli.output import ExitCode, emit_json, error_exit, progress, stderr, stdout
from shieldwall.errors import ExtraMissingError, ShieldwallError
from shieldwall.types import NewEntry

batch_app = typer.Typer(
    help="Corpus scans and retro-hunts on Ray (optional extra: pip install 'shieldwall[ray]').",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line on stdout.")]
AddressOpt = Annotated[
    str | None,
    typer.Option(
        "--address",
        envvar="SHIELDWALL_RAY_ADDRESS",
        help="An existing Ray cluster (e.g. ray://head:10001 or host:6379); default: local.",
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option("--workers", "-w", min=1, help="Parallel hashing workers (default: all CPUs)."),
]


def _failed(exc: ShieldwallError) -> typer.Exit:
    code = error_exit(exc)
    return typer.Exit(ExitCode.FAILED if isinstance(exc, ExtraMissingError) else code)


@batch_app.command("scan")
def scan_command(
    source: Annotated[Path, typer.Argument(help="A folder tree of images (searched recursively).")],
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, max=10_000, help="Files per decision batch.")
    ] = 256,
    prefix: Annotated[
        str, typer.Option("--prefix", help="Put before each relative path to make its content id.")
    ] = "",
    surface: Annotated[
        str, typer.Option("--surface", help="The surface items are stored under.")
    ] = "other",
    json_out: JsonOpt = False,
) -> None:
    """Decide every image under SOURCE once; killed and re-run, it carries on where it stopped.

    Each file's content id is PREFIX + its path relative to SOURCE. With ``--json``: one
    line per file decided or failed, then a summary line ``{"summary": {...}}``.
    """
    from shieldwall.batch.engine import hashed_batches, require_ray, start_ray, stop_ray
    from shieldwall.pipeline.corpus_scan import BatchTally, corpus_files

    if not source.is_dir():
        stderr.print(f"not a folder: {source}")
        raise typer.Exit(ExitCode.USAGE)
    tally = BatchTally()
    try:
        require_ray()  # before any work: a missing extra is said at once
        with state.runtime() as rt:
            scan = rt.corpus_scan(surface=surface)
            files = corpus_files(source, prefix=prefix)
            todo = scan.pending(files)
            tally.already = len(files) - len(todo)
            if todo:  # a finished scan run again joins no cluster
                start_ray(address=address, workers=workers)
            if not json_out:
                stderr.print(
                    f"{len(files)} files, {tally.already} decided before, {len(todo)} to scan"
                )
            with progress(len(todo), "scanning", enabled=not json_out) as bar:
                for rows in hashed_batches(
                    todo,
                    limits=rt.limits,
                    robust=rt.settings.robust_matching,
                    windows=rt.matcher.has_windows,
                    workers=workers,
                    batch_size=batch_size,
                ):
                    for line in scan.decide(rows, tally):
                        if json_out:
                            emit_json(line)
                    bar.advance(len(rows))
    except ShieldwallError as exc:
        raise _failed(exc) from exc
    finally:
        stop_ray()
    if json_out:
        emit_json({"summary": tally.summary()})
    else:
        s = tally.summary()
        stdout.print(
            f"{s['decided']} decided, {s['already_decided']} decided before, "
            f"{s['failed']} failed, {s['matched']} matched; verdicts {s['verdicts']}"
        )
    if tally.failed:
        raise typer.Exit(ExitCode.INPUT_ERRORS)


@batch_app.command("retro-hunt")
def retro_hunt_command(
    bank: Annotated[
        str | None, typer.Option("--bank", "-b", help="Hunt every active entry of this bank.")
    ] = None,
    hashes: Annotated[
        Path | None,
        typer.Option(
            "--hashes", help="Hunt a hash list not in any bank (reports, decides nothing)."
        ),
    ] = None,
    format: Annotated[
        str, typer.Option("--format", help="The hash list's format: csv, jsonl, threatexchange.")
    ] = "csv",
    threshold: Annotated[
        int, typer.Option("--threshold", "-t", min=0, max=31, help="PDQ distance for --hashes.")
    ] = 31,
    shards: Annotated[
        int | None,
        typer.Option(
            "--shards", min=1, help="Split remembered items this many ways (default: CPUs)."
        ),
    ] = None,
    address: AddressOpt = None,
    workers: WorkersOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Hunt a bank (decides every remembered item it hits) or a new hash list (reports)."""
    from shieldwall.batch.engine import sharded_search, start_ray, stop_ray
    from shieldwall.pipeline.corpus_hunt import remembered_shards

    if (bank is None) == (hashes is None):
        stderr.print("give exactly one of --bank or --hashes")
        raise typer.Exit(ExitCode.USAGE)
    try:
        ray = start_ray(address=address, workers=workers)
        with state.runtime() as rt:
            hunt = rt.corpus_hunt()
            cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
            n = min(shards or cpus, cpus)  # one actor per shard, one CPU each
            search, used, remembered = sharded_search(remembered_shards(rt.items, n))
            hits: list[dict[str, object]]
            summary: dict[str, object]
            if bank is not None:
                report = hunt.hunt_bank(bank, search)
                summary = {**report.summary(), "shards": used, "remembered": remembered}
                hits = [
                    {"item_id": h.item_id, "entry_id": h.entry_id, "distance": h.distance}
                    for h in report.hits
                ]
            else:
                assert hashes is not None
                entries, bad = _read_list(hashes, format)
                found = hunt.hunt_list(entries, search, threshold=threshold)
                hits = [
                    {
                        "line": h.line_no,
                        "signal_type": h.signal_type,
                        "item_id": h.item_id,
                        "content_id": h.content_id,
                        "distance": h.distance,
                    }
                    for h in found
                ]
                summary = {
                    "entries": len(entries),
                    "bad_lines": bad,
                    "items_hit": len({h.item_id for h in found}),
                    "shards": used,
                    "remembered": remembered,
                }
    except ShieldwallError as exc:
        raise _failed(exc) from exc
    finally:
        stop_ray()
    if json_out:
        for hit in hits:
            emit_json(hit)
        emit_json({"summary": summary})
        return
    from rich.table import Table

    table = Table(*(hits[0].keys() if hits else ("hits",)), box=None)
    for hit in hits:
        table.add_row(*(str(v) for v in hit.values()))
    stdout.print(table)
    stdout.print(
        ", ".join(f"{k} {v if not isinstance(v, list) else len(v)}" for k, v in summary.items())
    )


def _read_list(path: Path, format: str) -> tuple[list[tuple[int, NewEntry]], int]:
    from shieldwall.exchange.readers import read_entries
    from shieldwall.exchange.records import ParsedEntry

    entries: list[tuple[int, NewEntry]] = []
    bad = 0
    try:
        with path.open("rb") as stream:
            for parsed in read_entries(stream, format):
                if isinstance(parsed, ParsedEntry):
                    entries.append((parsed.line_no, parsed.entry))
                else:
                    bad += 1
    except OSError as exc:
        stderr.print(f"cannot read {path}: {exc.strerror or exc}")
        raise typer.Exit(ExitCode.USAGE) from exc
    except ValueError as exc:
        stderr.print(f"unknown format {format!r}: use csv, jsonl or threatexchange")
        raise typer.Exit(ExitCode.USAGE) from exc
    return entries, bad
