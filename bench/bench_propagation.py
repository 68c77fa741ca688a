"""Benchmark: bank changes between replicas (issue 18), polled before and pushed after.

Three real ``shieldwall serve`` processes (``--workers 1``, each with its own data folder, as
if on three machines) on one fresh PostgreSQL database. What runs:

* **commit to applied, in-process** (push only): a writer runtime adds an entry, a second
  runtime's change feed applies it; no HTTP, so the number is the feed's own latency.
* **propagation**, once with ``SHIELDWALL_CHANGE_FEED=poll`` (the old way: a lookup reads the
  change log, at most every 50 ms) and once with ``push`` (NOTIFY + a change-feed thread):
  ``--changes`` (1,000) single-entry adds, each through the next replica in turn; from the
  moment the writer answered 201, the other two are probed with ``/hma/m/raw_lookup`` (which
  stores nothing) until the new hash matches. p50/p99/max per reader and over both.
* **catch-up of 100k changes** (``--catch-up``): (a) in-process, ``Matcher.refresh()`` over
  100k changes it missed; (b) live, 100k entries imported beside running replicas and the time
  from the import's last commit until both report the final position (``/readyz``);
  (c) a replica stopped, 100k changes made, restarted: its start-up against a restart that
  missed nothing.
* **start-up of a new replica from a snapshot** at ``--snapshot-entries`` (1M): in-process load
  of the snapshot plus a 10k-change tail against a rebuild from the whole table, and a real
  ``serve`` start with ``SHIELDWALL_INDEX_SNAPSHOT_DIR`` against one without.

Usage: ``python bench/bench_propagation.py [--changes 1000] [--catch-up 100000]
[--snapshot-entries 1000000]``. Prints markdown and writes bench/out/propagation.json.
"""

# ruff: noqa: I001  (common pins BLAS threads, so it comes before numpy)
from __future__ import annotations

import common  # pins BLAS threads first

import argparse
import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import numpy as np

PG_ADMIN = os.environ.get(
    "SHIELDWALL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BANK = "victims"
EXE = str(Path(sys.executable).with_name("shieldwall"))


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def stats_ms(values: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 50), 1),
        "p99_ms": round(pct(ms, 99), 1),
        "max_ms": round(max(ms), 1) if ms else float("nan"),
    }


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    import sqlalchemy as sa

    name = f"bench_propagation_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Replica:
    """One ``shieldwall serve --workers 1`` process with its own data folder."""

    def __init__(self, name: str, env: dict[str, str], root: Path) -> None:
        self.name = name
        self.env = {**env, "SHIELDWALL_DATA_DIR": str(root / name)}
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Start and wait until ``/readyz`` answers 200; returns the seconds it took."""
        began = time.perf_counter()
        log = (self.root / f"{self.name}.log").open("ab")
        self.proc = subprocess.Popen(
            [EXE, "serve", "--port", str(self.port), "--workers", "1"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"replica {self.name} exited: see {log.name}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return time.perf_counter() - began
            time.sleep(0.05)

    def position(self) -> int:
        return int(httpx.get(self.url + "/readyz", timeout=10).json()["change_seq"])

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_all(replicas: list[Replica]) -> list[float]:
    """Start every replica at once (start-up is the slow part)."""
    for r in replicas:
        r.proc = None
    import concurrent.futures as cf

    with cf.ThreadPoolExecutor(len(replicas)) as pool:
        return list(pool.map(lambda r: r.start(), replicas))


def prepare(url: str, root: Path) -> str:
    from shieldwall.config import load_settings
    from shieldwall.runtime import Runtime
    from shieldwall.types import BankPurpose

    rt = Runtime.open(load_settings(data_dir=root / "setup", database_url=url), migrate=True)
    try:
        rt.banks.create_bank(name=BANK, purpose=BankPurpose.VICTIM, threshold=31)
        key, _ = rt.keys.create_api_key(name="bench", scopes=["admin"], rate_limit_per_minute=10**9)
    finally:
        rt.close()
    return key


async def propagate(replicas: list[Replica], key: str, changes: int) -> dict[str, Any]:
    """Add ``changes`` entries round-robin; time until each other replica matches it."""
    auth = {"Authorization": f"Bearer {key}"}
    seen: dict[str, list[float]] = {r.name: [] for r in replicas}
    probes = transport_errors = 0
    async with httpx.AsyncClient(headers=auth, timeout=30) as client:

        async def until_live(reader: Replica, value: str, t0: float) -> None:
            nonlocal probes
            params = {"signal_type": "pdq", "signal": value}
            while True:
                probes += 1
                try:
                    r = await client.get(f"{reader.url}/hma/m/raw_lookup", params=params)
                except httpx.TransportError:
                    # A keep-alive connection the server closed as we reused it: try again,
                    # unless the replica itself is gone.
                    nonlocal transport_errors
                    transport_errors += 1
                    assert reader.proc is not None and reader.proc.poll() is None, reader.name
                    continue
                r.raise_for_status()
                if r.json()["matches"]:
                    seen[reader.name].append(max(0.0, time.perf_counter() - t0))
                    return
                if time.perf_counter() - t0 > 30:
                    raise SystemExit(f"{reader.name} never saw {value}")

        began = time.perf_counter()
        for i in range(changes):
            writer = replicas[i % len(replicas)]
            value = secrets.token_hex(32)
            r = await client.post(
                f"{writer.url}/v1/banks/{BANK}/entries",
                json={"entries": [{"signal_type": "pdq", "value": value}]},
            )
            r.raise_for_status()
            t0 = time.perf_counter()
            await asyncio.gather(*(until_live(x, value, t0) for x in replicas if x is not writer))
        wall = time.perf_counter() - began
    every = [v for values in seen.values() for v in values]
    return {
        "all": stats_ms(every),
        "per_replica": {name: stats_ms(v) for name, v in seen.items()},
        "probes": probes,
        "transport_errors": transport_errors,
        "wall_s": round(wall, 1),
        "load_average": load_average(),
    }


def in_process(url: str, root: Path, changes: int) -> dict[str, Any]:
    """Commit to applied, without HTTP: a writer's ``add_entries`` returns, and a second runtime's
    change feed (NOTIFY listener, as in ``serve``) applies the change; polled every 0.5 ms."""
    from shieldwall.config import load_settings
    from shieldwall.runtime import Runtime
    from shieldwall.types import NewEntry, HashKind

    writer = Runtime.open(load_settings(data_dir=root / "w", database_url=url))
    reader = Runtime.open(
        load_settings(data_dir=root / "r", database_url=url), matcher_refresh_s=float("inf")
    )
    lags: list[float] = []
    try:
        matcher = reader.matcher
        feed = reader.change_feed
        feed.start()
        while not feed.status().connected:
            time.sleep(0.01)
        for _ in range(changes):
            writer.banks.add_entries(
                bank=BANK, entries=[NewEntry(HashKind.PDQ, secrets.token_hex(32))]
            )
            t0 = time.perf_counter()
            target = writer.banks.latest_change_seq()
            while matcher.change_seq < target:
                time.sleep(0.0005)
            lags.append(time.perf_counter() - t0)
        status = feed.status()
    finally:
        reader.close()
        writer.close()
    return {
        **stats_ms(lags),
        "pushed_refreshes": status.pushed,
        "fallback_refreshes": status.polled,
        "load_average": load_average(),
    }


def random_entries(n: int) -> Iterator[Any]:
    from shieldwall.types import NewEntry, Provenance, HashKind

    prov = Provenance(source="bench")
    rng = np.random.default_rng()
    for start in range(0, n, 100_000):
        raw = rng.integers(0, 256, size=(min(100_000, n - start), 32), dtype=np.uint8)
        for row in raw:
            yield NewEntry(HashKind.PDQ, row.tobytes().hex(), prov)


def catch_up(url: str, root: Path, replicas: list[Replica], n: int) -> dict[str, Any]:
    from shieldwall.config import load_settings
    from shieldwall.runtime import Runtime

    out: dict[str, Any] = {"changes": n}
    rt = Runtime.open(load_settings(data_dir=root / "setup", database_url=url))
    try:
        # (a) in-process: a loaded matcher that missed n changes.
        matcher = rt.matcher
        began = time.perf_counter()
        rt.banks.add_entries(bank=BANK, entries=random_entries(n))
        out["import_s"] = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        applied = matcher.refresh()
        out["in_process_refresh_s"] = round(time.perf_counter() - began, 2)
        out["in_process_applied"] = applied

        # (b) live: running replicas follow an import of n entries.
        a, b, c = replicas
        began = time.perf_counter()
        rt.banks.add_entries(bank=BANK, entries=random_entries(n))
        committed = time.perf_counter()
        target = rt.banks.latest_change_seq()
        for r in (a, b, c):
            while r.position() < target:
                time.sleep(0.01)
        done = time.perf_counter()
        out["live_import_s"] = round(committed - began, 2)
        out["live_after_last_commit_s"] = round(done - committed, 2)
        out["live_from_import_start_s"] = round(done - began, 2)

        # (c) a replica down while n changes are made, then restarted.
        c.stop()
        rt.banks.add_entries(bank=BANK, entries=random_entries(n))
        out["restart_after_missing_s"] = round(c.start(), 2)
        c.stop()
        out["restart_missing_nothing_s"] = round(c.start(), 2)
    finally:
        rt.close()
    out["load_average"] = load_average()
    return out


def fill_by_sql(rt: Any, n: int) -> None:
    """Put ``n`` random PDQ entries in the bank with one set-based statement per million.

    What is measured here is start-up, not import: the import path (``add_entries``, which
    also logs each change and records its holder) runs at ~100k entries a minute on this
    box, so 10M would take the whole session. Rows written this way have no change-log
    rows or holders, which a start-up does not read (it reads the active entries, or the
    snapshot and the log after it).
    """
    import sqlalchemy as sa

    bank_id = rt.banks.get_bank(name=BANK).id
    for start in range(0, n, 1_000_000):
        size = min(1_000_000, n - start)
        with rt.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO bank_entries (bank_id, signal_type, value, source, status,"
                    " created_at, updated_at)"
                    " SELECT :bank, 'pdq', md5(random()::text) || md5(random()::text),"
                    " 'bench', 'active', now(), now() FROM generate_series(1, :n)"
                    " ON CONFLICT DO NOTHING"
                ),
                {"bank": bank_id, "n": size},
            )
        print(f"filled {start + size:,} of {n:,}", flush=True)


def snapshot_start(
    url: str, root: Path, env: dict[str, str], entries: int, fill: str = "import"
) -> dict[str, Any]:
    from shieldwall.config import load_settings
    from shieldwall.pipeline.matcher import Matcher
    from shieldwall.runtime import Runtime

    out: dict[str, Any] = {"target_entries": entries}
    snapshots = root / "shared-index"
    rt = Runtime.open(load_settings(data_dir=root / "setup", database_url=url))
    try:
        have = sum(b.active_entries for b in rt.banks.list_banks())
        if have < entries:
            began = time.perf_counter()
            if fill == "sql":
                fill_by_sql(rt, entries - have)
            else:
                rt.banks.add_entries(bank=BANK, entries=random_entries(entries - have))
            out["fill"] = fill
            out["import_s"] = round(time.perf_counter() - began, 1)
        out["entries"] = sum(b.active_entries for b in rt.banks.list_banks())

        began = time.perf_counter()
        rebuilt = Matcher(rt.banks, snapshot_dir=snapshots)  # none there yet: reads the table
        rebuilt.load()
        out["rebuild_from_table_s"] = round(time.perf_counter() - began, 2)
        began = time.perf_counter()
        rebuilt.save_snapshot()
        out["snapshot_write_s"] = round(time.perf_counter() - began, 2)
        del rebuilt
        tail = 10_000
        rt.banks.add_entries(bank=BANK, entries=random_entries(tail))
        out["tail_changes"] = tail
        began = time.perf_counter()
        fresh = Matcher(rt.banks, snapshot_dir=snapshots)
        fresh.load()
        out["snapshot_plus_tail_s"] = round(time.perf_counter() - began, 2)
        out["snapshot_plus_tail_entries"] = len(fresh)
        del fresh
        print("snapshot (in-process)", out, flush=True)
    finally:
        rt.close()

    # Real processes: a new replica with the shared snapshot, and one without.
    with_snapshot = Replica("new-with-snapshot", env, root)
    with_snapshot.env["SHIELDWALL_INDEX_SNAPSHOT_DIR"] = str(snapshots)
    without = Replica("new-without-snapshot", env, root)
    for name, replica in (("serve_with_snapshot_s", with_snapshot), ("serve_rebuild_s", without)):
        out[name] = round(replica.start(), 2)
        replica.stop()
    out["load_average"] = load_average()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=1000)
    parser.add_argument("--out", default="propagation", help="bench/out/NAME.json")
    parser.add_argument("--catch-up", type=int, default=100_000)
    parser.add_argument("--snapshot-entries", type=int, default=1_000_000)
    parser.add_argument(
        "--snapshot-fill",
        choices=["import", "sql"],
        default="import",
        help="how the snapshot phase fills its bank: the import path, or one SQL statement"
        " per million rows (start-up is what is measured; see fill_by_sql)",
    )
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        choices=["in-process", "poll", "push", "catch-up", "snapshot"],
    )
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": load_average(),
        "cpu_pressure_start": common.cpu_pressure(),
    }
    root = Path(tempfile.mkdtemp(prefix="bench-propagation-"))
    try:  # a failed run keeps the replicas' logs (see the except below)
        with fresh_postgres() as url:
            key = prepare(url, root)
            base = {**os.environ, "SHIELDWALL_DATABASE_URL": url, "SHIELDWALL_MODE": "development"}
            replicas: list[Replica] = []
            if "in-process" not in args.skip:
                result["in_process_push"] = in_process(url, root, args.changes)
                print("in-process push", result["in_process_push"], flush=True)
            for mode in ("poll", "push"):
                if mode in args.skip:
                    continue
                env = {**base, "SHIELDWALL_CHANGE_FEED": mode}
                replicas = [Replica(f"{mode}-{n}", env, root) for n in "abc"]
                starts = start_all(replicas)
                try:
                    result[mode] = asyncio.run(propagate(replicas, key, args.changes))
                    result[mode]["start_s"] = [round(s, 1) for s in starts]
                    print(mode, result[mode], flush=True)
                    if mode == "push" and "catch-up" not in args.skip:
                        result["catch_up"] = catch_up(url, root, replicas, args.catch_up)
                        print("catch-up", result["catch_up"], flush=True)
                finally:
                    for r in replicas:
                        r.stop()
            if "snapshot" not in args.skip:
                result["snapshot"] = snapshot_start(
                    url,
                    root,
                    {**base, "SHIELDWALL_CHANGE_FEED": "push"},
                    args.snapshot_entries,
                    args.snapshot_fill,
                )
                print("snapshot", result["snapshot"], flush=True)
    except BaseException:
        print(f"failed: the replicas' logs are kept in {root}", flush=True)
        raise
    shutil.rmtree(root, ignore_errors=True)
    result["load_average_end"] = load_average()
    print(common.write_json(args.out, result))


if __name__ == "__main__":
    main()
