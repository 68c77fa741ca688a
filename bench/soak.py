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
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
WINDOW = 10

_LUA = r"""
-- Each thread gets its own id space (wrk's threads share math.random's unseeded sequence, so
-- a random salt alone gave both threads, and every window, the same content ids). One request
-- in REPEAT_EVERY re-sends a content id from a small shared pool on purpose: platforms retry,
-- and concurrent requests for one content id must not fail either.
local png = io.open(os.getenv("SOAK_PNG"), "rb"):read("*all")
local auth = "Bearer " .. os.getenv("SOAK_KEY")
local run = os.getenv("SOAK_RUN")
local REPEAT_EVERY = 10
local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  n = 0
  statuses = {}
end

request = function()
  n = n + 1
  local id = run .. "-" .. tid .. "-" .. n
  if n % REPEAT_EVERY == 0 then
    id = "shared-" .. (n / REPEAT_EVERY) % 16
  end
  if n % 2 == 0 then
    return wrk.format("POST", "/v1/scan?content_id=soak-s-" .. id,
      {["Authorization"] = auth, ["Content-Type"] = "image/png"}, png)
  end
  local body = '{"content_id":"soak-l-' .. id .. '","md5":"' .. string.format("%032x", n) .. '"}'
  return wrk.format("POST", "/v1/lookup",
    {["Authorization"] = auth, ["Content-Type"] = "application/json"}, body)
end

response = function(status, headers, body)
  local key = tostring(status)
  if status >= 400 then
    local code = string.match(body or "", '"code"%s*:%s*"([%w_]+)"') or "-"
    local retry = (headers["Retry-After"] or headers["retry-after"]) and "retry" or "noretry"
    key = key .. ":" .. code .. ":" .. retry
  end
  statuses[key] = (statuses[key] or 0) + 1
end

done = function(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for key, count in pairs(thread:get("statuses")) do
      totals[key] = (totals[key] or 0) + count
    end
  end
  local parts = {}
  for key, count in pairs(totals) do
    table.insert(parts, string.format('"%s": %d', key, count))
  end
  io.write("SOAK_STATUSES {" .. table.concat(parts, ", ") .. "}\n")
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


BACKPRESSURE = {429, 503}
"""Statuses that, with ``Retry-After``, say "busy, retry later": the server shedding load as
designed, counted apart from errors."""
ANSWER_TIMEOUT_S = 10
"""wrk gives up on an answer after this long: counted as an error (a platform that fails
open lets the upload through)."""


def classify(statuses: dict[str, int], socket_errors: dict[str, int]) -> dict[str, Any]:
    """Split one window's answers into ok, back-pressure and errors (with their kinds).

    ``statuses`` maps ``"200"`` or ``"503:busy:retry"`` (status, problem code, whether
    Retry-After was sent) to a count, as the Lua script reports them.
    """
    ok = backpressure = 0
    kinds: dict[str, int] = {}
    for key, count in statuses.items():
        status, _, rest = key.partition(":")
        code, _, retry = rest.partition(":")
        if 200 <= int(status) < 300:
            ok += count
        elif int(status) in BACKPRESSURE and retry == "retry":
            backpressure += count
            kinds[f"backpressure {status} {code}"] = count
        else:
            kinds[f"http {status} {code}" + ("" if retry == "retry" else " (no Retry-After)")] = (
                count
            )
    for kind, count in socket_errors.items():
        if count:
            kinds[f"socket {kind}"] = count
    errors = sum(n for k, n in kinds.items() if not k.startswith("backpressure"))
    return {"ok": ok, "backpressure": backpressure, "errors": errors, "kinds": kinds}


def _parse_wrk(out: str) -> dict[str, Any]:
    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = dict(
        zip(("connect", "read", "write", "timeout"), map(int, sock.groups()), strict=True)
        if sock
        else {}
    )
    found = re.search(r"^SOAK_STATUSES (\{.*\})$", out, re.M)
    statuses = json.loads(found.group(1)) if found else {}
    return {
        "requests": requests,
        "p50_ms": _ms(latency["50"]),
        "p99_ms": _ms(latency["99"]),
        **classify(statuses, socket_errors),
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
    parser.add_argument(
        "--timeout",
        type=int,
        default=ANSWER_TIMEOUT_S,
        help="seconds wrk waits for an answer before it gives up (and closes the connection)",
    )
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument(
        "--database-url", default=os.environ.get("SOAK_DATABASE_URL"), help="default: SQLite"
    )
    args = parser.parse_args()
    if not 1024 <= args.port <= 65535:
        raise SystemExit("use an unprivileged port")

    from shieldwall.config import load_settings
    from shieldwall.runtime import Runtime

    work = Path(tempfile.mkdtemp(prefix="shieldwall-soak-"))
    overrides: dict[str, Any] = {"data_dir": work / "data"}
    if args.database_url:
        overrides["database_url"] = args.database_url
    settings = load_settings(**overrides)
    runtime = Runtime.open(settings, migrate=True)
    key, _ = runtime.keys.create_api_key(
        name="soak", scopes=["scan", "lookup"], rate_limit_per_minute=10_000_000
    )
    runtime.close()
    (work / "soak.png").write_bytes(_png())
    (work / "soak.lua").write_text(_LUA)
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(work / "data"), "SOAK_KEY": key}
    env["SOAK_PNG"] = str(work / "soak.png")
    if args.database_url:
        env["SHIELDWALL_DATABASE_URL"] = args.database_url
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
    rows: list[dict[str, Any]] = []
    # A plain `kill` must still stop the server (the finally below), not orphan it.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        _wait_ready(args.port, 120)
        start = time.monotonic()
        while time.monotonic() - start < args.seconds:
            window = min(WINDOW, max(1, int(args.seconds - (time.monotonic() - start))))
            env["SOAK_RUN"] = f"w{len(rows)}"
            done = subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{args.connections}",
                    f"-d{window}s",
                    "--latency",
                    f"--timeout={args.timeout}s",
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
            if row["requests"] and not row["ok"] and not row["backpressure"]:
                print(done.stdout, done.stderr, file=sys.stderr)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log = (work / "server.log").read_text(errors="replace")
        tracebacks = log.count("Traceback")
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "soak-errors.txt").write_text(server_problems(log))
        shutil.copy(work / "server.log", args.out / "soak-server.log")
        shutil.rmtree(work, ignore_errors=True)
    report(rows, args.out, tracebacks)


def server_problems(log: str) -> str:
    """Every WARNING/ERROR line and the last line of each traceback in the server's log,
    counted, most frequent first (what a person reads to find the causes)."""
    seen: dict[str, int] = {}
    lines = log.splitlines()
    for i, line in enumerate(lines):
        text = None
        if re.match(r"(WARNING|ERROR|CRITICAL)\b", line) or re.match(r"\w[\w.]* \w+=", line):
            text = line
        elif re.match(r"\w[\w.]*(Error|Exception|Exit|Interrupt)\b", line) and i > 0:
            text = "traceback: " + line
        if text is not None:
            key = re.sub(r"\d+", "N", text)[:300]
            seen[key] = seen.get(key, 0) + 1
    ranked = sorted(seen.items(), key=lambda kv: -kv[1])
    return "".join(f"{n:6d}  {text}\n" for text, n in ranked)


def report(rows: list[dict[str, Any]], out: Path, tracebacks: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    kinds: dict[str, int] = {}
    for r in rows:
        for kind, n in r.pop("kinds").items():
            kinds[kind] = kinds.get(kind, 0) + n
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
        "ok": int(sum(r["ok"] for r in rows)),
        "backpressure": int(sum(r["backpressure"] for r in rows)),
        "errors": int(sum(r["errors"] for r in rows)),
        "answers_by_kind": dict(sorted(kinds.items())),
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
