"""Benchmark: the HTTP service (`shieldwall serve`) under load, beside HMA 1.1.7's figures.

HMA (Meta's hasher-matcher-actioner) needs its own server stack and cannot be rebuilt here, so
the anchor is the set of figures measured with HMA 1.1.7 on the same 2-core machine kind
(/work/shared/DATA.md); the threatexchange anchor that *does* run here is
``PdqSignal.hash_from_file`` on the same JPEG the scan benchmark uploads.

What runs:

* a bank of ``--entries`` (default 1M) random PDQ hashes imported with ``BankStore.add_entries``
  and snapshotted (``Matcher.save_snapshot``, what ``shieldwall index snapshot`` does), then a
  real ``shieldwall serve`` subprocess on 127.0.0.1 pinned to core 0;
* the load generator (async httpx, HTTP/1.1 keep-alive) pinned to core 1, so the two never
  compete for a core; its own CPU use is recorded so a client-bound run shows as such;
* ``/v1/lookup`` closed loop with 1 and 8 clients, then open loop at a fixed rate (sends
  scheduled at fixed intervals; latency counted from the *scheduled* time, so a stalled server
  is not hidden by a stalled client: no coordinated omission). Each lookup has a unique
  content_id, so each one stores an item and a decision; 5% of queries are planted within
  distance 8 of a bank entry and must match;
* ``/v1/scan`` of a ~1 MP JPEG, with the default signals and with ``SHIELDWALL_SCAN_SIGNALS=[]``,
  against the in-process CLI hashing loop (``hash_image_file``) on the same core;
* time from ``POST /v1/banks/{name}/entries`` of a new hash to a lookup of it matching, and the
  rate of adding entries through the API (single entries and batches of 1,000).

Every phase is bounded by a request count and a time limit; the server is stopped at the end.
Usage: ``python bench/bench_service.py [--entries 1000000] [--postgres] [--rate 500]``
Prints a markdown table and writes bench/out/service.json (service_postgres.json with
--postgres).
"""

# ruff: noqa: I001  (common pins BLAS threads, so it comes before numpy)
from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import common
import numpy as np

HMA = {
    "raw_lookup_p50_ms": 3.8,
    "raw_lookup_p99_ms": 7.7,
    "raw_lookup_qps_1": 254,
    "raw_lookup_qps_8": "220-239",
    "lookup_p50_ms": "5-8",
    "lookup_qps_8": "125-196",
    "index_search_ms": 0.62,
    "add_to_findable_s": "97-137",
    "api_add_per_s": 98,
    "hash_12mp_ms": 538,
    "rss_gb": "0.8-0.9",
}
SEED = 20261125
RUN = f"{int(time.time())}"
"""Part of every content_id, so runs against a reused bank never repeat one."""
BANK = "bench-victims"
SERVER_CORE = 0
CLIENT_CORE = 1
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


# -- set-up ----------------------------------------------------------------------------------


def random_hexes(rng: np.random.Generator, n: int) -> list[str]:
    return [row.tobytes().hex() for row in rng.integers(0, 256, (n, 32), dtype=np.uint8)]


def flip_bits(hex_pdq: str, bits: int, rng: np.random.Generator) -> str:
    arr = np.unpackbits(np.frombuffer(bytes.fromhex(hex_pdq), np.uint8))
    arr[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(arr).tobytes().hex()


def prepare(env: dict[str, str], entries: int, rng: np.random.Generator) -> dict[str, Any]:
    """Create the bank, import ``entries`` random PDQ hashes, snapshot the index, make a key."""
    os.environ.update(env)
    from shieldwall.config import load_settings
    from shieldwall.runtime import Runtime
    from shieldwall.types import BankPurpose, NewEntry, Provenance, HashKind

    rt = Runtime.open(load_settings(), migrate=True)
    try:
        rt.banks.create_bank(name=BANK, purpose=BankPurpose.VICTIM, threshold=31)
        prov = Provenance(source="bench")
        bank_sample: list[str] = []
        began = time.perf_counter()
        chunk = 100_000
        for start in range(0, entries, chunk):
            hexes = random_hexes(rng, min(chunk, entries - start))
            bank_sample += hexes[:: max(1, len(hexes) // 500)]
            rt.banks.add_entries(
                bank=BANK, entries=(NewEntry(HashKind.PDQ, h, prov) for h in hexes)
            )
        import_s = time.perf_counter() - began
        began = time.perf_counter()
        rt.matcher.save_snapshot()
        snapshot_s = time.perf_counter() - began
        key, _ = rt.keys.create_api_key(
            name="bench", scopes=["admin"], rate_limit_per_minute=100_000_000
        )
    finally:
        rt.close()
    return {
        "key": key,
        "bank_sample": bank_sample,
        "import_s": import_s,
        "import_per_s": entries / import_s,
        "snapshot_s": snapshot_s,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A ``shieldwall serve`` subprocess pinned to one core; stopped on exit."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        exe = Path(sys.executable).with_name("shieldwall")
        cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", str(SERVER_CORE), *cmd]
        self.log = log.open("wb")
        began = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, env={**os.environ, **env}, stdout=self.log, stderr=subprocess.STDOUT
        )
        self.ready_s = self._wait_ready(began)

    def _wait_ready(self, began: float, limit_s: float = 300.0) -> float:
        import httpx

        while time.perf_counter() - began < limit_s:
            if self.proc.poll() is not None:
                self.log.flush()
                tail = Path(self.log.name).read_text(errors="replace")[-3000:]
                raise SystemExit(f"server exited with {self.proc.returncode}:\n{tail}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/readyz", timeout=1.0).status_code == 200:
                    return time.perf_counter() - began
            time.sleep(0.1)
        raise SystemExit("server not ready in time")

    def rss_mb(self) -> float:
        import psutil

        proc = psutil.Process(self.proc.pid)
        procs = [proc, *proc.children(recursive=True)]
        return float(sum(p.memory_info().rss for p in procs)) / 1e6

    def cpu_s(self) -> float:
        """CPU seconds the server (and any children) used so far: immune to other jobs' load."""
        import psutil

        proc = psutil.Process(self.proc.pid)
        total = 0.0
        for p in (proc, *proc.children(recursive=True)):
            t = p.cpu_times()
            total += t.user + t.system
        return total

    def runqueue_wait_s(self) -> float:
        """Seconds the server's threads were runnable but waiting for a CPU (Linux schedstat).

        On a machine shared with other jobs this is the time they took from the server.
        """
        total = 0
        for stat in Path(f"/proc/{self.proc.pid}/task").glob("*/schedstat"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += int(stat.read_text().split()[1])
        return total / 1e9

    def measure(self, run: Any, requests_key: str = "requests") -> dict[str, Any]:
        """Run one load phase (a coroutine) and add the server's CPU time per request."""
        cpu0, wait0 = self.cpu_s(), self.runqueue_wait_s()
        out: dict[str, Any] = asyncio.run(run)
        used = self.cpu_s() - cpu0
        waited = self.runqueue_wait_s() - wait0
        n = max(1, out[requests_key])
        out["server_cpu_ms_per_request"] = round(used / n * 1000, 3)
        out["server_cpu_share"] = round(used / out["wall_s"], 3)
        out["server_runqueue_wait_share"] = round(waited / out["wall_s"], 3)
        return out

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# -- load generation -------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q)) if values else float("nan")


def summary(lat_s: list[float], wall_s: float, errors: int, cpu_s: float) -> dict[str, Any]:
    ms = [x * 1000 for x in lat_s]
    return {
        "requests": len(ms),
        "errors": errors,
        "wall_s": round(wall_s, 3),
        "per_s": round(len(ms) / wall_s, 1),
        "p50_ms": round(pct(ms, 50), 3),
        "p90_ms": round(pct(ms, 90), 3),
        "p99_ms": round(pct(ms, 99), 3),
        "max_ms": round(max(ms), 3) if ms else None,
        "client_cpu_share": round(cpu_s / wall_s, 3),
    }


class LookupBodies:
    """Unique content_ids; 5% of PDQs planted near a bank entry (these must match)."""

    def __init__(self, tag: str, sample: list[str], rng: np.random.Generator) -> None:
        self.tag, self.sample, self.rng, self.n = tag, sample, rng, 0
        self.planted: set[str] = set()

    def next(self) -> dict[str, Any]:
        self.n += 1
        cid = f"{self.tag}-{self.n}"
        if self.n % 20 == 0:
            pdq = flip_bits(self.sample[self.n % len(self.sample)], 8, self.rng)
            self.planted.add(cid)
        else:
            pdq = self.rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()
        return {"content_id": cid, "pdq": pdq, "quality": 100}


def client(key: str, connections: int) -> Any:
    import httpx

    return httpx.AsyncClient(
        headers={"Authorization": f"Bearer {key}"},
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
        timeout=30.0,
    )


async def closed_loop(
    url: str, key: str, bodies: LookupBodies, clients: int, max_requests: int, max_s: float
) -> dict[str, Any]:
    """``clients`` workers, each sending its next lookup when the last one answered."""
    lat: list[float] = []
    errors = 0
    missed = 0
    async with client(key, clients) as http:
        await http.post(url + "/v1/lookup", json=bodies.next())  # open a connection
        began = time.perf_counter()
        cpu0 = time.process_time()
        deadline = began + max_s

        async def worker() -> None:
            nonlocal errors, missed
            while len(lat) + errors < max_requests and time.perf_counter() < deadline:
                body = bodies.next()
                t = time.perf_counter()
                r = await http.post(url + "/v1/lookup", json=body)
                lat.append(time.perf_counter() - t)
                if r.status_code != 200:
                    errors += 1
                elif body["content_id"] in bodies.planted and not r.json()["matches"]:
                    missed += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
        out = summary(lat, time.perf_counter() - began, errors, time.process_time() - cpu0)
    out.update(clients=clients, planted_missed=missed)
    return out


async def open_loop(
    url: str, key: str, bodies: LookupBodies, rate: float, seconds: float, connections: int = 64
) -> dict[str, Any]:
    """Sends scheduled every 1/rate s; latency measured from each send's scheduled time.

    A fixed pool of ``connections`` senders takes scheduled sends from a queue, so a server
    that falls behind builds a queue here (counted in the latency, as it would be in a real
    client) instead of thousands of requests parked in the HTTP pool, whose bookkeeping
    grows with the number waiting and made the load generator the bottleneck.
    """
    count = int(rate * seconds)
    lat: list[float] = []
    errors = 0
    queue: asyncio.Queue[float] = asyncio.Queue()
    async with client(key, connections) as http:
        # Warm the connections so the first second does not pay for handshakes.
        await asyncio.gather(
            *(http.post(url + "/v1/lookup", json=bodies.next()) for _ in range(connections))
        )
        began = time.perf_counter()
        stop_at = began + seconds + 30.0  # bounded drain for a server that fell behind
        cpu0 = time.process_time()

        async def sender() -> None:
            nonlocal errors
            while True:
                scheduled = await queue.get()
                if time.perf_counter() > stop_at:
                    queue.task_done()
                    continue
                try:
                    r = await http.post(url + "/v1/lookup", json=bodies.next())
                    if r.status_code != 200:
                        errors += 1
                except Exception:
                    errors += 1
                lat.append(time.perf_counter() - scheduled)
                queue.task_done()

        senders = [asyncio.create_task(sender()) for _ in range(connections)]
        late_sends = 0
        for i in range(count):
            scheduled = began + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -0.002:
                late_sends += 1  # the scheduler itself ran late (client-side)
            queue.put_nowait(scheduled)
        await queue.join()
        for task in senders:
            task.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
        out = summary(lat, time.perf_counter() - began, errors, time.process_time() - cpu0)
    out.update(
        target_per_s=rate,
        connections=connections,
        late_schedule=late_sends,
        abandoned=count - len(lat),
    )
    return out


async def scan_loop(
    url: str, key: str, jpeg: bytes, clients: int, max_requests: int, max_s: float, tag: str
) -> dict[str, Any]:
    lat: list[float] = []
    errors = 0
    signals: dict[str, Any] = {}
    n = 0
    async with client(key, clients) as http:
        began = time.perf_counter()
        cpu0 = time.process_time()
        deadline = began + max_s

        async def worker() -> None:
            nonlocal errors, n
            while len(lat) + errors < max_requests and time.perf_counter() < deadline:
                n += 1
                t = time.perf_counter()
                r = await http.post(
                    url + "/v1/scan",
                    data={"content_id": f"{tag}-{n}"},
                    files={"file": ("photo.jpg", jpeg, "image/jpeg")},
                )
                lat.append(time.perf_counter() - t)
                if r.status_code != 200:
                    errors += 1
                elif not signals:
                    for s in r.json()["signals"]:
                        signals[s["signal"]] = {
                            "error": s["error"],
                            "elapsed_ms": s["elapsed_ms"],
                        }

        await asyncio.gather(*(worker() for _ in range(clients)))
        out = summary(lat, time.perf_counter() - began, errors, time.process_time() - cpu0)
    out.update(clients=clients, signals_ran=signals)
    return out


async def add_to_found(url: str, key: str, rng: np.random.Generator, trials: int) -> dict[str, Any]:
    """Seconds from POSTing a new entry to the first lookup of it that matches."""
    found_s: list[float] = []
    add_ms: list[float] = []
    async with client(key, 2) as http:
        for t in range(trials):
            new = rng.integers(0, 256, 32, dtype=np.uint8).tobytes().hex()
            began = time.perf_counter()
            r = await http.post(
                f"{url}/v1/banks/{BANK}/entries",
                json={"entries": [{"signal_type": "pdq", "value": new}]},
            )
            add_ms.append((time.perf_counter() - began) * 1000)
            r.raise_for_status()
            for attempt in range(10_000):
                r = await http.post(
                    url + "/v1/lookup",
                    json={"content_id": f"fresh-{RUN}-{t}-{attempt}", "pdq": new, "quality": 100},
                )
                if r.json()["matches"]:
                    found_s.append(time.perf_counter() - began)
                    break
        # Adding through the API: one entry per request, then batches of 1,000.
        began = time.perf_counter()
        singles = 200
        for _ in range(singles):
            (
                await http.post(
                    f"{url}/v1/banks/{BANK}/entries",
                    json={"entries": [{"signal_type": "pdq", "value": random_hexes(rng, 1)[0]}]},
                )
            ).raise_for_status()
        single_rate = singles / (time.perf_counter() - began)
        began = time.perf_counter()
        batches = 10
        for _ in range(batches):
            batch = [{"signal_type": "pdq", "value": h} for h in random_hexes(rng, 1000)]
            (
                await http.post(f"{url}/v1/banks/{BANK}/entries", json={"entries": batch})
            ).raise_for_status()
        batch_rate = batches * 1000 / (time.perf_counter() - began)
    return {
        "trials": trials,
        "found": len(found_s),
        "add_to_found_ms_median": round(pct(found_s, 50) * 1000, 2),
        "add_to_found_ms_max": round(max(found_s) * 1000, 2) if found_s else None,
        "add_request_ms_median": round(pct(add_ms, 50), 2),
        "api_add_single_per_s": round(single_rate, 1),
        "api_add_batch1000_per_s": round(batch_rate, 1),
    }


# -- scan inputs and the in-process hashing baselines ----------------------------------------


def make_jpeg(target_mp: float = 1.0) -> tuple[bytes, str]:
    """A ~1 MP JPEG re-encoded from the largest benchmark photo (benign, see DATA.md)."""
    from PIL import Image

    src = max(
        (p for p in common.photo_paths() if p.suffix.lower() in {".jpg", ".jpeg"}),
        key=lambda p: p.stat().st_size,
    )
    with Image.open(src) as opened:
        rgb = opened.convert("RGB")
    scale = (target_mp * 1e6 / (rgb.width * rgb.height)) ** 0.5
    im = rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90)
    return buf.getvalue(), f"{src.name} resized to {im.width}x{im.height}"


def hashing_rate(path: Path, seconds: float) -> dict[str, float]:
    """The CLI's hashing loop in-process (hash_image_file), pinned to the server's core."""
    from shieldwall.hashing import hash_image_file

    with pinned(SERVER_CORE):
        hash_image_file(path)
        n, began, cpu0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - began < seconds:
            hash_image_file(path)
            n += 1
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu0
    return {
        "per_s": round(n / elapsed, 2),
        "ms": round(elapsed / n * 1000, 2),
        "cpu_ms": round(cpu / n * 1000, 2),
    }


def te_hashing_rate(path: Path, seconds: float) -> dict[str, float]:
    """threatexchange's PdqSignal.hash_from_file on the same file and core."""
    from threatexchange.signal_type.pdq.signal import PdqSignal

    with pinned(SERVER_CORE):
        PdqSignal.hash_from_file(path)
        n, began, cpu0 = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - began < seconds:
            PdqSignal.hash_from_file(path)
            n += 1
        elapsed, cpu = time.perf_counter() - began, time.process_time() - cpu0
    return {
        "per_s": round(n / elapsed, 2),
        "ms": round(elapsed / n * 1000, 2),
        "cpu_ms": round(cpu / n * 1000, 2),
    }


@contextlib.contextmanager
def pinned(core: int) -> Iterator[None]:
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


# -- PostgreSQL ------------------------------------------------------------------------------


@contextlib.contextmanager
def fresh_postgres() -> Iterator[str]:
    import sqlalchemy as sa

    name = f"bench_service_{os.getpid()}"
    admin = sa.create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- report ----------------------------------------------------------------------------------


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def table(r: dict[str, Any]) -> str:
    lk = r["lookup"]
    c1, c8, op = lk["closed_1"], lk["closed_8"], lk["open"]
    sc = r["scan"]
    fr = r["freshness"]
    rows = [
        ["lookup p50, 1 client (ms)", c1["p50_ms"], f"{HMA['raw_lookup_p50_ms']} (raw_lookup)"],
        ["lookup p99, 1 client (ms)", c1["p99_ms"], f"{HMA['raw_lookup_p99_ms']} (raw_lookup)"],
        ["lookup q/s, 1 client", c1["per_s"], f"{HMA['raw_lookup_qps_1']} (raw_lookup)"],
        ["lookup p50 / p99, 8 clients (ms)", f"{c8['p50_ms']} / {c8['p99_ms']}", "5-8 p50"],
        [
            "lookup q/s, 8 clients",
            c8["per_s"],
            f"{HMA['lookup_qps_8']} (/m/lookup), {HMA['raw_lookup_qps_8']} (raw)",
        ],
        [
            f"open loop {op['target_per_s']:.0f}/s: achieved, p50 / p99 (ms)",
            f"{op['per_s']}/s, {op['p50_ms']} / {op['p99_ms']}",
            "n/a",
        ],
        [
            "server CPU per lookup, 8 clients (ms)",
            f"{c8['server_cpu_ms_per_request']} "
            f"(one core: {1000 / c8['server_cpu_ms_per_request']:.0f}/s)",
            "n/a",
        ],
        [
            "scan 1 MP JPEG, default signals (/s)",
            f"{sc['default']['per_s']} ({', '.join(sc['default']['signals_ran']) or 'none'})",
            "n/a",
        ],
        [
            "scan 1 MP JPEG, no signals (/s; server CPU ms/scan)",
            f"{sc['none']['per_s']}; {sc['none']['server_cpu_ms_per_request']} ms",
            "n/a",
        ],
        [
            "CLI hashing same JPEG, one core (/s)",
            f"{sc['cli_hashing']['per_s']} ({sc['cli_hashing']['cpu_ms']} ms CPU; scan/CLI "
            f"{sc['scan_vs_cli']:.0%} wall, {sc['scan_vs_cli_cpu']:.0%} CPU)",
            f"threatexchange hash_from_file {sc['te_hashing']['per_s']}/s",
        ],
        [
            "new entry to findable (ms)",
            f"{fr['add_to_found_ms_median']} (max {fr['add_to_found_ms_max']})",
            f"{HMA['add_to_findable_s']} s",
        ],
        [
            "add entries via API (/s)",
            f"{fr['api_add_single_per_s']} single, {fr['api_add_batch1000_per_s']} batched",
            HMA["api_add_per_s"],
        ],
        ["server start to ready (s)", round(r["server_ready_s"], 2), "5.6 reload"],
        ["server RSS after load (MB)", round(r["server_rss_mb"]), f"{HMA['rss_gb']} GB"],
    ]
    return common.markdown_table(["measure", "Shieldwall", "HMA 1.1.7 (DATA.md)"], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL at 127.0.0.1:5432")
    parser.add_argument("--rate", type=float, default=500.0, help="open-loop requests/s")
    parser.add_argument("--open-seconds", type=float, default=20.0)
    parser.add_argument("--closed-requests", type=int, default=4000)
    parser.add_argument("--closed-seconds", type=float, default=20.0)
    parser.add_argument("--scan-seconds", type=float, default=15.0)
    parser.add_argument("--fresh-trials", type=int, default=5)
    parser.add_argument(
        "--workdir", help="keep the data here and reuse its bank next time (SQLite only)"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="sw-bench-service-"))
    result: dict[str, Any] = {
        "entries": args.entries,
        "database": "postgresql" if args.postgres else "sqlite",
        "load_average_before": load_average(),
        "code": common.code_version(),
        "cpu_pressure_before": common.cpu_pressure(),
        "cores": {"server": SERVER_CORE, "client": CLIENT_CORE},
        "hma_reference": HMA,
    }
    with contextlib.ExitStack() as stack:
        if not args.workdir:
            stack.callback(shutil.rmtree, workdir, True)
        env = {"SHIELDWALL_DATA_DIR": str(workdir / "data"), "SHIELDWALL_MODE": "development"}
        if args.postgres:
            env["SHIELDWALL_DATABASE_URL"] = stack.enter_context(fresh_postgres())
        print(f"importing {args.entries:,} entries ...", flush=True)
        saved = workdir / "prepared.json"
        if args.workdir and saved.exists() and not args.postgres:
            prep = json.loads(saved.read_text())  # a bank imported by an earlier run
            print(f"  reusing the bank in {workdir}", flush=True)
        else:
            prep = prepare(env, args.entries, rng)
            if args.workdir:
                saved.write_text(json.dumps(prep))
        result["setup"] = {k: v for k, v in prep.items() if k not in {"key", "bank_sample"}}
        print(f"  import {prep['import_s']:.1f} s, snapshot {prep['snapshot_s']:.1f} s", flush=True)
        key = prep["key"]
        os.sched_setaffinity(0, {CLIENT_CORE})
        server = Server(env, workdir / "server.log")
        stack.callback(server.stop)
        result["server_ready_s"] = server.ready_s
        bodies = LookupBodies(f"lk-{RUN}", prep["bank_sample"], rng)
        lookup: dict[str, Any] = {}
        for clients in (1, 8):
            print(f"closed loop, {clients} client(s) ...", flush=True)
            lookup[f"closed_{clients}"] = server.measure(
                closed_loop(
                    server.url, key, bodies, clients, args.closed_requests, args.closed_seconds
                )
            )
        print(f"open loop at {args.rate:.0f}/s for {args.open_seconds:.0f} s ...", flush=True)
        lookup["open"] = server.measure(
            open_loop(server.url, key, bodies, args.rate, args.open_seconds)
        )
        result["lookup"] = lookup
        result["server_rss_mb"] = server.rss_mb()
        print("freshness and API adds ...", flush=True)
        result["freshness"] = asyncio.run(add_to_found(server.url, key, rng, args.fresh_trials))

        jpeg, described = make_jpeg()
        jpeg_path = workdir / "scan.jpg"
        jpeg_path.write_bytes(jpeg)
        scan: dict[str, Any] = {"file": described, "bytes": len(jpeg)}
        print("scan with default signals ...", flush=True)
        scan["default"] = server.measure(
            scan_loop(server.url, key, jpeg, 2, 10_000, args.scan_seconds, f"scan-default-{RUN}")
        )
        server.stop()
        print("scan with no signals ...", flush=True)
        server = Server({**env, "SHIELDWALL_SCAN_SIGNALS": "[]"}, workdir / "server2.log")
        stack.callback(server.stop)
        scan["none"] = server.measure(
            scan_loop(server.url, key, jpeg, 2, 10_000, args.scan_seconds, f"scan-none-{RUN}")
        )
        server.stop()
        os.sched_setaffinity(0, {SERVER_CORE, CLIENT_CORE})
        scan["cli_hashing"] = hashing_rate(jpeg_path, args.scan_seconds)
        scan["te_hashing"] = te_hashing_rate(jpeg_path, args.scan_seconds)
        scan["scan_vs_cli"] = scan["none"]["per_s"] / scan["cli_hashing"]["per_s"]
        # The same ratio by CPU time on both sides, which other jobs do not distort.
        scan["scan_vs_cli_cpu"] = (
            scan["cli_hashing"]["cpu_ms"] / scan["none"]["server_cpu_ms_per_request"]
        )
        result["scan"] = scan
    result["load_average_after"] = load_average()
    result["cpu_pressure_after"] = common.cpu_pressure()
    op = result["lookup"]["open"]
    result["goals"] = {
        "open_loop_p99_under_10ms": bool(op["p99_ms"] < 10 and op["per_s"] >= 0.95 * args.rate),
        "scan_within_80pct_of_cli": bool(scan["scan_vs_cli"] >= 0.8),
    }
    print(table(result))
    print(f"goals: {result['goals']}")
    name = "service_postgres" if args.postgres else "service"
    print(f"wrote {common.write_json(name, result)}")


if __name__ == "__main__":
    main()
