"""``shieldwall bank …``: create banks, fill them, withdraw from them, move them between systems."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

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
    progress,
    require_output_for_json,
    stderr,
    stdout,
)
from shieldwall.errors import InvalidHashError, ShieldwallError
from shieldwall.exchange import (
    ExchangeFormat,
    ExportRecord,
    LineError,
    detect_format,
    read_entries,
    write_entries,
)
from shieldwall.hashing import DecodeLimits, decode_image, hash_image_bytes, iter_image_files
from shieldwall.hashing.files import read_limited
from shieldwall.hashing.local_features import BANK_FEATURES, extract_local_features
from shieldwall.hashing.robust import bank_variants
from shieldwall.hashing.values import normalize_hash
from shieldwall.pipeline.bank_import import import_lines
from shieldwall.pipeline.banking import add_to_bank, withdraw_from_bank
from shieldwall.pipeline.retro_hunt import RetroHuntReport
from shieldwall.types import (
    BankPurpose,
    EntryStatus,
    HashKind,
    ImageHashes,
    NewEntry,
    Provenance,
)

bank_app = typer.Typer(help="Manage hash banks.", no_args_is_help=True)

_IMPORT_CHUNK = 5_000
_SNAPSHOT_AFTER = 50_000
"""Imports at least this large refresh the index snapshot, so the next start loads fast."""


def _fail(exc: ShieldwallError) -> typer.Exit:
    return typer.Exit(error_exit(exc))


def _bank_dict(b: object) -> dict[str, object]:
    return {
        "name": b.name,  # type: ignore[attr-defined]
        "purpose": str(b.purpose),  # type: ignore[attr-defined]
        "threshold": b.threshold,  # type: ignore[attr-defined]
        "enabled": b.enabled,  # type: ignore[attr-defined]
        "description": b.description,  # type: ignore[attr-defined]
        "active_entries": getattr(b, "active_entries", None),
    }


@bank_app.command("create")
def create(
    name: str,
    purpose: Annotated[
        BankPurpose, typer.Option(help="Why the bank exists.")
    ] = BankPurpose.INTERNAL,
    threshold: Annotated[int | None, typer.Option(min=0, max=31, help="PDQ distance.")] = None,
    description: Annotated[str, typer.Option(help="What is in it, for whom.")] = "",
    disabled: Annotated[bool, typer.Option("--disabled", help="Create it switched off.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Create a bank."""
    with state.runtime() as rt:
        try:
            bank = rt.banks.create_bank(
                name=name,
                purpose=purpose,
                threshold=threshold if threshold is not None else rt.settings.pdq_threshold,
                description=description,
                enabled=not disabled,
            )
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json(_bank_dict(bank))
    else:
        stdout.print(f"created bank [bold]{name}[/bold] ({purpose.value})")


@bank_app.command("list")
def list_banks(json_out: JsonOpt = False) -> None:
    """List banks with their active entry counts."""
    with state.runtime() as rt:
        banks = rt.banks.list_banks()
    if json_out:
        for b in banks:
            emit_json(_bank_dict(b))
        return
    table = Table("name", "purpose", "threshold", "enabled", "active entries", box=None)
    for b in banks:
        d = _bank_dict(b)
        table.add_row(
            *(str(d[k]) for k in ("name", "purpose", "threshold", "enabled", "active_entries"))
        )
    stdout.print(table)


@bank_app.command("show")
def show(name: str, json_out: JsonOpt = False) -> None:
    """Show one bank."""
    with state.runtime() as rt:
        try:
            bank = rt.banks.get_bank(name=name)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    d = _bank_dict(bank)
    if json_out:
        emit_json(d)
    else:
        for k, v in d.items():
            stdout.print(f"[bold]{k}[/bold]: {v}")


def _hunt_summary(report: RetroHuntReport | None) -> dict[str, object] | None:
    """The retro-hunt as the API reports it (``None``: nothing new, so nothing hunted)."""
    return None if report is None else report.summary()


def _print_hunt(report: RetroHuntReport | None) -> None:
    if report is not None:
        stdout.print(
            f"retro-hunt: {report.entries} entries hunted, {report.items_hit} items already "
            f"seen hit, {len(report.decisions)} new decisions"
        )


def _merge_hunts(reports: list[RetroHuntReport]) -> RetroHuntReport | None:
    """One report for an import's chunk-by-chunk hunts (an item hit by two chunks counts
    once in each: the sum is an upper bound, the decisions are exact)."""
    if not reports:
        return None
    return RetroHuntReport(
        entries=sum(r.entries for r in reports),
        items_hit=sum(r.items_hit for r in reports),
        decisions=tuple(d for r in reports for d in r.decisions),
        elapsed_ms=sum(r.elapsed_ms for r in reports),
    )


def hash_for_bank(
    path: Path, limits: DecodeLimits, *, with_variants: bool, with_local_features: bool = False
) -> tuple[ImageHashes, tuple[tuple[str, str], ...], bytes | None]:
    """A file's plain hashes and, when asked, its bank-side variants (PDQ of regions) and
    its local features (ORB keypoints, ``LocalFeatures.to_bytes``).

    All come from the same bytes read once and the same safe decoder (size and
    pixel limits, EXIF orientation); the plain hashes are computed exactly as
    without variants, so ``--variants`` never changes what the entry itself is.
    """
    data = read_limited(path, limits)
    hashes = hash_image_bytes(data, limits=limits)
    if not with_variants and not with_local_features:
        return hashes, (), None
    decoded = decode_image(data, limits=limits)
    regions = tuple((v.name, v.pdq) for v in bank_variants(decoded)) if with_variants else ()
    features = (
        extract_local_features(decoded.pixels, max_features=BANK_FEATURES)
        if with_local_features
        else None
    )
    # An image with too few keypoints (a flat picture) stores none: it could never verify.
    blob = features.to_bytes() if features is not None and len(features) else None
    return hashes, regions, blob


@bank_app.command("add")
def add(
    name: str,
    paths: Annotated[list[Path] | None, typer.Argument(help="Images to hash and add.")] = None,
    pdq: Annotated[list[str] | None, typer.Option(help="A PDQ hash (64 hex).")] = None,
    md5: Annotated[list[str] | None, typer.Option(help="An MD5 (32 hex).")] = None,
    sha256: Annotated[list[str] | None, typer.Option(help="A SHA-256 (64 hex).")] = None,
    category: Annotated[str | None, typer.Option(help="Category label.")] = None,
    source: Annotated[str | None, typer.Option(help="Who supplied it.")] = None,
    case_id: Annotated[str | None, typer.Option(help="Case this belongs to.")] = None,
    variants: Annotated[
        bool,
        typer.Option(
            "--variants/--no-variants",
            help="With image files, also store PDQ hashes of 15 regions of each image "
            "(central crops, sides, quarters), so cropped, captioned or stickered copies "
            "match (default: on).",
        ),
    ] = True,
    local_features: Annotated[
        bool,
        typer.Option(
            "--local-features/--no-local-features",
            help="With image files, also store ORB keypoints of each image (~18 KB), so "
            "copies that lost too much picture for PDQ (off-centre crops, screenshots, "
            "photos of a screen) can be found once SHIELDWALL_LOCAL_FEATURES turns the "
            "keypoint stage on (default: on).",
        ),
    ] = True,
    json_out: JsonOpt = False,
) -> None:
    """Add hashes, or images (hashed here: PDQ with its region variants and keypoints, MD5
    and SHA-256)."""
    prov = Provenance(source=source, case_id=case_id)
    entries: list[NewEntry] = []
    from_images: list[int] = []  # positions of the PDQ entries hashed here, to count variants
    failed = 0
    try:
        for kind, values in (
            (HashKind.PDQ, pdq),
            (HashKind.MD5, md5),
            (HashKind.SHA256, sha256),
        ):
            for v in values or []:
                entries.append(NewEntry(kind, normalize_hash(kind, v), prov, category))
    except InvalidHashError as exc:
        raise _fail(exc) from exc
    settings = state.settings
    limits = DecodeLimits(max_pixels=settings.max_image_pixels, max_bytes=settings.max_upload_bytes)
    for path in iter_image_files(paths or []):
        try:
            # Keypoints are stored whatever SHIELDWALL_LOCAL_FEATURES says (~18 KB an entry),
            # so that turning the keypoint stage on later finds the entries added before.
            result, regions, features = hash_for_bank(
                path, limits, with_variants=variants, with_local_features=local_features
            )
        except ShieldwallError as exc:
            failed += 1
            stderr.print(f"[red]{escape(str(path))}[/red]: {escape(f'[{exc.code}] {exc.message}')}")
            continue
        from_images.append(len(entries))
        entries.append(
            NewEntry(
                HashKind.PDQ,
                result.pdq,
                prov,
                category,
                variants=regions,
                local_features=features,
            )
        )
        entries.append(NewEntry(HashKind.MD5, result.md5, prov, category))
        entries.append(NewEntry(HashKind.SHA256, result.sha256, prov, category))
    if not entries and not failed:
        stderr.print("nothing to add: give image paths or --pdq/--md5/--sha256")
        raise typer.Exit(ExitCode.USAGE)
    with state.runtime() as rt:
        try:
            bank = rt.banks.get_bank(name=name)
            res = add_to_bank(rt.banking, bank=bank.name, entries=entries)
            stored = rt.banks.variants_for(entry_ids=[res.entry_ids[i] for i in from_images])
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    regions_stored = sum(len(v) for v in stored.values())
    with_keypoints = sum(1 for e in entries if e.local_features is not None)
    summary = {
        "bank": name,
        "added": res.added,
        "unchanged": res.unchanged,
        "failed": failed,
        "entry_ids": list(res.entry_ids),
        "variants": regions_stored,
        "local_features": with_keypoints,
        "retro_hunt": _hunt_summary(res.hunt),
    }
    if json_out:
        emit_json(summary)
    else:
        stdout.print(f"{res.added} added, {res.unchanged} already present, {failed} failed")
        _print_hunt(res.hunt)
        if from_images and variants:
            stdout.print(
                f"{regions_stored} region hashes (variants) stored with "
                f"{len(stored)} of {len(from_images)} images' PDQ entries"
            )
        if with_keypoints:
            stdout.print(f"local features (ORB keypoints) stored with {with_keypoints} images")
    if failed:
        raise typer.Exit(ExitCode.INPUT_ERRORS)


@bank_app.command("import")
def import_(
    name: str,
    file: Annotated[
        Path, typer.Argument(help="CSV, JSON Lines or signal_type,signal_value file; - for stdin.")
    ],
    fmt: Annotated[
        ExchangeFormat | None, typer.Option("--format", help="Default: from the file.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Import entries, streamed; idempotent; bad lines are reported with their line number."""
    if str(file) != "-" and not file.is_file():
        stderr.print(f"[red]error[/red] no such file: {escape(str(file))}")
        raise typer.Exit(ExitCode.NOT_FOUND)
    fmt = fmt or (ExchangeFormat.JSONL if str(file) == "-" else detect_format(file))
    with state.runtime() as rt:
        try:
            bank = rt.banks.get_bank(name=name)
        except ShieldwallError as exc:
            raise _fail(exc) from exc

        def report(error: LineError) -> None:
            if json_out:
                emit_json({"error": error.to_dict()})
            else:
                stderr.print(escape(f"[{error.error.code}] {error.message}"))

        stream = sys.stdin.buffer if str(file) == "-" else file.open("rb")
        try:
            with progress(None, "importing", enabled=not json_out) as bar:
                result = import_lines(
                    rt.banking,
                    bank=bank.name,
                    lines=read_entries(stream, fmt),
                    on_error=report,
                    on_progress=bar.advance,
                    chunk=_IMPORT_CHUNK,
                )
        finally:
            if stream is not sys.stdin.buffer:
                stream.close()
        if result.added >= _SNAPSHOT_AFTER:
            rt.matcher.save_snapshot()
    bad = len(result.errors)
    hunt = _merge_hunts(result.hunts)
    summary = {"bank": name, **result.summary(), "retro_hunt": _hunt_summary(hunt)}
    if json_out:
        emit_json(summary)
    else:
        retired = ""
        if result.withdrawn or result.deleted or result.unknown:
            retired = (
                f", {result.withdrawn} withdrawn, {result.deleted} deleted, "
                f"{result.unknown} withdrawals of hashes not in the bank"
            )
        stdout.print(
            f"{result.added} added, {result.unchanged} already present{retired}, "
            f"{bad} lines with errors"
        )
        _print_hunt(hunt)
    if bad:
        raise typer.Exit(ExitCode.INPUT_ERRORS)


@bank_app.command("export")
def export(
    name: str,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Default: stdout.")] = None,
    fmt: Annotated[ExchangeFormat, typer.Option("--format")] = ExchangeFormat.JSONL,
    active_only: Annotated[
        bool, typer.Option("--active-only", help="Leave out withdrawn and deleted entries.")
    ] = False,
    json_out: ExportJsonOpt = False,
) -> None:
    """Export a bank's entries, streamed; withdrawn and deleted ones as tombstones (a status
    column in CSV) so whoever imports the file stops matching them."""
    require_output_for_json(json_out, output)
    with state.runtime() as rt:
        try:
            bank = rt.banks.get_bank(name=name)
            statuses = (EntryStatus.ACTIVE,) if active_only else tuple(EntryStatus)
            entries = (
                ExportRecord(entry, status)
                for entry, status in rt.banks.iter_bank_records(bank=bank.name, statuses=statuses)
            )
            if output is None:
                write_entries(entries, sys.stdout, fmt)
                sys.stdout.flush()
                return
            with output.open("w", encoding="utf-8", newline="") as fh:
                count = write_entries(entries, fh, fmt)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json({"bank": name, "format": fmt.value, "output": str(output), "entries": count})


@bank_app.command("withdraw")
def withdraw(
    name: str,
    entry_id: Annotated[int | None, typer.Option("--entry-id", help="Entry to withdraw.")] = None,
    value: Annotated[str | None, typer.Option("--value", help="Or the hash value.")] = None,
    signal_type: Annotated[HashKind, typer.Option("--signal-type")] = HashKind.PDQ,
    json_out: JsonOpt = False,
) -> None:
    """Withdraw an entry: it stops matching at once (the record is kept for the audit trail)."""
    if (entry_id is None) == (value is None):
        stderr.print("give exactly one of --entry-id or --value")
        raise typer.Exit(ExitCode.USAGE)
    with state.runtime() as rt:
        try:
            entry = withdraw_from_bank(
                rt.banking, bank=name, entry_id=entry_id, signal_type=signal_type, value=value
            )
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json({"bank": name, "entry_id": entry.id, "status": str(entry.status)})
    else:
        stdout.print(f"withdrew entry {entry.id} from {name}")


@bank_app.command("delete")
def delete(
    name: str,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm: deletes the bank and its entries.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Delete a bank and every entry in it."""
    if not yes:
        stderr.print(f"this deletes bank {name!r} and all its entries; add --yes to confirm")
        raise typer.Exit(ExitCode.USAGE)
    with state.runtime() as rt:
        try:
            rt.banks.delete_bank(name=name)
        except ShieldwallError as exc:
            raise _fail(exc) from exc
    if json_out:
        emit_json({"bank": name, "deleted": True})
    else:
        stdout.print(f"deleted bank {name}")
