"""``shieldwall batch``: corpus scans and retro-hunts on Ray (the optional ``ray`` extra).

Parses, calls the use cases (pipeline/corpus_scan.py, pipeline/corpus_hunt.py) with the
Ray glue of :mod:`shieldwall.batch.engine` (and, for ``s3://`` sources, the bucket lister
and reader of :mod:`shieldwall.batch.s3`), and renders. Without the extra installed every
command exits 10 with the pip command that installs it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from shieldwall.cli.context import state
from shieldwall.cli.output import ExitCode, emit_json, error_exit, progress, stderr, stdout
from shieldwall.errors import (
    BucketNotFoundError,
    ExtraMissingError,
    ObjectStoreError,
    ShieldwallError,
)
from shieldwall.types import NewEntry

if TYPE_CHECKING:
    from shieldwall.batch.s3 import S3Location
    from shieldwall.pipeline.corpus_scan import BatchTally, CorpusFile, CorpusReader
    from shieldwall.runtime import Runtime

batch_app = typer.Typer(
    # \\[ : Rich would take a bare [ray] as a markup tag and print nothing.
    help="Corpus scans and retro-hunts on Ray (optional extra: pip install 'shieldwall\\[ray]').",
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
    """Print the error; a missing extra or a store that cannot be listed or reached is a
    failure of the run (10), not of some inputs (3); a missing bucket is not found (4)."""
    code = error_exit(exc)
    if isinstance(exc, BucketNotFoundError):
        return typer.Exit(ExitCode.NOT_FOUND)
    whole_run = isinstance(exc, ExtraMissingError | ObjectStoreError)
    return typer.Exit(ExitCode.FAILED if whole_run else code)


@batch_app.command("scan")
def scan_command(
    source: Annotated[
        str,
        typer.Argument(
            # Rich markup: a bare [s3] or [/PREFIX] would be taken as a tag.
            help="A folder tree of images (searched recursively), or s3://BUCKET or "
            "s3://BUCKET/PREFIX: every object under the prefix of an S3-compatible bucket "
            "(optional extra: pip install 'shieldwall\\[s3]').",
        ),
    ],
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
    endpoint_url: Annotated[
        str | None,
        typer.Option(
            "--endpoint-url",
            help="s3:// sources: an S3-compatible endpoint (MinIO, Ceph, R2), e.g. "
            "http://minio:9000; default: SHIELDWALL_S3_ENDPOINT_URL, else AWS S3. "
            "Credentials: the AWS chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, "
            "a role), on this machine and on every Ray node.",
        ),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            "--region", help="s3:// sources: the bucket's region (default: SHIELDWALL_S3_REGION)."
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Decide every image under SOURCE once; killed and re-run, it carries on where it stopped.

    A file's content id is PREFIX + its path relative to SOURCE; an object's is PREFIX +
    s3://BUCKET/KEY (its whole key). Ray workers read the files or objects themselves; only
    hashes come back. With ``--json``: one line per item decided or failed, then a summary
    line ``{"summary": {...}}``.
    """
    from shieldwall.batch.engine import require_ray, stop_ray
    from shieldwall.pipeline.corpus_scan import BatchTally

    bucket = _s3_location(source)
    folder = Path(source)
    if bucket is None and not folder.is_dir():
        stderr.print(f"not a folder: {escape(source)}")
        raise typer.Exit(ExitCode.USAGE)
    if bucket is None and (endpoint_url or region):
        # Most likely a bucket named without its s3:// (the folder exists by chance).
        stderr.print("--endpoint-url and --region are for s3:// sources, not folders")
        raise typer.Exit(ExitCode.USAGE)
    tally = BatchTally()
    extra: dict[str, object] = {}
    try:
        require_ray()  # before any work: a missing extra is said at once
        if bucket is not None:
            from shieldwall.batch.s3 import require_boto3

            require_boto3()
        with state.runtime() as rt:
            run = _ScanRun(rt, surface, address, workers, batch_size, json_out, tally)
            if bucket is None:
                run.folder(folder, prefix)
            else:
                extra = run.bucket(bucket, prefix, endpoint_url, region)
    except ShieldwallError as exc:
        raise _failed(exc) from exc
    finally:
        stop_ray()
    if json_out:
        emit_json({"summary": {**tally.summary(), **extra, "seconds": run.seconds()}})
    else:
        s = tally.summary()
        stdout.print(
            f"{s['decided']} decided, {s['already_decided']} decided before, "
            f"{s['failed']} failed, {s['matched']} matched; verdicts {s['verdicts']}"
        )
    if tally.failed:
        raise typer.Exit(ExitCode.INPUT_ERRORS)


def _s3_location(source: str) -> S3Location | None:
    """The bucket and prefix of an ``s3://`` SOURCE (None for a folder); a malformed URL is
    a usage error before anything starts."""
    from shieldwall.batch.s3 import SCHEME, S3Location

    if not source.startswith(SCHEME):
        return None
    try:
        return S3Location.parse(source)
    except ShieldwallError as exc:
        stderr.print(escape(f"{exc.message}: {exc.value}"))
        raise typer.Exit(ExitCode.USAGE) from exc


@dataclass
class _ScanRun:
    """One ``batch scan``: lists the source a window at a time, asks which items are left,
    has Ray read and hash those, and decides each hashed batch (one transaction each)."""

    rt: Runtime
    surface: str
    address: str | None
    workers: int | None
    batch_size: int
    json_out: bool
    tally: BatchTally
    ray_start_s: float = 0.0
    scanning_s: float = 0.0

    def seconds(self) -> dict[str, float]:
        """Where the run's time went: joining or starting Ray, then reading, hashing and
        deciding (so a benchmark can tell Ray's fixed cost from its throughput)."""
        return {"ray_start": round(self.ray_start_s, 3), "scanning": round(self.scanning_s, 3)}

    def folder(self, root: Path, prefix: str) -> None:
        from shieldwall.pipeline.corpus_scan import FolderReader, corpus_files

        files = corpus_files(root, prefix=prefix)
        todo = self.rt.corpus_scan(surface=self.surface).pending(files)
        if not self.json_out:
            stderr.print(
                f"{len(files)} files, {len(files) - len(todo)} decided before, {len(todo)} to scan"
            )
        self.windows([files], FolderReader(), total=len(todo))

    def bucket(
        self, where: S3Location, prefix: str, endpoint_url: str | None, region: str | None
    ) -> dict[str, object]:
        from shieldwall.batch.s3 import LIST_WINDOW, S3Endpoint, S3Listing, S3Reader, windows

        endpoint = S3Endpoint(
            endpoint_url or self.rt.settings.s3_endpoint_url, region or self.rt.settings.s3_region
        )
        listing = S3Listing(where, endpoint, content_prefix=prefix)
        if not self.json_out:
            stderr.print(f"listing {escape(str(where))} ({LIST_WINDOW} objects at a time)")
        self.windows(windows(listing, LIST_WINDOW), S3Reader(where, endpoint), total=None)
        return {"folder_markers_skipped": listing.markers}

    def windows(
        self, listed: Iterable[Sequence[CorpusFile]], reader: CorpusReader, *, total: int | None
    ) -> None:
        from shieldwall.batch.engine import hashed_batches, start_ray

        scan = self.rt.corpus_scan(surface=self.surface)
        with progress(total, "scanning", enabled=not self.json_out) as bar:
            for window in listed:
                todo = scan.pending(window)
                self.tally.already += len(window) - len(todo)
                if todo:  # a finished scan run again joins no cluster
                    began = time.perf_counter()
                    start_ray(address=self.address, workers=self.workers)
                    self.ray_start_s += time.perf_counter() - began
                began = time.perf_counter()
                for rows in hashed_batches(
                    todo,
                    reader=reader,
                    limits=self.rt.limits,
                    robust=self.rt.settings.robust_matching,
                    windows=self.rt.matcher.has_windows,
                    workers=self.workers,
                    batch_size=self.batch_size,
                ):
                    for line in scan.decide(rows, self.tally):
                        if self.json_out:
                            emit_json(line)
                    bar.advance(len(rows))
                self.scanning_s += time.perf_counter() - began


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
