"""Benchmark: search latency while single adds stream in, background vs synchronous compaction.

Models a busy server: like ``SeenIndex`` and the ``Matcher``, the caller holds
its own lock around every ``add`` and ``search_one``. One thread adds one new
random hash at a fixed rate (default 200/s); the main thread issues queries on
a fixed schedule (default 200/s, open loop: a query's latency runs from when it
was *due*, so a stall counts for every query that had to wait, not just one).
Before the stream starts the delta is filled to just under its limit, so the
limit is crossed about a second in.

Implementations, side by side in one run:

* ``shieldwall-background``: ``MihPdqIndex`` (default: compaction on a daemon thread);
* ``shieldwall-sync``: ``MihPdqIndex(background_compaction=False)``, the old behaviour:
  the add that crosses the limit rebuilds the base inline;
* ``te-default``: ThreatExchange's ``PDQIndex`` (faiss multi-hash), the anchor; its
  ``add`` rebuilds a reverse map of all entries, so it cannot keep up with the stream.

Reported: query latency p50/p99/max, add latency p50/max, and the duration of the
single ``add`` that crossed the delta limit. Usage:
``python bench/bench_index_compaction.py [--n 1000000] [--seconds 15]``; prints a
markdown table and writes ``bench/out/index_compaction.json``.
"""

from __future__ import annotations

import argparse
import gc
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

# common pins BLAS to one thread, which must happen before numpy loads.
import common

# isort: split
import numpy as np

from bench_index import THRESHOLD, TeDefault, make_codes, make_queries

PREFILL_GAP = 200
"""Single adds between the start of the stream and the delta limit being crossed."""


class ShieldwallAdapter:
    def __init__(self, background: bool) -> None:
        self.background = background

    def build(self, codes: np.ndarray) -> None:
        from shieldwall.index import MihPdqIndex

        self.index = MihPdqIndex(max_threshold=THRESHOLD, background_compaction=self.background)
        self.index.add(np.arange(len(codes), dtype=np.int64), codes)
        self.index.compact()
        limit = self.limit()
        fill = limit - PREFILL_GAP
        rng = np.random.default_rng(7)
        ids = np.arange(10**9, 10**9 + fill, dtype=np.int64)
        self.index.add(ids, rng.integers(0, 256, (fill, 32), dtype=np.uint8))
        assert self.index.delta_size == fill and not self.index.compacting

    def limit(self) -> int:
        from shieldwall.index.mih import HARD_CAP_FACTOR

        return self.index.hard_cap // HARD_CAP_FACTOR

    def crossing(self) -> bool:
        """Whether the next single add passes the delta limit."""
        return not self.index.compacting and self.index.delta_size + 1 > self.limit()

    def add(self, new_id: int, code: np.ndarray) -> None:
        self.index.add(np.array([new_id], np.int64), code[None, :])

    def query(self, q: np.ndarray) -> int:
        return len(self.index.search_one(q, THRESHOLD))

    def settle(self) -> dict[str, Any]:
        waited = time.perf_counter()
        self.index.wait_for_compaction()
        return {
            "wait_after_window_s": time.perf_counter() - waited,
            "base_size": self.index.base_size,
            "delta_size": self.index.delta_size,
        }


class TeAdapter:
    def build(self, codes: np.ndarray) -> None:
        self.te = TeDefault()
        self.te.build(codes)

    def crossing(self) -> bool:
        return False

    def add(self, new_id: int, code: np.ndarray) -> None:
        self.te.add(new_id, code)

    def query(self, q: np.ndarray) -> int:
        return len(self.te.query(q))

    def settle(self) -> dict[str, Any]:
        return {}


def run(adapter: Any, codes: np.ndarray, queries: np.ndarray, args: argparse.Namespace) -> Any:
    t = time.perf_counter()
    adapter.build(codes)
    build_s = time.perf_counter() - t
    caller_lock = threading.Lock()  # what SeenIndex / Matcher hold around index calls
    stop = threading.Event()
    adds: list[tuple[float, bool]] = []
    rng = np.random.default_rng(11)

    def adder() -> None:
        start = time.perf_counter()
        i = 0
        due = start
        while not stop.is_set():
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            code = rng.integers(0, 256, 32, dtype=np.uint8)
            with caller_lock:
                crossing = adapter.crossing()
                t0 = time.perf_counter()
                adapter.add(2 * 10**9 + i, code)
                adds.append((time.perf_counter() - t0, crossing))
            i += 1
            # Never burst to catch up (te-default cannot keep up): the next add is due one
            # interval after its slot, or after this add ended if that is later.
            due = max(due, time.perf_counter()) + 1 / args.add_rate

    thread = threading.Thread(target=adder, daemon=True)
    latencies: list[float] = []
    start = time.perf_counter()
    thread.start()
    count = int(args.seconds * args.query_rate)
    end = start + args.seconds
    for i in range(count):
        due = start + i / args.query_rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        if time.perf_counter() > end:
            break
        with caller_lock:
            adapter.query(queries[i % len(queries)])
        latencies.append(time.perf_counter() - due)
    served = len(latencies)
    now = time.perf_counter()
    # Queries due in the window but never served count as waiting until it ended (a lower
    # bound on their latency), so an index that cannot keep up is not flattered.
    latencies += [now - (start + i / args.query_rate) for i in range(served, count)]
    stop.set()
    thread.join()
    settled = adapter.settle()
    lat = np.array(latencies) * 1e3
    add_ms = np.array([a for a, _ in adds]) * 1e3
    crossing = [a * 1e3 for a, c in adds if c]
    return {
        "build_s": build_s,
        "queries_due": count,
        "queries_served": served,
        "query_p50_ms": float(np.percentile(lat, 50)),
        "query_p99_ms": float(np.percentile(lat, 99)),
        "query_max_ms": float(lat.max()),
        "adds": len(adds),
        "adds_per_s": len(adds) / args.seconds,
        "add_p50_ms": float(np.percentile(add_ms, 50)),
        "add_max_ms": float(add_ms.max()),
        "crossing_add_ms": crossing,
        **settled,
    }


ADAPTERS = {
    "shieldwall-background": lambda: ShieldwallAdapter(background=True),
    "shieldwall-sync": lambda: ShieldwallAdapter(background=False),
    "te-default": TeAdapter,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--add-rate", type=float, default=200.0)
    parser.add_argument("--query-rate", type=float, default=200.0)
    parser.add_argument("--impls", default=",".join(ADAPTERS))
    args = parser.parse_args()
    codes = make_codes(args.n)
    queries, _, _ = make_queries(codes, 1000)
    results: dict[str, Any] = {}
    for name in args.impls.split(","):
        print(f"running {name} ...", flush=True)
        results[name] = run(ADAPTERS[name](), codes, queries, args)
        gc.collect()
    anchor = results.get("te-default")
    rows = []
    for name, r in results.items():
        ratio = f"{anchor['query_p99_ms'] / r['query_p99_ms']:.1f}x" if anchor else "-"
        cross = ", ".join(f"{c:.3f}" for c in r["crossing_add_ms"]) or "-"
        rows.append(
            [
                name,
                f"{r['query_p50_ms']:.2f}",
                f"{r['query_p99_ms']:.2f}",
                f"{r['query_max_ms']:.0f}",
                ratio,
                f"{r['adds_per_s']:.0f}",
                f"{r['add_p50_ms']:.3f}",
                f"{r['add_max_ms']:.1f}",
                cross,
            ]
        )
    headers = [
        "implementation",
        "query p50 (ms)",
        "query p99 (ms)",
        "query max (ms)",
        "p99 vs te-default",
        "adds/s done",
        "add p50 (ms)",
        "add max (ms)",
        "limit-crossing add (ms)",
    ]
    print(
        f"\n{args.n:,} entries, {args.add_rate:.0f} adds/s and {args.query_rate:.0f} queries/s "
        f"for {args.seconds:.0f} s, caller lock around every call\n"
    )
    print(common.markdown_table(headers, rows))
    path = common.write_json(
        "index_compaction",
        {
            "n": args.n,
            "seconds": args.seconds,
            "add_rate": args.add_rate,
            "query_rate": args.query_rate,
            "threshold": THRESHOLD,
            "results": results,
        },
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
