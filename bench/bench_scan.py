"""The upload path's hashing goals, side by side in one run (issue 17).

Goals: a synchronous ``/v1/scan`` at >= 0.8x the throughput of hashing the same file the
way ``shieldwall hash`` does, and hashing >= 8x Meta's ``threatexchange`` (``PdqSignal``)
with the CLI starting in under 0.5 s. The scan stores every upload (item, decision,
audit event, the worker's detector action), as in production.

One run measures, on the same 1 MP JPEG (a benchmark photo re-encoded, benign):

* ``/v1/scan`` driven by ``wrk`` (2 connections, as the full service bench) against
  ``shieldwall serve --workers 1`` on SQLite, pinned to one core, with robust matching on
  (the default: flips, borders, captions, collage tiles... searched too) and off;
* the CLI's hashing in-process on the same core (``hash_image_file``), and
  ``threatexchange``'s ``PdqSignal.hash_from_file``, on that JPEG and on the photos;
* ``shieldwall --help`` and ``shieldwall hash ONE.jpg`` wall time.

    python bench/bench_scan.py [--seconds 10] [--bank-size 100000]

Needs ``wrk`` (Debian package) and the bench extra (``threatexchange``).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import common
from bench_service import make_jpeg
from bench_service_wrk import (
    SERVER_CORE,
    free_port,
    hashing,
    load_average,
    make_bank,
    prepare_shieldwall,
    process,
    taskset,
    wait_http,
    wrk,
)


def scan_rate(
    label: str, jpeg: Path, hexes: list[str], workdir: Path, robust: bool, seconds: float
) -> dict[str, Any]:
    """``/v1/scan`` of ``jpeg`` by wrk against a fresh SQLite service."""
    env = {
        "SHIELDWALL_DATA_DIR": str(workdir / label),
        "SHIELDWALL_MODE": "development",
        "SHIELDWALL_ROBUST_MATCHING": "true" if robust else "false",
    }
    key, _ = prepare_shieldwall(env, hexes)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    exe = Path(sys.executable).with_name("shieldwall")
    cmd = [*taskset(SERVER_CORE), str(exe), "serve", "--port", str(port), "--workers", "1"]
    with process(cmd, env, workdir / f"{label}.log") as proc:
        wait_http(url + "/readyz", proc)
        wrk(url, "scan", 2, 3, token=key, file=str(jpeg), tag=f"{label}-warm")
        out = wrk(url, "scan", 2, seconds, token=key, file=str(jpeg), tag=label)
    print(
        f"  scan, robust {'on' if robust else 'off'}: {out['ok_per_s']}/s, p99 {out['p99_ms']} ms"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--bank-size", type=int, default=100_000)
    args = parser.parse_args()
    result: dict[str, Any] = {
        "load_average_before": load_average(),
        "code": common.code_version(),
        "bank_size": args.bank_size,
    }
    print(f"load average {result['load_average_before']} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory(prefix="sw-bench-scan-") as tmp:
        workdir = Path(tmp)
        hexes, _, _ = make_bank(workdir, args.bank_size)
        data, described = make_jpeg()
        jpeg = workdir / "scan.jpg"
        jpeg.write_bytes(data)
        result["jpeg"] = described
        result["scan_robust"] = scan_rate("robust", jpeg, hexes, workdir, True, args.seconds)
        result["scan_plain"] = scan_rate("plain", jpeg, hexes, workdir, False, args.seconds)
        print("hashing and CLI start-up ...", flush=True)
        result["hashing"] = hashing(common.photo_paths(), jpeg)
    result["load_average_after"] = load_average()
    h = result["hashing"]
    cli = h["jpeg_1mp_shieldwall_per_s"]
    rows = [
        (
            "`/v1/scan`, robust matching on (default)",
            result["scan_robust"]["ok_per_s"],
            "CLI hashing",
            cli,
        ),
        ("`/v1/scan`, robust matching off", result["scan_plain"]["ok_per_s"], "CLI hashing", cli),
        ("hashing, the 1 MP JPEG", cli, "threatexchange", h["jpeg_1mp_threatexchange_per_s"]),
        (
            f"hashing, {h['photos']} photos",
            h["shieldwall_per_s"],
            "threatexchange",
            h["threatexchange_per_s"],
        ),
    ]
    print(f"\n{described}; bank {args.bank_size:,} random PDQ hashes; one core each")
    print("| | Shieldwall (/s) | anchor | anchor (/s) | ratio |\n|---|---|---|---|---|")
    for name, ours, anchor, theirs in rows:
        print(f"| {name} | {ours:.1f} | {anchor} | {theirs:.1f} | {ours / theirs:.2f}x |")
    startup = f"{h['cli_help_s']} s, {h['cli_hash_one_s']} s"
    print(f"| `shieldwall --help`, `shieldwall hash ONE.jpg` | {startup} | | | |")
    print(
        f"load average before {result['load_average_before']}, after {result['load_average_after']}"
    )
    print(f"wrote {common.write_json('scan', result)}")


if __name__ == "__main__":
    main()
