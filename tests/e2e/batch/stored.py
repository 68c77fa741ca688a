"""Read what a batch CLI run stored, from outside the process (a read-only SQLite handle),
so the scans' kill-and-resume tests can count while the scan runs or after it died."""

from __future__ import annotations

import sqlite3
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
