"""``shieldwall video …``: hash videos, bank them, and match videos against the banks.

A video is matched two ways at once: by its per-second PDQ frame hashes against the banked
videos (re-encoded copies, trimmed clips, clips inside longer videos; see
:mod:`shieldwall.pipeline.video_bank`) and by its file MD5/SHA-256 against the ordinary bank
entries (StopNCII shares video MD5s). A bad file is reported and the batch goes on; the
exit code then says some inputs failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import JsonOpt
from shieldwall.cli.output import ExitCode, emit_json, error_exit, stdout
from shieldwall.errors import ShieldwallError
from shieldwall.types import Provenance

if TYPE_CHECKING:
    from shieldwall.hashing.video import VideoHashes
    from shieldwall.pipeline.video_bank import VideoMatchReport

video_app = typer.Typer(help="Hash, bank and match videos (frame PDQ + file MD5/SHA-256).")
video_bank_app = typer.Typer(help="Banked videos: add and withdraw.", no_args_is_help=True)
video_app.add_typer(video_bank_app, name="bank")

PathsArg = Annotated[list[Path], typer.Argument(help="Video files (MP4, WebM, MKV, GIF, ...).")]


def _hash(path: Path) -> VideoHashes:
    # Imported here: `shieldwall --help` never loads PyAV.
    from shieldwall.pipeline.video_bank import hash_video_file

    return hash_video_file(
        path,
        max_bytes=state.settings.max_upload_bytes,
        max_pixels=state.settings.max_video_frame_pixels,
    )


def _error(json_out: bool, path: Path, exc: ShieldwallError) -> None:
    if json_out:
        emit_json({"path": str(path), "error": exc.to_dict()})
    else:
        error_exit(exc)


@video_app.command("hash")
def hash_command(
    paths: PathsArg,
    json_out: JsonOpt = False,
    frames: Annotated[
        bool, typer.Option("--frames", help="Also print every frame's PDQ hash.")
    ] = False,
) -> None:
    """Frame count, duration, MD5 and SHA-256 of each video (and its frame hashes)."""
    failed = 0
    table = Table("path", "frames", "duration_s", "md5", "sha256", box=None)
    for path in paths:
        try:
            video = _hash(path)
        except ShieldwallError as exc:
            failed += 1
            _error(json_out, path, exc)
            continue
        row: dict[str, Any] = {
            "path": str(path),
            "frames": len(video.frames),
            "duration_s": video.duration,
            "md5": video.md5,
            "sha256": video.sha256,
        }
        if frames:
            row["frame_hashes"] = [
                {"timestamp_s": f.timestamp_s, "pdq": f.pdq, "quality": f.quality}
                for f in video.frames
            ]
        if json_out:
            emit_json(row)
            continue
        table.add_row(
            str(path), str(len(video.frames)), f"{video.duration:g}", video.md5, video.sha256
        )
        if frames:
            for f in video.frames:
                table.add_row("", f"{f.timestamp_s:g}s", f"q={f.quality}", f.pdq, "")
    if not json_out:
        stdout.print(table)
    if failed:
        raise typer.Exit(ExitCode.INPUT_ERRORS)


@video_bank_app.command("add")
def bank_add(
    bank: Annotated[str, typer.Argument(help="Name of an existing bank.")],
    path: Annotated[Path, typer.Argument(help="The video file.")],
    source: Annotated[str | None, typer.Option(help="Where it came from.")] = None,
    external_id: Annotated[str | None, typer.Option(help="The source's id for it.")] = None,
    case_id: Annotated[str | None, typer.Option(help="Your case or ticket id.")] = None,
    category: Annotated[str | None, typer.Option(help="Category label.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Bank a video: its frame hashes as a banked video, its MD5/SHA-256 as bank entries."""
    from shieldwall.pipeline.video_bank import video_bank_for

    try:
        video = _hash(path)
        with state.runtime() as rt:
            result = video_bank_for(rt).add(
                bank,
                video,
                provenance=Provenance(source=source, external_id=external_id, case_id=case_id),
                category=category,
            )
    except ShieldwallError as exc:
        if json_out:
            emit_json({"path": str(path), "error": exc.to_dict()})
        raise typer.Exit(error_exit(exc)) from None
    v = result.video
    row = {
        "video_id": v.id,
        "bank": v.bank_name,
        "created": result.created,
        "status": str(v.status),
        "frames": v.frame_count,
        "duration_s": v.duration_s,
        "md5": v.md5,
        "sha256": v.sha256,
        "entry_ids": list(result.entry_ids),
    }
    if json_out:
        emit_json(row)
    else:
        what = "banked" if result.created else "already in the bank"
        stdout.print(f"video {v.id} {what}: {bank} ({v.frame_count} frames, {v.duration_s:g} s)")


@video_bank_app.command("withdraw")
def bank_withdraw(
    video_id: Annotated[int, typer.Argument(help="The banked video's id.")],
    json_out: JsonOpt = False,
) -> None:
    """Take a banked video (and its MD5/SHA-256 entries) out of matching at once."""
    from shieldwall.pipeline.video_bank import video_bank_for

    try:
        with state.runtime() as rt:
            v = video_bank_for(rt).withdraw(video_id)
    except ShieldwallError as exc:
        raise typer.Exit(error_exit(exc)) from None
    if json_out:
        emit_json({"video_id": v.id, "bank": v.bank_name, "status": str(v.status)})
    else:
        stdout.print(f"video {v.id} in {v.bank_name}: {v.status}")


def _report_dict(path: Path, report: VideoMatchReport) -> dict[str, Any]:
    return {
        "path": str(path),
        "matched": report.matched,
        "frames": report.frames,
        "usable_frames": report.usable_frames,
        "videos": [
            {
                "video_id": h.video.id,
                "bank": h.video.bank_name,
                "query_pct": h.query_pct,
                "target_pct": h.target_pct,
                "external_id": h.video.provenance.external_id,
            }
            for h in report.videos
        ],
        "exact": [
            {
                "bank": m.bank,
                "entry_id": m.entry_id,
                "signal_type": str(m.signal_type),
                "suppressed_by": m.suppressed_by,
            }
            for m in report.exact
        ],
        "notes": list(report.notes),
    }


@video_app.command("match")
def match_command(
    paths: PathsArg,
    json_out: JsonOpt = False,
    min_pct: Annotated[
        float,
        typer.Option(
            "--min-pct", min=0.0, max=100.0, help="Share of the query's frames that must match."
        ),
    ] = 50.0,
    min_target_pct: Annotated[
        float,
        typer.Option(
            "--min-target-pct",
            min=0.0,
            max=100.0,
            help="Or: share of a banked video's frames found in the query (compilations).",
        ),
    ] = 50.0,
    fail_on_match: Annotated[
        bool, typer.Option("--fail-on-match", help="Exit with code 1 when anything matched.")
    ] = False,
) -> None:
    """Match videos against the banked videos (frames) and the bank entries (MD5/SHA-256)."""
    from shieldwall.pipeline.video_bank import video_bank_for

    matched = failed = 0
    table = Table("path", "bank", "match", "query_pct", "target_pct", box=None)
    with state.runtime() as rt:
        bank = video_bank_for(rt)
        for path in paths:
            try:
                report = bank.match(_hash(path), min_pct=min_pct, min_target_pct=min_target_pct)
            except ShieldwallError as exc:
                failed += 1
                _error(json_out, path, exc)
                continue
            matched += report.matched
            if json_out:
                emit_json(_report_dict(path, report))
                continue
            if not report.matched:
                table.add_row(str(path), "", "no match", "", "")
            for h in report.videos:
                table.add_row(
                    str(path),
                    h.video.bank_name,
                    f"video {h.video.id}",
                    f"{h.query_pct:.1f}",
                    f"{h.target_pct:.1f}",
                )
            for m in report.exact:
                note = " (suppressed)" if m.suppressed else ""
                table.add_row(
                    str(path), m.bank, f"{m.signal_type} entry {m.entry_id}{note}", "", ""
                )
    if not json_out:
        stdout.print(table)
    if failed:
        raise typer.Exit(ExitCode.INPUT_ERRORS)
    if fail_on_match and matched:
        raise typer.Exit(ExitCode.MATCHED)
