"""``shieldwall serve``, ``shieldwall keys …`` and ``shieldwall demo``: running the service."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from shieldwall.api.auth import SCOPES
from shieldwall.cli.bank_cmd import hash_for_bank
from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import JsonOpt
from shieldwall.cli.output import ExitCode, emit_json, stderr, stdout
from shieldwall.errors import ShieldwallError
from shieldwall.hashing import iter_image_files
from shieldwall.types import BankPurpose, HashKind, NewEntry, Provenance

keys_app = typer.Typer(help="API keys (stored hashed; shown once).", no_args_is_help=True)

HostOpt = Annotated[str, typer.Option(help="Address to listen on.")]
PortOpt = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]
DEMO_BANK = "demo-victims"
WORKER_START_TIMEOUT_S = 300
"""How long a ``serve --workers`` process may take to load before it is restarted."""


WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        min=1,
        max=64,
        help="Server processes sharing the port (default: the number of CPU cores).",
    ),
]


def serve_command(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    workers: WorkersOpt = None,
    json_out: Annotated[
        bool,
        typer.Option("--json", help="Print where it listens as one JSON object first."),
    ] = False,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log one line per request (off: every decision is stored and audited, "
            "/metrics counts requests, and the line cost a lookup 5-15% of its time).",
        ),
    ] = False,
) -> None:
    """Start the HTTP API (and the review UI and victim portal) on HOST:PORT.

    With several workers each process decides from its own copy of the policy and the
    index; the index snapshot is memory-mapped, so its pages are shared between them,
    and bank changes reach every process through the change log. Each process has its
    own group commit; the database orders their batches.
    """
    import uvicorn

    if json_out:
        url = f"http://{host}:{port}"
        emit_json({"url": url, "docs": f"{url}/docs", "review": f"{url}/login"})
        sys.stdout.flush()
    count = workers or os.cpu_count() or 1
    if count == 1:
        uvicorn.run(
            build_site(),
            host=host,
            port=port,
            log_level="info",
            access_log=access_log,
            proxy_headers=False,
        )
        return
    settings = state.settings
    if settings.mode == "development":
        # Migrate once here: N processes starting at once must not race to change the schema.
        from shieldwall.runtime import migrate_database

        migrate_database(settings)
    # Worker processes are started afresh (spawned): they read the settings from the
    # environment, so the command line's --data-dir/--database-url go there.
    if state.data_dir is not None:
        os.environ["SHIELDWALL_DATA_DIR"] = str(state.data_dir)
    if state.database_url is not None:
        os.environ["SHIELDWALL_DATABASE_URL"] = state.database_url
    uvicorn.run(
        "shieldwall.cli.serve_cmd:build_site",
        factory=True,
        workers=count,
        # A worker loads the index, the policy and the detectors' models before it is
        # ready; uvicorn's 5 s default restarts slow starters in a loop on a busy machine.
        timeout_worker_healthcheck=WORKER_START_TIMEOUT_S,
        host=host,
        port=port,
        log_level="info",
        access_log=access_log,
        proxy_headers=False,
    )


def build_site() -> Any:
    """The served app: API + pages, wired to queue new decisions' actions for the worker.

    Composed here, in the outermost ring, because the API and the worker are siblings
    that must not import each other.
    """
    from shieldwall.runtime import Runtime
    from shieldwall.worker import enqueue_delivery, make_huey

    settings = state.settings
    huey = make_huey(settings)

    def queue_actions(rt: Runtime, decision_ids: Sequence[str]) -> None:
        rows = [row.id for d in decision_ids for row in rt.outbox.for_decision(d)]
        enqueue_delivery(huey, rows)

    from shieldwall.web import create_site

    def queue_rows(_: Runtime, outbox_ids: Sequence[int]) -> None:
        enqueue_delivery(huey, outbox_ids)  # a scan's rows: their ids come with the write

    return create_site(settings, on_decisions=queue_actions, on_actions=queue_rows)


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="Who or what uses the key.")],
    scope: Annotated[list[str], typer.Option("--scope", help=f"One of {', '.join(SCOPES)}.")],
    rate_limit: Annotated[int | None, typer.Option(min=1, help="Requests per minute.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create an API key. The key is printed once and never stored in clear."""
    unknown = sorted(set(scope) - set(SCOPES))
    if unknown:
        stderr.print(f"unknown scope {unknown[0]!r}; choose from {', '.join(SCOPES)}")
        raise typer.Exit(ExitCode.USAGE)
    with state.runtime() as rt:
        key, info = rt.keys.create_api_key(
            name=name, scopes=scope, rate_limit_per_minute=rate_limit
        )
    if json_out:
        emit_json({"key": key, "prefix": info.prefix, "name": name, "scopes": list(info.scopes)})
    else:
        stdout.print(f"API key for [bold]{name}[/bold] ({', '.join(info.scopes)}):")
        stdout.print(key, soft_wrap=True)
        stdout.print("[yellow]Store it now: it is not shown again.[/yellow]")


@keys_app.command("list")
def keys_list(json_out: JsonOpt = False) -> None:
    """List keys (prefix, name, scopes, last use); never the keys themselves."""
    with state.runtime() as rt:
        keys = rt.keys.list_api_keys()
    if json_out:
        for k in keys:
            emit_json(
                {
                    "prefix": k.prefix,
                    "name": k.name,
                    "scopes": list(k.scopes),
                    "revoked": k.revoked_at is not None,
                    "last_used_at": k.last_used_at,
                }
            )
        return
    table = Table("prefix", "name", "scopes", "revoked", box=None)
    for k in keys:
        table.add_row(k.prefix, k.name, ",".join(k.scopes), "yes" if k.revoked_at else "")
    stdout.print(table)


@keys_app.command("revoke")
def keys_revoke(prefix: str, json_out: JsonOpt = False) -> None:
    """Revoke a key by its prefix (the part after ``sw_``)."""
    from shieldwall.cli.output import error_exit
    from shieldwall.errors import ShieldwallError

    with state.runtime() as rt:
        try:
            rt.keys.revoke_api_key(prefix)
        except ShieldwallError as exc:
            raise typer.Exit(error_exit(exc)) from exc
    if json_out:
        emit_json({"prefix": prefix, "revoked": True})
    else:
        stdout.print(f"revoked {prefix}")


def demo_command(
    photos: Annotated[Path, typer.Option(help="Benign photos for the demo bank.")] = Path(
        ".cache/photos-small"
    ),
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Do not start the worker.")
    ] = False,
    json_out: Annotated[
        bool,
        typer.Option("--json", help="Print the demo's URLs, key and sign-in as one JSON object."),
    ] = False,
) -> None:
    """Create a demo bank from PHOTOS and a demo API key, then start the API and the worker."""
    with state.runtime() as rt:
        try:
            rt.banks.get_bank(name=DEMO_BANK)
        except Exception:
            rt.banks.create_bank(
                name=DEMO_BANK,
                purpose=BankPurpose.VICTIM,
                threshold=rt.settings.pdq_threshold,
                description="Demo victim bank built from benign test photos.",
                enabled=True,
            )
        entries: list[NewEntry] = []
        prov = Provenance(source="demo")
        # With each photo's region hashes (as the portal's browser hasher stores them), so
        # a cropped or captioned copy of a demo photo matches too.
        for path in iter_image_files([photos]):
            try:
                result, regions, _ = hash_for_bank(path, rt.limits, with_variants=True)
            except ShieldwallError:
                continue
            entries += [
                NewEntry(HashKind.PDQ, result.pdq, prov, "demo", variants=regions),
                NewEntry(HashKind.MD5, result.md5, prov, "demo"),
            ]
        added = rt.banks.add_entries(bank=DEMO_BANK, entries=entries)
        key = _demo_key(rt)
        password = _demo_admin(rt)
    url = f"http://{host}:{port}"
    if json_out:
        emit_json(
            {
                "bank": DEMO_BANK,
                "hashes": added.added + added.unchanged,
                "url": url,
                "docs": f"{url}/docs",
                "api_key": key,
                "review": f"{url}/login",
                "review_user": "demo-admin",
                "review_password": password,
                "victim_portal": f"{url}/report",
            }
        )
        sys.stdout.flush()
    else:
        _print_demo(url, key, password, photos, added.added + added.unchanged)
    worker = None if no_worker else _start_worker()
    # uvicorn catches SIGTERM, shuts down, then raises the signal again for the handler it
    # found; the default one ended this process before the ``finally`` below, and the
    # worker ran on, orphaned (``kill``, ``timeout``, a process manager all send SIGTERM).
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        serve_command(host=host, port=port, workers=1)
    finally:
        if worker is not None:
            worker.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.wait(timeout=10)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    """Leave through ``SystemExit`` (exit status 143), so cleanup code runs."""
    raise SystemExit(128 + signum)


def _print_demo(url: str, key: str, password: str, photos: Path, hashes: int) -> None:
    stdout.print(
        f"[bold]Shieldwall[/bold] demo: bank '{DEMO_BANK}' holds {hashes} hashes of {photos}"
    )
    stdout.print(f"API:      {url}  (docs: {url}/docs)")
    stdout.print(f"API key:  {key}")
    stdout.print(f"Review:   {url}/login  (user demo-admin, password {password})")
    stdout.print(f"Victims:  {url}/report  (hashes images in the browser; nothing is uploaded)")
    sample = next(iter(sorted(photos.glob("*.jpg"))), None)
    if sample is not None:
        stdout.print(
            f"Try:      curl -s -H 'Authorization: Bearer {key}' "
            f"-F content_id=demo-1 -F file=@{sample} {url}/v1/scan"
        )


def _demo_key(rt: Any) -> str:
    """The demo's admin API key, made on the first start only.

    Each run used to add another admin key (all of them valid, none revoked); now a later
    run keeps the one it made and says so (``shieldwall keys list`` shows it).
    """
    if any(k.name == "demo" and k.revoked_at is None for k in rt.keys.list_api_keys()):
        return "<as shown at the first start> (or revoke it and run again)"
    key, _ = rt.keys.create_api_key(name="demo", scopes=["admin"])
    return str(key)


def _demo_admin(rt: Any) -> str:
    """A demo admin for the review UI; its random password is shown on the first start only."""
    import secrets

    from shieldwall.errors import NotFoundError

    users = rt.users
    try:
        users.get_user("demo-admin")
        return "as shown at the first start (or: shieldwall users create)"
    except NotFoundError:
        password = secrets.token_urlsafe(12)
        users.create_user(username="demo-admin", role="admin", password=password)
        return password


def _start_worker() -> subprocess.Popen[bytes] | None:
    exe = shutil.which("shieldwall") or str(Path(sys.executable).with_name("shieldwall"))
    if not Path(exe).exists():
        return None
    try:
        from shieldwall.cli import worker_cmd  # noqa: F401
    except ImportError:
        return None
    env = dict(os.environ)
    if state.data_dir is not None:
        env["SHIELDWALL_DATA_DIR"] = str(state.data_dir)
    if state.database_url is not None:
        env["SHIELDWALL_DATABASE_URL"] = state.database_url
    return subprocess.Popen([exe, "worker"], env=env)
