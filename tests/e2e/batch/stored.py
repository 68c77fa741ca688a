"""Read what a batch CLI run stored, from outside the process (a read-only SQLite handle),
so the scans' kill-and-resume tests can count while the scan runs or after it died."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path


def count(db: Path, sql: str) -> int:
    """One ``COUNT(*)``; 0 while the database or its tables do not exist yet."""
    if not db.exists():
        return 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
    try:
        return int(con.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # tables not created yet
        return 0
    finally:
        con.close()


def decisions_per_item(db: Path) -> dict[str, int]:
    """How many decisions each stored content id has (exactly once: every value is 1)."""
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT i.content_id, COUNT(d.id) FROM items i LEFT JOIN decisions d "
            "ON d.item_id = i.id GROUP BY i.content_id"
        ).fetchall()
    finally:
        con.close()
    return {str(cid): int(n) for cid, n in rows}


def kill_after_stored(args: list[str], env: dict[str, str], db: Path, items: int = 4) -> int:
    """Start a batch CLI run, SIGKILL it once ``items`` items are committed, and return how
    many were stored at the kill: the first half of a kill-and-resume test."""
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None:
        if count(db, "SELECT COUNT(*) FROM items") >= items:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"the scan ended before it could be killed: {proc.stderr.read()}"  # type: ignore[union-attr]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return count(db, "SELECT COUNT(*) FROM items")
