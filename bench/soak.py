"""Soak: mixed /v1/scan and /v1/lookup load against a real `shieldwall serve` for a bounded time.

`make soak` (SOAK_SECONDS, default 600) runs this. wrk drives the load in back-to-back windows
(WINDOW seconds each) so p50/p99 are measured over time; the server's resident memory is sampled
from /proc between windows. Written to bench/: soak.csv (one row per window), soak.png (latency
and RSS over time) and soak.json (totals, errors and the RSS slope, a least-squares fit in MiB per
minute over the second half of the run, after warm-up).

Loopback only; the server listens on 127.0.0.1:SOAK_PORT (default 18450) with a throw-away
SQLite data directory. Nothing here is a test: it measures.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
WINDOW = 10

_LUA = r"""
local png = io.open(os.getenv("SOAK_PNG"), "rb"):read("*all")
local auth = "Bearer " .. os.getenv("SOAK_KEY")
local n = 0
local salt = tostring(math.random(1, 1000000000))
request = function()
  n = n + 1
  local id = salt .. "-" .. n
  if n % 2 == 0 then
    return wrk.format("POST", "/v1/scan?content_id=soak-s-" .. id,
      {["Authorization"] = auth, ["Content-Type"] = "image/png"}, png)
  end
  local body = '{"content_id":"soak-l-' .. id .. '","md5":"' .. string.format("%032x", n) .. '"}'
  return wrk.format("POST", "/v1/lookup",
    {["Authorization"] = auth, ["Content-Type"] = "application/json"}, body)
end
"""


def _png() -> bytes:
    from PIL import Image

    y, x = np.mgrid[0:256, 0:256]
    rgb = np.dstack([x % 256, y % 256, (x * y) % 256]).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(out, "PNG")
    return out.getvalue()


def _rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` and its children (MiB), from /proc."""
    total = 0
    pids = [pid]
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _parse_wrk(out: str) -> dict[str, float]:
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "requests": requests,
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(int(g) for g in sock.groups()) if sock else 0),
    }


def _wait_ready(port: int, deadline_s: float) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", 600)))
    parser.add_argument("--port", type=int, default=int(os.environ.get("SOAK_PORT", 18450)))
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    if not 18400 <= args.port <= 18499:
        raise SystemExit("use a port in 18400-18499")

    from shieldwall.config import load_settings
    from shieldwall.runtime import Runtime

    work = Path(tempfile.mkdtemp(prefix="shieldwall-soak-"))
    settings = load_settings(data_dir=work / "data")
    runtime = Runtime.open(settings, migrate=True)
    key, _ = runtime.keys.create_api_key(
        name="soak", scopes=["scan", "lookup"], rate_limit_per_minute=10_000_000
    )
    runtime.close()
    (work / "soak.png").write_bytes(_png())
    (work / "soak.lua").write_text(_LUA)
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(work / "data"), "SOAK_KEY": key}
    env["SOAK_PNG"] = str(work / "soak.png")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "shieldwall"),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(work / "server.log", "wb"),  # noqa: SIM115 - lives as long as the server
    )
    rows: list[dict[str, float]] = []
    # A plain `kill` must still stop the server (the finally below), not orphan it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        _wait_ready(args.port, 120)
        start = time.monotonic()
        while time.monotonic() - start < args.seconds:
            window = min(WINDOW, max(1, int(args.seconds - (time.monotonic() - start))))
            done = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{window}s",
                    "--latency",
                    "-s",
                    str(work / "soak.lua"),
                    f"http://127.0.0.1:{args.port}",
                ],
                capture_output=True,
                text=True,
                env=env,
                timeout=window + 60,
            )
            row = _parse_wrk(done.stdout)
            row["t_s"] = round(time.monotonic() - start, 1)
            row["rss_mib"] = round(_rss_mib(server.pid), 1)
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log = (work / "server.log").read_text(errors="replace")
        tracebacks = log.count("Traceback")
        # The last line of each traceback names the error; keep the distinct ones.
        errors = sorted(
            {m.strip() for m in re.findall(r"\n(\w[\w.]*(?:Error|Exception)[^\n]*)", log)}
        )
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "soak-errors.txt").write_text("\n".join(errors[:50]) + "\n")
        shutil.rmtree(work, ignore_errors=True)
    report(rows, args.out, tracebacks)


def report(rows: list[dict[str, float]], out: Path, tracebacks: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "soak.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    t = np.array([r["t_s"] for r in rows]) / 60
    rss = np.array([r["rss_mib"] for r in rows])
    half = len(rows) // 2
    slope = float(np.polyfit(t[half:], rss[half:], 1)[0]) if len(rows) - half >= 2 else 0.0
    total = int(sum(r["requests"] for r in rows))
    summary = {
        "seconds": rows[-1]["t_s"],
        "requests": total,
        "errors": int(sum(r["errors"] for r in rows)),
        "server_tracebacks": tracebacks,
        "p50_ms_median": float(np.median([r["p50_ms"] for r in rows])),
        "p99_ms_median": float(np.median([r["p99_ms"] for r in rows])),
        "p99_ms_worst": float(max(r["p99_ms"] for r in rows)),
        "rss_mib_first": float(rss[0]),
        "rss_mib_last": float(rss[-1]),
        "rss_slope_mib_per_min": round(slope, 3),
    }
    (out / "soak.json").write_text(json.dumps(summary, indent=2) + "\n")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.plot(t, [r["p50_ms"] for r in rows], label="p50")
    top.plot(t, [r["p99_ms"] for r in rows], label="p99")
    top.set_ylabel("latency (ms)")
    top.legend()
    bottom.plot(t, rss, color="tab:red")
    bottom.set_ylabel("server RSS (MiB)")
    bottom.set_xlabel("minutes")
    fig.suptitle(f"soak: {total} requests, RSS slope {slope:.2f} MiB/min")
    fig.savefig(out / "soak.png", dpi=90)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
