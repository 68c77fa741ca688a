"""``shieldwall db …`` and ``shieldwall index …``: schema migrations and index snapshots."""

from __future__ import annotations

import time

import typer

from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import JsonOpt
from shieldwall.cli.output import emit_json, stdout

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
index_app = typer.Typer(help="The in-memory match index.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(json_out: JsonOpt = False) -> None:
    """Apply database migrations up to the newest revision."""
    from shieldwall.runtime import migrate_database

    rev = migrate_database(state.settings)
    if json_out:
        emit_json({"revision": rev})
    else:
        stdout.print(f"database at revision {rev}")


@index_app.command("snapshot")
def index_snapshot(json_out: JsonOpt = False) -> None:
    """Write the index to disk so the next start loads it instead of rebuilding."""
    from shieldwall.runtime import Runtime

    rt = Runtime.open(state.settings)
    try:
        start = time.perf_counter()
        matcher = rt.matcher
        path = matcher.save_snapshot()
        info = {
            "path": str(path),
            "entries": len(matcher),
            "change_seq": matcher.change_seq,
            "seconds": round(time.perf_counter() - start, 3),
        }
    finally:
        rt.close()
    if json_out:
        emit_json(info)
    else:
        stdout.print(f"snapshot of {info['entries']} entries written to {path}")
