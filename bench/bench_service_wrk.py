"""Benchmark: Shieldwall, Meta's HMA 1.1.7 and a bare ASGI floor, driven by ``wrk`` in one run.

What runs, one after another on the same machine, with the load average recorded for each:

* **HMA 1.1.7** (Meta's hasher-matcher-actioner), installed and started by
  ``../shared/anchors/hma.sh`` (``--hma-script``) on its own PostgreSQL database, the bank
  bulk-loaded with ``hma.sh load``; driven at ``GET /m/raw_lookup`` and ``POST /m/lookup``.
  **The anchor needs that script**, which is not part of this repository: without it the HMA
  rows are skipped (said so in the output) and everything else still runs.
* **Shieldwall on SQLite and on PostgreSQL** (``shieldwall serve``, every lookup persisted: an
  item, a decision and an audit event each), the same bank imported with ``BankStore``;
* **the floor**: ``bench/floor_app.py``, a bare ASGI app that parses the lookup and searches
  the same in-memory index, served by uvicorn the same way;

each server pinned to core 0 and ``wrk`` (one thread) pinned to core 1, at 1, 8, 64 and 256
connections (closed loop) and paced at 500 and 2,000 requests/s (``bench/wrk/load.lua``:
wrk 4 has no open-loop mode and wrk2 is not packaged, so the script keeps a schedule of send
slots; the achieved rate shows a server that falls behind). 5% of lookups are planted within
8 bits of a bank entry. Then, in the same run: ``/v1/scan`` of a 1 MP JPEG (synchronous path)
against HMA's ``/m/lookup`` of the same photo and the CLI's hashing of it on one core;
``shieldwall hash`` against threatexchange's ``PdqSignal.hash_from_file`` on the same photos;
and CLI start-up time.

Usage: ``python bench/bench_service_wrk.py [--bank-size 1000000] [--seconds 10]
[--hma-script ../shared/anchors/hma.sh] [--no-postgres] [--serve-arg=--workers=2]``.
Prints markdown tables with ratios; writes ``bench/out/service_wrk.json``.
"""

# ruff: noqa: I001  (common pins BLAS threads, so it comes before numpy)
from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import common
import numpy as np

from bench_service import flip_bits, fresh_postgres, make_jpeg, random_hexes

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "wrk" / "load.lua"
WRK = shutil.which("wrk") or "/usr/bin/wrk"
SEED = 20261203
BATCH_SIZE = 1000
"""Lookups per ``/v1/lookup/batch`` request in ``load.lua`` (the API's maximum)."""
BANK = "bench-victims"
SERVER_CORE, CLIENT_CORE = "0", "1"
RUN = str(int(time.time()))


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def taskset(core: str) -> list[str]:
    return ["taskset", "-c", core] if shutil.which("taskset") else []


def wait_http(url: str, proc: subprocess.Popen[bytes] | None, limit_s: float = 600.0) -> float:
    import httpx

    began = time.perf_counter()
    while time.perf_counter() - began < limit_s:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{url}: server exited with {proc.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2.0).status_code == 200:
                return time.perf_counter() - began
        time.sleep(0.2)
    raise SystemExit(f"{url}: not ready in {limit_s:.0f} s")


def free_port(used: set[int] = set()) -> int:  # noqa: B006 (a deliberate per-run registry)
    """A port in the range this machine's rules allow (18600-18699), never one used this run."""
    import socket

    for port in range(18601, 18700):
        if port in used:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        used.add(port)
        return port
    raise SystemExit("no free port in 18601-18699")


@contextlib.contextmanager
def process(cmd: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=out, stderr=out)
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def wrk(
    url: str, mode: str, connections: int, seconds: float, rate: float = 0, **kw: str
) -> dict[str, Any]:
    """One wrk run; its Lua ``done`` prints a JSON line we parse."""
    cmd = [
        *taskset(CLIENT_CORE),
        WRK,
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        url,
        "--",
        mode,
        f"{kw.get('tag', mode)}-{RUN}-{connections}-{int(rate)}",
        str(rate),
        kw.get("token", "-"),
        kw.get("file", "-"),
    ]
    load = load_average()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise SystemExit(f"wrk failed: {done.stdout}\n{done.stderr}")
    raw = json.loads(line[len("WRKJSON ") :])
    secs = raw["duration_us"] / 1e6
    errors = sum(raw[k] for k in raw if k.endswith("_errors") or k == "timeouts")
    return {
        "connections": connections,
        "target_per_s": rate or None,
        "per_s": round(raw["requests"] / secs, 1),
        "ok_per_s": round((raw["requests"] - raw["status_errors"]) / secs, 1),
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": errors,
        "status_errors": raw["status_errors"],
        "requests": raw["requests"],
        "load_average": load,
    }


def drive(url: str, mode: str, args: argparse.Namespace, **kw: str) -> dict[str, Any]:
    """Warm up, then every closed-loop level and every paced rate against one server."""
    # The warm-up has a tag of its own: with the measured run's tag, its content ids came
    # again as repeats at the start of the 8-connection run (a read, not a lookup).
    wrk(url, mode, 8, 2, **{**kw, "tag": "warm-" + kw.get("tag", mode)})
    out: dict[str, Any] = {}
    for c in args.connections:
        time.sleep(args.settle)
        out[f"c{c}"] = wrk(url, mode, c, args.seconds, **kw)
        print(f"    {mode} c={c}: {out[f'c{c}']['per_s']}/s p99 {out[f'c{c}']['p99_ms']} ms")
    for rate in args.rates:
        time.sleep(args.settle)
        out[f"r{int(rate)}"] = wrk(url, mode, 64, args.seconds, rate, **kw)
        r = out[f"r{int(rate)}"]
        print(f"    {mode} at {rate:.0f}/s: achieved {r['per_s']}/s p99 {r['p99_ms']} ms")
    return out


# -- the bank --------------------------------------------------------------------------------


def make_bank(workdir: Path, size: int) -> tuple[list[str], Path, Path]:
    rng = np.random.default_rng(SEED)
    hexes = random_hexes(rng, size)
    bank = workdir / "bank.txt"
    bank.write_text("\n".join(hexes) + "\n")
    sample = hexes[:: max(1, size // 2000)]
    near = workdir / "near.txt"
    near.write_text("\n".join(flip_bits(h, 8, rng) for h in sample) + "\n")
    return hexes, bank, near


def prepare_shieldwall(env: dict[str, str], hexes: list[str]) -> tuple[str, float]:
    """Import the bank into a fresh Shieldwall database, snapshot its index, make an admin key."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        from shieldwall.config import load_settings
        from shieldwall.runtime import Runtime
        from shieldwall.types import BankPurpose, NewEntry, Provenance, HashKind

        rt = Runtime.open(load_settings(), migrate=True)
        try:
            began = time.perf_counter()
            rt.banks.create_bank(name=BANK, purpose=BankPurpose.VICTIM, threshold=31)
            prov = Provenance(source="bench")
            for start in range(0, len(hexes), 100_000):
                chunk = hexes[start : start + 100_000]
                rt.banks.add_entries(
                    bank=BANK, entries=(NewEntry(HashKind.PDQ, h, prov) for h in chunk)
                )
            rt.matcher.save_snapshot()
            took = time.perf_counter() - began
            key, _ = rt.keys.create_api_key(
                name="bench", scopes=["admin"], rate_limit_per_minute=1_000_000_000
            )
        finally:
            rt.close()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return key, took


def check_planted(url: str, near: Path, lookup: Any) -> int:
    """How many of 20 planted near-duplicates the system matched (must be 20)."""
    hexes = near.read_text().split()[:20]
    return sum(bool(lookup(url, h)) for h in hexes)


def sw_lookup(key: str) -> Any:
    import httpx

    def go(url: str, pdq: str) -> bool:
        body = {"content_id": f"check-{RUN}-{pdq[:12]}-{time.time_ns()}", "pdq": pdq}
        r = httpx.post(f"{url}/v1/lookup", json=body, headers={"Authorization": f"Bearer {key}"})
        return bool(r.json().get("matches"))

    return go


def floor_lookup(url: str, pdq: str) -> bool:
    import httpx

    r = httpx.post(f"{url}/v1/lookup", json={"content_id": "check", "pdq": pdq})
    return bool(r.json().get("matches"))


def hma_lookup(url: str, pdq: str) -> bool:
    import httpx

    r = httpx.get(f"{url}/m/raw_lookup", params={"signal_type": "pdq", "signal": pdq})
    return r.status_code == 200 and bool(r.json().get("matches"))


# -- the systems -----------------------------------------------------------------------------


def run_shieldwall(
    label: str, env: dict[str, str], hexes: list[str], near: Path, jpeg: Path, args: Any
) -> dict[str, Any]:
    print(f"{label}: importing {len(hexes):,} entries ...", flush=True)
    key, import_s = prepare_shieldwall(env, hexes)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).with_name("shieldwall")
    cmd = [*taskset(SERVER_CORE), str(exe), "serve", "--port", str(port), *args.serve_arg]
    out: dict[str, Any] = {"import_s": round(import_s, 1)}
    with process(cmd, env, Path(env["SHIELDWALL_DATA_DIR"]) / "server.log") as proc:
        out["ready_s"] = round(wait_http(url + "/readyz", proc), 2)
        out["planted_matched_of_20"] = check_planted(url, near, sw_lookup(key))
        if args.scan:
            # First, on the fresh server: after the 256-connection and paced phases a server
            # that fell behind is still working off their backlog, which is not the scan's cost.
            out["scan"] = wrk(url, "scan", 2, args.seconds, token=key, file=str(jpeg), tag=label)
            print(f"    scan c=2: {out['scan']['per_s']}/s p99 {out['scan']['p99_ms']} ms")
        out["lookup"] = drive(url, "lookup", args, token=key, file=str(near), tag=label)
        # 1,000 lookups a request, each stored and decided as if sent alone.
        out["batch"] = wrk(url, "batch", 2, args.seconds, token=key, file=str(near), tag=label)
        out["batch"]["lookups_per_s"] = round(out["batch"]["ok_per_s"] * BATCH_SIZE, 1)
        print(
            f"    batch c=2: {out['batch']['lookups_per_s']} lookups/s, p99 "
            f"{out['batch']['p99_ms']} ms"
        )
        if args.hma_shapes:
            # HMA's own request shapes against Shieldwall's HMA-compatible API (/hma), so an
            # HMA client's numbers compare like for like.
            out["hma_raw_lookup"] = drive(url, "hmaraw", args, token=key, file=str(near))
            out["hma_photo_lookup"] = wrk(
                url, "hmaphoto", 2, args.seconds, token=key, file=str(jpeg), tag=label
            )
    return out


def run_floor(bank: Path, near: Path, args: Any, workdir: Path) -> dict[str, Any]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [
        *taskset(SERVER_CORE),
        sys.executable,
        str(Path(__file__).with_name("floor_app.py")),
        "--port",
        str(port),
        "--bank",
        str(bank),
    ]
    print("floor: bare ASGI endpoint ...", flush=True)
    with process(cmd, {}, workdir / "floor.log") as proc:
        out: dict[str, Any] = {"ready_s": round(wait_http(url + "/readyz", proc), 2)}
        out["planted_matched_of_20"] = check_planted(url, near, floor_lookup)
        out["lookup"] = drive(url, "lookup", args, file=str(near), tag="floor")
    return out


def pin_tree(pid: int, core: str) -> None:
    import psutil

    with contextlib.suppress(psutil.Error, OSError):
        for p in (psutil.Process(pid), *psutil.Process(pid).children(recursive=True)):
            p.cpu_affinity([int(core)])


def run_hma(script: Path, bank: Path, near: Path, jpeg: Path, args: Any) -> dict[str, Any]:
    import sqlalchemy as sa

    hma_dir = Path(args.hma_dir)
    db = f"sw_bench_hma_{os.getpid()}"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    print(f"HMA 1.1.7: {script} start {hma_dir} {port} {db} ...", flush=True)
    out: dict[str, Any] = {"database": db}
    admin = sa.create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    try:
        began = time.perf_counter()
        subprocess.run(["bash", str(script), "start", str(hma_dir), str(port), db], check=True)
        out["start_s"] = round(time.perf_counter() - began, 1)
        pid = int((hma_dir / "gunicorn.pid").read_text())
        pin_tree(pid, SERVER_CORE)
        began = time.perf_counter()
        subprocess.run(["bash", str(script), "load", db, "bench", str(bank)], check=True)
        print("  waiting for HMA's indexer (every 60 s) to pick the bank up ...", flush=True)
        probe = near.read_text().split()[0]
        while not hma_lookup(url, probe):
            if time.perf_counter() - began > args.hma_index_wait:
                raise SystemExit("HMA did not index the bank in time")
            time.sleep(2)
        out["load_to_findable_s"] = round(time.perf_counter() - began, 1)
        out["planted_matched_of_20"] = check_planted(url, near, hma_lookup)
        pin_tree(pid, SERVER_CORE)
        out["raw_lookup"] = drive(url, "raw", args, file=str(near))
        if args.scan:
            out["photo_lookup"] = wrk(url, "photo", 2, args.seconds, file=str(jpeg))
            print(f"    /m/lookup c=2: {out['photo_lookup']['per_s']}/s")
    finally:
        subprocess.run(["bash", str(script), "stop", str(hma_dir)], check=False)
        time.sleep(2)
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()
    return out


# -- hashing and CLI start-up ----------------------------------------------------------------


def median_run(cmd: list[str], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - began)
    return round(statistics.median(times), 3)


def hashing(photos: list[Path], jpeg: Path) -> dict[str, Any]:
    """In-process hashing on one core (best of 3, interleaved), the CLI end to end, start-up."""
    from threatexchange.signal_type.pdq.signal import PdqSignal

    from shieldwall.hashing import hash_image_file

    os.sched_setaffinity(0, {int(SERVER_CORE)})
    try:
        PdqSignal.hash_from_file(photos[0])
        hash_image_file(photos[0])
        best: dict[str, float] = {}
        for _ in range(3):
            for name, fn in (("te", PdqSignal.hash_from_file), ("sw", hash_image_file)):
                began = time.perf_counter()
                for p in photos:
                    fn(p)
                best[name] = min(best.get(name, 1e9), time.perf_counter() - began)
        one: dict[str, float] = {}
        for name, fn in (("te", PdqSignal.hash_from_file), ("sw", hash_image_file)):
            began, n = time.perf_counter(), 0
            while time.perf_counter() - began < 5:
                fn(jpeg)
                n += 1
            one[name] = n / (time.perf_counter() - began)
    finally:
        os.sched_setaffinity(0, {int(SERVER_CORE), int(CLIENT_CORE)})
    exe = str(Path(sys.executable).with_name("shieldwall"))
    out = {
        "photos": len(photos),
        "threatexchange_per_s": round(len(photos) / best["te"], 1),
        "shieldwall_per_s": round(len(photos) / best["sw"], 1),
        "jpeg_1mp_threatexchange_per_s": round(one["te"], 2),
        "jpeg_1mp_shieldwall_per_s": round(one["sw"], 2),
        "cli_help_s": median_run([*taskset(SERVER_CORE), exe, "--help"]),
        "cli_hash_one_s": median_run([*taskset(SERVER_CORE), exe, "hash", str(photos[0])]),
        "load_average": load_average(),
    }
    out["ratio"] = round(out["shieldwall_per_s"] / out["threatexchange_per_s"], 2)
    return out


# -- report ----------------------------------------------------------------------------------


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}x" if a and b else "n/a"


def report(r: dict[str, Any], args: Any) -> str:
    hma = r.get("hma", {}).get("raw_lookup", {})
    floor = r["floor"]["lookup"]
    systems = [(k, r[k]["lookup"]) for k in ("sqlite", "postgres") if k in r]
    head = ["load", "HMA raw_lookup", "floor", *(f"Shieldwall {k}" for k, _ in systems)]
    for k, _ in systems:
        head += [f"{k}/HMA", f"{k}/floor"]
    rows = []
    for key in [f"c{c}" for c in args.connections] + [f"r{int(x)}" for x in args.rates]:
        label = f"{key[1:]} conn" if key[0] == "c" else f"paced {key[1:]}/s (64 conn)"

        def cell(d: dict[str, Any]) -> str:
            if not d:
                return "n/a"
            if not d["requests"]:
                return "stalled: no answer within the run"
            return f"{d['per_s']}/s p50 {d['p50_ms']:.1f} p99 {d['p99_ms']:.1f}"

        def rate(d: dict[str, Any]) -> float | None:
            return d.get("ok_per_s") if d else None

        row = [label, cell(hma.get(key, {})), cell(floor[key])]
        row += [cell(s[key]) for _, s in systems]
        for _, s in systems:
            row += [
                ratio(rate(s[key]), rate(hma.get(key, {}))),
                ratio(rate(s[key]), rate(floor[key])),
            ]
        rows.append(row)
    text = common.markdown_table(head, rows)
    h = r["hashing"]
    extra = [
        [
            "hashing, photos on one core (/s)",
            h["shieldwall_per_s"],
            h["threatexchange_per_s"],
            f"{h['ratio']}x",
        ],
        [
            "hashing, 1 MP JPEG (/s)",
            h["jpeg_1mp_shieldwall_per_s"],
            h["jpeg_1mp_threatexchange_per_s"],
            ratio(h["jpeg_1mp_shieldwall_per_s"], h["jpeg_1mp_threatexchange_per_s"]),
        ],
        ["`shieldwall --help` (s)", h["cli_help_s"], "", ""],
        ["`shieldwall hash ONE.jpg` (s)", h["cli_hash_one_s"], "", ""],
    ]
    for k in ("sqlite", "postgres"):
        if k in r and "scan" in r[k]:
            extra.append(
                [
                    f"/v1/scan 1 MP JPEG, {k}, 2 conn (/s) vs CLI hashing",
                    r[k]["scan"]["ok_per_s"],
                    h["jpeg_1mp_shieldwall_per_s"],
                    ratio(r[k]["scan"]["ok_per_s"], h["jpeg_1mp_shieldwall_per_s"]),
                ]
            )
    if r.get("hma", {}).get("photo_lookup"):
        extra.append(
            ["HMA /m/lookup same JPEG, 2 conn (/s)", "", r["hma"]["photo_lookup"]["ok_per_s"], ""]
        )
    best_hma = max((d.get("ok_per_s") or 0 for d in hma.values()), default=0) or None
    for k in ("sqlite", "postgres"):
        if k in r and "batch" in r[k]:
            extra.append(
                [
                    f"/v1/lookup/batch (1,000 a request), {k}, 2 conn: lookups/s vs HMA's best "
                    "raw_lookup rate",
                    r[k]["batch"]["lookups_per_s"],
                    best_hma or "",
                    ratio(r[k]["batch"]["lookups_per_s"], best_hma),
                ]
            )
    hma_photo = r.get("hma", {}).get("photo_lookup", {}).get("ok_per_s")
    for k in ("sqlite", "postgres"):
        s = r.get(k, {})
        if "hma_photo_lookup" in s:
            mine = s["hma_photo_lookup"]["ok_per_s"]
            extra.append(
                [
                    f"/hma/m/lookup same JPEG, {k}, 2 conn (/s)",
                    mine,
                    hma_photo or "",
                    ratio(mine, hma_photo),
                ]
            )
        for key, d in s.get("hma_raw_lookup", {}).items():
            theirs = hma.get(key, {}).get("ok_per_s")
            extra.append(
                [
                    f"/hma/m/raw_lookup {key}, {k} (/s)",
                    d["ok_per_s"],
                    theirs or "",
                    ratio(d["ok_per_s"], theirs),
                ]
            )
    text += "\n\n" + common.markdown_table(["measure", "Shieldwall", "anchor", "ratio"], extra)
    return text


def find_hma(arg: str | None) -> Path | None:
    for cand in (
        arg,
        os.environ.get("SHIELDWALL_BENCH_HMA"),
        str(ROOT.parent / "shared/anchors/hma.sh"),
    ):
        if cand and Path(cand).is_file():
            return Path(cand)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank-size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=10.0, help="per wrk run")
    parser.add_argument("--connections", default="1,8,64,256")
    parser.add_argument("--rates", default="500,2000")
    parser.add_argument(
        "--settle",
        type=float,
        default=5.0,
        help="seconds of quiet before each level: a server that fell behind at 256 "
        "connections is still answering requests wrk gave up on, which is not the next "
        "level's cost (every system gets the same pause)",
    )
    parser.add_argument("--hma-script", help="default: ../shared/anchors/hma.sh")
    parser.add_argument("--hma-dir", default=os.path.join(tempfile.gettempdir(), "sw-bench-hma"))
    parser.add_argument("--hma-index-wait", type=float, default=900.0)
    parser.add_argument("--no-hma", action="store_true")
    parser.add_argument(
        "--hma-shapes",
        action="store_true",
        help="also drive Shieldwall's HMA-compatible /hma/m/raw_lookup and /hma/m/lookup",
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-scan", dest="scan", action="store_false")
    parser.add_argument("--serve-arg", action="append", default=[], help="passed to serve")
    args = parser.parse_args()
    args.connections = [int(x) for x in args.connections.split(",")]
    args.rates = [float(x) for x in args.rates.split(",") if x]
    result: dict[str, Any] = {
        "bank_size": args.bank_size,
        "load_average_before": load_average(),
        "cpu_pressure_before": common.cpu_pressure(),
        "code": common.code_version(),
        "wrk": subprocess.run([WRK, "-v"], capture_output=True, text=True).stdout.split("\n")[0],
    }
    print(f"load average {result['load_average_before']} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="sw-bench-wrk-") as tmp:
        workdir = Path(tmp)
        hexes, bank, near = make_bank(workdir, args.bank_size)
        jpeg_bytes, described = make_jpeg()
        jpeg = workdir / "scan.jpg"
        jpeg.write_bytes(jpeg_bytes)
        result["jpeg"] = described
        script = None if args.no_hma else find_hma(args.hma_script)
        if script is None:
            print(
                "HMA anchor SKIPPED: it needs ../shared/anchors/hma.sh (or --hma-script / "
                "SHIELDWALL_BENCH_HMA), which is not part of this repository",
                flush=True,
            )
            result["hma"] = {"skipped": "no hma.sh"}
        else:
            result["hma"] = run_hma(script, bank, near, jpeg, args)
        common.write_json("service_wrk", result)  # after each system: a cut-short run keeps these
        result["floor"] = run_floor(bank, near, args, workdir)
        common.write_json("service_wrk", result)
        env = {"SHIELDWALL_DATA_DIR": str(workdir / "sqlite"), "SHIELDWALL_MODE": "development"}
        result["sqlite"] = run_shieldwall("sqlite", env, hexes, near, jpeg, args)
        common.write_json("service_wrk", result)
        if not args.no_postgres:
            with fresh_postgres() as pg_url:
                env = {
                    "SHIELDWALL_DATA_DIR": str(workdir / "pg"),
                    "SHIELDWALL_MODE": "development",
                    "SHIELDWALL_DATABASE_URL": pg_url,
                }
                result["postgres"] = run_shieldwall("postgres", env, hexes, near, jpeg, args)
            common.write_json("service_wrk", result)
        print("hashing and CLI start-up ...", flush=True)
        result["hashing"] = hashing(common.photo_paths(), jpeg)
    result["load_average_after"] = load_average()
    result["cpu_pressure_after"] = common.cpu_pressure()
    print(report(result, args))
    print(
        f"load average before {result['load_average_before']}, after {result['load_average_after']}"
    )
    print(f"wrote {common.write_json('service_wrk', result)}")


if __name__ == "__main__":
    main()
