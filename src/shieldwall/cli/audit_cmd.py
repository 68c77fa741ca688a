"""``shieldwall audit``, ``shieldwall evidence`` and ``shieldwall report``: proof for auditors.

- ``audit verify`` streams the trail from the database and names the first bad
  event (exit 1 when anything is wrong); ``audit export`` writes JSON Lines for
  offline checks; ``audit public-key`` prints the checkpoint key for auditors;
  ``audit checkpoint`` signs the head now; ``audit redact --before`` deletes
  personal side records past retention.
- ``evidence export`` writes a signed bundle for content or a case; ``evidence
  verify`` checks one offline.
- ``report`` writes the transparency report; ``report sor`` the DSA statements
  of reasons as JSON lines.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from shieldwall.audit import CheckpointSigner
from shieldwall.cli.context import state
from shieldwall.cli.output import ExitCode, emit_json, error_exit, stderr, stdout
from shieldwall.errors import ShieldwallError
from shieldwall.pipeline.audit_log import (
    AuditLog,
    evidence_for_case,
    evidence_for_content,
    signing_key_path,
)
from shieldwall.store import session_factory

audit_app = typer.Typer(help="Verify, export and checkpoint the audit trail.", no_args_is_help=True)
evidence_app = typer.Typer(help="Export and verify signed evidence bundles.", no_args_is_help=True)

KeyOption = Annotated[
    Path | None,
    typer.Option("--key", help="Ed25519 signing key (default: DATA_DIR/audit_signing_key.pem)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")]


def _signer(key: Path | None) -> CheckpointSigner:
    return CheckpointSigner.load_or_generate(key or signing_key_path(state.settings.data_dir))


def _date(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date: {text!r} (use YYYY-MM-DD)") from exc
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@audit_app.command("verify")
def verify(
    key: KeyOption = None,
    public_key: Annotated[
        list[Path] | None, typer.Option("--public-key", help="Trusted checkpoint key (PEM).")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Check every event and checkpoint; exit 1 and name the first bad event if any."""
    trusted = [p.read_bytes() for p in public_key or []]
    with state.runtime() as rt:
        log = AuditLog(session_factory(rt.engine), signer=None if trusted else _signer(key))
        report = log.verify(trusted or None)
    if json_out:
        emit_json(report.to_dict())
    else:
        (stdout if report.ok else stderr).print(report.summary())
    raise typer.Exit(0 if report.ok else 1)


@audit_app.command("export")
def export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Events JSON Lines file.")],
    checkpoints: Annotated[
        Path | None, typer.Option("--checkpoints", help="Checkpoints JSON Lines file.")
    ] = None,
) -> None:
    """Write the trail (and checkpoints) as JSON Lines for verification without Shieldwall."""
    with state.runtime() as rt:
        log = AuditLog(session_factory(rt.engine))
        with output.open("w", encoding="utf-8") as fh:
            if checkpoints is None:
                count = log.export(fh)
            else:
                with checkpoints.open("w", encoding="utf-8") as cfh:
                    count = log.export(fh, cfh)
    stderr.print(f"wrote {count} events to {output}")


@audit_app.command("public-key")
def public_key(key: KeyOption = None) -> None:
    """Print the checkpoint and evidence public key (PEM) to hand to auditors."""
    typer.echo(_signer(key).export_public_key().decode("ascii"), nl=False)


@audit_app.command("checkpoint")
def checkpoint(key: KeyOption = None, json_out: JsonOption = False) -> None:
    """Sign a checkpoint over the current head now."""
    with state.runtime() as rt:
        try:
            cp = AuditLog(session_factory(rt.engine), signer=_signer(key)).checkpoint()
        except ValueError as exc:
            stderr.print(f"[red]error[/red] {exc}")
            raise typer.Exit(ExitCode.INPUT_ERRORS) from exc
    if json_out:
        emit_json(cp.to_dict())
    else:
        stdout.print(f"checkpoint at seq {cp.seq} ({cp.head_hash[:16]}…) signed by {cp.key_id}")


@audit_app.command("redact")
def redact(
    before: Annotated[
        str, typer.Option("--before", help="Delete personal data of events before this date.")
    ],
) -> None:
    """Delete personal side records older than a date; the chain still verifies."""
    with state.runtime() as rt:
        count = AuditLog(session_factory(rt.engine)).redact_before(_date(before))
    stdout.print(f"redacted personal data of {count} events before {before}")


@evidence_app.command("export")
def evidence_export(
    output: Annotated[Path, typer.Option("-o", "--output", help="Bundle (.zip) to write.")],
    content_id: Annotated[
        list[str] | None, typer.Option("--content-id", help="Content to export (repeatable).")
    ] = None,
    case: Annotated[str | None, typer.Option("--case", help="Victim case number.")] = None,
    recipient_key: Annotated[
        Path | None, typer.Option("--recipient-key", help="Recipient's X25519 public key (PEM).")
    ] = None,
    media: Annotated[
        list[Path] | None,
        typer.Option("--media", help="Media file to include, encrypted (its SHA-256 must match)."),
    ] = None,
    key: KeyOption = None,
) -> None:
    """Write one signed evidence bundle for content ids or a case."""
    from shieldwall.evidence import EvidenceBundleError, build_bundle

    if bool(content_id) == bool(case):
        raise typer.BadParameter("give --content-id or --case")
    signer = _signer(key)
    try:
        with state.runtime() as rt:
            log = AuditLog(session_factory(rt.engine), signer=signer)
            material = (
                evidence_for_content(rt.items, rt.outbox, log, list(content_id or []))
                if content_id
                else evidence_for_case(rt.engine, log, str(case))
            )
        attached = _media(material.body, media or [])
        data = build_bundle(
            material.body,
            events=material.events,
            checkpoints=material.checkpoints,
            signer=signer,
            subject_seqs=material.subject_seqs,
            media=attached,
            recipient_public_pem=None if recipient_key is None else recipient_key.read_bytes(),
        )
    except (ShieldwallError, EvidenceBundleError) as exc:
        raise typer.Exit(error_exit(exc)) from exc
    output.write_bytes(data)
    stderr.print(f"wrote {output} ({len(material.events)} audit events, {len(attached)} media)")


def _media(body: dict[str, object], paths: list[Path]) -> dict[str, bytes]:
    # Only media whose SHA-256 is the one Shieldwall recorded for an exported item goes in.
    import hashlib

    from shieldwall.evidence import EvidenceBundleError

    items = body.get("items")
    known: dict[str, str] = {}
    for item in items if isinstance(items, list) else []:
        hashes = item.get("hashes") or {}
        known[str(hashes.get("sha256"))] = str(item["content_id"])
    out: dict[str, bytes] = {}
    for path in paths:
        data = path.read_bytes()
        label = known.get(hashlib.sha256(data).hexdigest())
        if label is None:
            raise EvidenceBundleError(
                "media file does not match any exported item", value=str(path)
            )
        out[label] = data
    return out


@evidence_app.command("verify")
def evidence_verify(
    bundle: Annotated[Path, typer.Argument(help="Bundle (.zip) to check.")],
    public_key: Annotated[
        list[Path] | None, typer.Option("--public-key", help="Trusted signing key (PEM).")
    ] = None,
    json_out: JsonOption = False,
) -> None:
    """Check a bundle offline: signature, member hashes, audit chain excerpt.

    Exit 0 only when the signer is a key given with ``--public-key``: a bundle signed by
    any other instance is intact but proves nothing about who made it (exit 1).
    """
    from shieldwall.evidence import EvidenceBundleError, verify_bundle
    from shieldwall.evidence.bundle import read_bundle_file

    try:
        report = verify_bundle(
            read_bundle_file(bundle), trusted_keys=[p.read_bytes() for p in public_key or []]
        )
    except EvidenceBundleError as exc:
        if json_out:
            emit_json({"ok": False, "error": exc.to_dict()})
        else:
            stderr.print(
                f"[red]INVALID[/red] [{exc.code}] {exc.message}"
                + (f": {exc.value}" if exc.value else "")
            )
        raise typer.Exit(1) from exc
    if json_out:
        emit_json(report.to_dict())
    else:
        stdout.print(
            f"OK: signed by {report.key_id}, {report.members} members, "
            f"{report.events} audit events pinned by {report.checkpoints} checkpoint(s)"
        )
        for warning in report.warnings:
            stderr.print(f"[yellow]warning[/yellow] {warning}")
    if not report.trusted_key:
        stderr.print(
            f"[red]UNTRUSTED[/red] intact, but signed by {report.key_id}, which you did not "
            "trust: pass the issuer's key with --public-key (`shieldwall audit public-key` "
            "on the issuing instance)"
        )
        raise typer.Exit(1)


def report_command(
    kind: Annotated[
        str, typer.Argument(help="`transparency` (default) or `sor`.")
    ] = "transparency",
    period_from: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")] = "",
    period_to: Annotated[str, typer.Option("--to", help="Day after the last (YYYY-MM-DD).")] = "",
    fmt: Annotated[
        str, typer.Option("--format", help="html, pdf, json or csv (sor: jsonl or csv).")
    ] = "html",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write.")] = None,
) -> None:
    """Transparency report over a period, or (``report sor``) DSA statements of reasons."""
    from shieldwall.reports.render import FORMATS, render
    from shieldwall.reports.sor import write_csv, write_jsonl
    from shieldwall.reports.source import iter_statements, load_report

    if not period_from or not period_to or output is None:
        raise typer.BadParameter("--from, --to and -o are required")
    start, end = _date(period_from), _date(period_to)
    if kind not in ("transparency", "sor"):
        raise typer.BadParameter("report kind must be `transparency` or `sor`")
    if kind == "sor" and fmt not in ("html", "jsonl", "json", "csv"):
        raise typer.BadParameter("--format for `sor` must be jsonl (the default) or csv")
    if kind == "transparency" and fmt not in FORMATS:
        raise typer.BadParameter(f"--format must be one of {', '.join(FORMATS)}")
    with state.runtime() as rt:
        if kind == "sor":
            write = write_csv if fmt == "csv" else write_jsonl
            with output.open("w", encoding="utf-8", newline="") as fh:
                count = write(iter_statements(rt.engine, period_from=start, period_to=end), fh)
            stderr.print(f"wrote {count} statements of reasons to {output}")
            return
        report = load_report(rt.engine, period_from=start, period_to=end)
    output.write_bytes(render(report, fmt))
    stderr.print(
        f"wrote {output}: {report.decisions} decisions, {report.restrictions} restrictions"
    )


__all__ = ["audit_app", "evidence_app", "report_command"]
