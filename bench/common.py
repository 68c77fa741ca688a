"""Shared helpers for the benchmark scripts: one-core setup, photo discovery, tables, JSON output.

Import this module before numpy (or call :func:`pin_one_core` first thing): BLAS
libraries read their thread counts when they load.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent / "out"
DEFAULT_PHOTOS = Path(__file__).resolve().parent.parent / ".cache" / "photos"
SMALL_PHOTOS = DEFAULT_PHOTOS.with_name("photos-small")


def pin_one_core() -> None:
    """Keep BLAS/OpenMP to one thread so numbers compare one core with one core."""
    for var in (
        "OMP_NUM_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_NUM_THREADS",
    ):
        os.environ[var] = "1"


pin_one_core()


def photo_paths(env: str = "SHIELDWALL_BENCH_PHOTOS") -> list[Path]:
    """The benchmark photos (all 126 by default), sorted; fails loudly when missing."""
    root = Path(os.environ.get(env, DEFAULT_PHOTOS))
    if env not in os.environ and not root.is_dir() and SMALL_PHOTOS.is_dir():
        root = SMALL_PHOTOS  # what `make photos` fetches (19 photos), when the 126 are absent
    paths = sorted(p for p in root.iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    if not paths:
        raise SystemExit(f"no photos in {root}: run `make photos` or set {env}")
    return paths


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call, process CPU-independent wall clock."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "threads": 1,
    }


def write_json(name: str, data: dict[str, Any]) -> Path:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **data}, indent=2) + "\n")
    return path


def cpu_pressure() -> str:
    """Linux PSI for the CPU: the share of time some task waited for a core (shared machine)."""
    try:
        return Path("/proc/pressure/cpu").read_text().splitlines()[0]
    except OSError:
        return "unavailable"


def code_version() -> dict[str, str]:
    """Which shieldwall was measured: its path and, when it is this checkout, the commit.

    Benchmarks may run against a snapshot of a commit (``PYTHONPATH=<git archive>/src``)
    while others edit the working tree; ``SHIELDWALL_BENCH_COMMIT`` names that commit.
    """
    import shieldwall

    where = Path(shieldwall.__file__).resolve().parent
    commit = os.environ.get("SHIELDWALL_BENCH_COMMIT", "")
    if not commit:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            head = subprocess.run(
                ["git", "-C", str(where), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            dirty = subprocess.run(
                ["git", "-C", str(where), "status", "--porcelain", "--", "."],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            commit = head + (" + uncommitted changes" if dirty else "")
    return {"shieldwall": str(where), "commit": commit or "unknown"}
