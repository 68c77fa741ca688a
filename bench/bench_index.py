"""Benchmark: Shieldwall's exact PDQ index against ThreatExchange's PDQ indexes, side by side.

Random PDQ hashes (fixed seed) at each size, plus 1,000 queries planted near
stored hashes at distances 0..40 (0-31 should match, 32-40 are decoys). Each
implementation runs in its own subprocess (one thread: OMP_NUM_THREADS=1,
faiss.omp_set_num_threads(1)) so memory figures do not pollute each other:

* build time, resident memory added by the built index (inputs freed), peak;
* single-query latency p50/p99 and batched throughput (one batch of all queries);
* recall and precision against an exact brute-force oracle (faiss IndexBinaryFlat
  range search, cross-checked against LinearPdqIndex at small sizes);
* save size and cold start: a fresh process loads the saved index and answers
  its first query (Shieldwall: memory-mapped .npy; ThreatExchange: its
  serialize/deserialize, which is pickle);
* incremental add: time from add() of a new hash to search returning it.

Usage: python bench/bench_index.py --sizes 1000000,10000000
Prints a markdown table per size and writes bench/out/index.json.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

THRESHOLD = 31
SEED = 20240601
IMPLS = {
    "shieldwall": "Shieldwall MihPdqIndex",
    "te-default": "threatexchange PDQIndex (faiss IndexBinaryMultiHash)",
    "te-index2": "threatexchange PDQIndex2 (faiss IndexFlatL2)",
    "faiss-flat": "faiss IndexBinaryFlat (brute force)",
}
REPEATS = 3
SLOW = {"te-index2": 100, "faiss-flat": 200}
"""Implementations timed on fewer queries (they take ~0.1 s each at 1M)."""


def rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def make_codes(n: int) -> np.ndarray:
    return np.random.default_rng(SEED).integers(0, 256, (n, 32), dtype=np.uint8)


def make_queries(codes: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queries at distance ``i % 41`` from a random stored hash (rows, distances kept)."""
    rng = np.random.default_rng(SEED + 1)
    rows = rng.choice(len(codes), count, replace=False)
    dists = np.arange(count) % 41
    bits = np.unpackbits(codes[rows], axis=1)
    for i, d in enumerate(dists):
        bits[i, rng.choice(256, d, replace=False)] ^= 1
    return np.packbits(bits, axis=1), rows, dists


# -- adapters: one small class per implementation -------------------------------------------


class Shieldwall:
    def build(self, codes: np.ndarray) -> None:
        from shieldwall.index import MihPdqIndex

        self.index = MihPdqIndex(max_threshold=THRESHOLD)
        self.index.add(np.arange(len(codes), dtype=np.int64), codes)

    def query(self, q: np.ndarray) -> list[int]:
        return [h.id for h in self.index.search_one(q, THRESHOLD)]

    def batch(self, qs: np.ndarray) -> list[list[int]]:
        return [[h.id for h in hits] for hits in self.index.search(qs, THRESHOLD)]

    def add(self, new_id: int, code: np.ndarray) -> None:
        self.index.add(np.array([new_id], np.int64), code[None, :])

    def save(self, where: Path) -> None:
        self.index.save(where)

    def load(self, where: Path) -> None:
        from shieldwall.index import open_pdq_index

        self.index = open_pdq_index(where)  # type: ignore[assignment]


class TeDefault:
    cls_path = ("threatexchange.signal_type.pdq.pdq_index", "PDQIndex")

    def _cls(self) -> Any:
        import importlib

        module, name = self.cls_path
        return getattr(importlib.import_module(module), name)

    def build(self, codes: np.ndarray) -> None:
        self.index = self._cls().build((codes[i].tobytes().hex(), i) for i in range(len(codes)))

    def query(self, q: np.ndarray) -> list[int]:
        return [m.metadata for m in self.index.query(q.tobytes().hex())]

    def batch(self, qs: np.ndarray) -> list[list[int]]:
        hexes = [q.tobytes().hex() for q in qs]
        return [[int(i) for i in r] for r in self.index.index.search(hexes, THRESHOLD, True)]

    def add(self, new_id: int, code: np.ndarray) -> None:
        self.index.add(code.tobytes().hex(), new_id)

    def save(self, where: Path) -> None:
        where.mkdir(parents=True, exist_ok=True)
        with open(where / "index.pickle", "wb") as fh:
            self.index.serialize(fh)

    def load(self, where: Path) -> None:
        with open(where / "index.pickle", "rb") as fh:
            self.index = self._cls().deserialize(fh)


class TeIndex2(TeDefault):
    cls_path = ("threatexchange.signal_type.pdq.pdq_index2", "PDQIndex2")

    def batch(self, qs: np.ndarray) -> list[list[int]]:
        # PDQIndex2 has no batched query that keeps queries apart: loop.
        return [self.query(q) for q in qs]


class FaissFlat:
    def build(self, codes: np.ndarray) -> None:
        import faiss

        self.index = faiss.IndexBinaryFlat(256)
        self.index.add(codes)

    def batch(self, qs: np.ndarray) -> list[list[int]]:
        lims, _, ids = self.index.range_search(np.ascontiguousarray(qs), THRESHOLD + 1)
        return [ids[lims[i] : lims[i + 1]].tolist() for i in range(len(qs))]

    def query(self, q: np.ndarray) -> list[int]:
        return self.batch(q[None, :])[0]

    def add(self, new_id: int, code: np.ndarray) -> None:
        self.index.add(code[None, :])  # ids are positions: new_id must be len(index)

    def save(self, where: Path) -> None:
        import faiss

        where.mkdir(parents=True, exist_ok=True)
        faiss.write_index_binary(self.index, str(where / "flat.faiss"))

    def load(self, where: Path) -> None:
        import faiss

        self.index = faiss.read_index_binary(str(where / "flat.faiss"))


ADAPTERS = {"shieldwall": Shieldwall, "te-default": TeDefault, "te-index2": TeIndex2}
ADAPTERS["faiss-flat"] = FaissFlat  # type: ignore[assignment]


# -- workers (each runs in its own process) ---------------------------------------------------


def worker_truth(n: int, nq: int, out: Path) -> dict[str, Any]:
    """Exact answers: faiss brute force; cross-checked with LinearPdqIndex on a sample."""
    import faiss

    codes = make_codes(n)
    queries, _, _ = make_queries(codes, nq)
    flat = FaissFlat()
    flat.build(codes)
    truth = [sorted(r) for r in flat.batch(queries)]
    check = {}
    if n <= 2_000_000:
        from shieldwall.index import LinearPdqIndex

        lin = LinearPdqIndex()
        lin.add(np.arange(n, dtype=np.int64), codes)
        sample = range(0, nq, max(1, nq // 50))
        ok = all([h.id for h in lin.search_one(queries[i], THRESHOLD)] == truth[i] for i in sample)
        check = {"linear_oracle_agrees_on_sample": ok, "sample": len(sample)}
    del faiss
    out.write_text(json.dumps(truth))
    return {"matches": sum(map(len, truth)), **check}


def preload(impl: str) -> None:
    """Import the implementation first, so its libraries do not count as index memory."""
    import faiss  # noqa: F401

    if impl == "shieldwall":
        import shieldwall.index  # noqa: F401
    elif impl.startswith("te-"):
        import threatexchange.signal_type.pdq.pdq_index
        import threatexchange.signal_type.pdq.pdq_index2  # noqa: F401


def worker_build(impl: str, n: int, nq: int, workdir: Path) -> dict[str, Any]:
    adapter = ADAPTERS[impl]()
    preload(impl)
    base = rss()
    codes = make_codes(n)
    queries, _, _ = make_queries(codes, nq)
    truth = [set(t) for t in json.loads((workdir / "truth.json").read_text())]
    t0 = time.perf_counter()
    adapter.build(codes)
    build_s = time.perf_counter() - t0
    del codes
    gc.collect()
    mem_added = rss() - base - queries.nbytes
    limit = SLOW.get(impl, nq)
    # The machine is shared: repeat the timing loops and keep the least disturbed run.
    runs, batch_s = [], float("inf")
    for _ in range(1 if impl == "te-index2" else REPEATS):
        lat, found = [], []
        for q in queries[:limit]:
            t = time.perf_counter()
            found.append(adapter.query(q))
            lat.append(time.perf_counter() - t)
        runs.append(lat)
        t = time.perf_counter()
        batched = adapter.batch(queries[:limit])
        batch_s = min(batch_s, time.perf_counter() - t)
    lat = min(runs, key=lambda r: float(np.median(r)))
    tp = sum(len(set(f) & truth[i]) for i, f in enumerate(found))
    reported = sum(len(f) for f in found)
    expected = sum(len(truth[i]) for i in range(limit))
    result: dict[str, Any] = {
        "build_s": build_s,
        "mem_added_mb": mem_added / 1e6,
        "peak_rss_mb": (peak_rss() - base) / 1e6,
        "queries_timed": limit,
        "latency_p50_ms": float(np.percentile(lat, 50) * 1e3),
        "latency_p99_ms": float(np.percentile(lat, 99) * 1e3),
        "latency_mean_ms": float(np.mean(lat) * 1e3),
        "batch_qps": limit / batch_s,
        "batch_equals_single": [sorted(b) for b in batched] == [sorted(f) for f in found],
        "recall": tp / expected if expected else 1.0,
        "precision": tp / reported if reported else 1.0,
    }
    if impl != "faiss-flat":
        code = np.random.default_rng(SEED + 2).integers(0, 256, 32, dtype=np.uint8)
        t = time.perf_counter()
        adapter.add(n + 1, code)
        seen = n + 1 in adapter.query(code)
        result["add_to_visible_ms"] = (time.perf_counter() - t) * 1e3
        result["add_visible"] = seen
    t = time.perf_counter()
    adapter.save(workdir / impl)
    result["save_s"] = time.perf_counter() - t
    size = sum(p.stat().st_size for p in (workdir / impl).rglob("*") if p.is_file())
    result["disk_mb"] = size / 1e6
    return result


def worker_load(impl: str, n: int, workdir: Path) -> dict[str, Any]:
    adapter = ADAPTERS[impl]()
    query = make_queries(make_codes(min(n, 1000)), 1)[0][0]
    # Imports are part of a cold start (a fresh process pays them): measured separately.
    t = time.perf_counter()
    preload(impl)
    import_s = time.perf_counter() - t
    base = rss()
    t = time.perf_counter()
    adapter.load(workdir / impl)
    load_s = time.perf_counter() - t
    adapter.query(query)
    cold_s = time.perf_counter() - t
    return {
        "import_s": import_s,
        "load_s": load_s,
        "load_plus_first_query_s": cold_s,
        "load_rss_mb": (rss() - base) / 1e6,
    }


SWEEP = [(16, 16), (8, 24), (10, 22), (11, 19), (11, 20), (11, 21), (12, 20), (12, 21)]
"""(chunks, bits) pairs compared by --sweep; 11 chunks of round(log2 n) bits won."""


def worker_sweep(n: int, nq: int, configs: str) -> dict[str, Any]:
    """Memory and latency of MihPdqIndex chunkings on the same data (one process)."""
    from shieldwall.index import MihPdqIndex
    from shieldwall.index.mih import chunk_radii

    codes = make_codes(n)
    queries, _, _ = make_queries(codes, nq)
    out = {}
    pairs = [tuple(map(int, c.split(":"))) for c in configs.split(",")] if configs else SWEEP
    for chunks, bits in pairs:
        if bits > min(24, 256 // chunks):
            continue
        index = MihPdqIndex(chunks=chunks, chunk_bits=bits)
        t = time.perf_counter()
        index.add(np.arange(n, dtype=np.int64), codes)
        build_s = time.perf_counter() - t
        best = float("inf")
        for _ in range(REPEATS):
            lat = []
            for q in queries:
                t = time.perf_counter()
                index.search_one(q, THRESHOLD)
                lat.append(time.perf_counter() - t)
            best = min(best, float(np.median(lat)))
        radii = chunk_radii(THRESHOLD, chunks)
        probes = sum(sum(math.comb(bits, k) for k in range(r + 1)) for r in radii)
        out[f"m={chunks},b={bits}"] = {
            "radii": sorted(set(radii)),
            "probes": probes,
            "expected_candidates": probes * n / 2**bits,
            "bytes_per_entry": index.memory_bytes() / n,
            "build_s": build_s,
            "latency_p50_ms": best * 1e3,
        }
        del index
    return out


def run_worker(args: list[str]) -> dict[str, Any]:
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    proc = subprocess.run(
        [sys.executable, __file__, "--worker", *args], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout)[-800:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# -- report -------------------------------------------------------------------------------------

ROWS = [
    ("build_s", "build (s)", "{:.1f}", "low"),
    ("mem_added_mb", "memory added (MB)", "{:.0f}", "low"),
    ("peak_rss_mb", "peak RSS during build (MB)", "{:.0f}", "low"),
    ("disk_mb", "saved size (MB)", "{:.0f}", "low"),
    ("import_s", "cold start: imports (s)", "{:.2f}", "low"),
    ("load_plus_first_query_s", "cold start: load + first query (s)", "{:.2f}", "low"),
    ("latency_p50_ms", "single query p50 (ms)", "{:.3f}", "low"),
    ("latency_p99_ms", "single query p99 (ms)", "{:.3f}", "low"),
    ("batch_qps", "batched throughput (queries/s)", "{:.0f}", "high"),
    ("recall", "recall vs exact oracle", "{:.4f}", "high"),
    ("precision", "precision vs exact oracle", "{:.4f}", "high"),
    ("add_to_visible_ms", "add -> visible to search (ms)", "{:.2f}", "low"),
]


def table(n: int, results: dict[str, dict[str, Any]]) -> str:
    impls = [i for i in IMPLS if i in results]
    head = f"| {n:,} hashes, T={THRESHOLD} | " + " | ".join(impls)
    lines = [head + " | Shieldwall vs te-default |", "|---" * (len(impls) + 2) + "|"]
    for key, label, fmt, better in ROWS:
        cells = []
        for impl in impls:
            v = results[impl].get(key)
            cells.append("n/a" if v is None else fmt.format(v))
        sw, te = results.get("shieldwall", {}).get(key), results.get("te-default", {}).get(key)
        ratio = ""
        if isinstance(sw, int | float) and isinstance(te, int | float) and sw and te:
            if better == "low":
                ratio = f"{te / sw:.1f}x better" if te >= sw else f"{sw / te:.1f}x worse"
            else:
                ratio = f"{sw / te:.2f}x"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--impls", default="shieldwall,te-default,te-index2,faiss-flat")
    parser.add_argument("--index2-max", type=int, default=1_000_000, help="PDQIndex2 only up to")
    parser.add_argument("--out", default=str(Path(__file__).parent / "out" / "index.json"))
    parser.add_argument("--worker", nargs="*", help=argparse.SUPPRESS)
    parser.add_argument("--sweep", action="store_true", help="compare chunkings instead")
    parser.add_argument("--sweep-configs", default="", help="chunks:bits,... (default: SWEEP)")
    args = parser.parse_args()
    if args.sweep:
        for n in [int(s) for s in args.sizes.split(",")]:
            res = run_worker(["sweep", str(n), str(min(args.queries, 500)), args.sweep_configs])
            print(f"\n| chunking at {n:,} | probes | candidates | B/entry | build s | p50 ms |")
            print("|---|---|---|---|---|---|")
            for name, r in res.items():
                print(
                    f"| {name} r={r['radii']} | {r['probes']} | {r['expected_candidates']:.0f} | "
                    f"{r['bytes_per_entry']:.0f} | {r['build_s']:.1f} | {r['latency_p50_ms']:.3f} |"
                )
            out = Path(args.out).with_name(f"index_sweep_{n}.json")
            out.write_text(json.dumps(res, indent=1))
        return
    if args.worker:
        kind, *rest = args.worker
        if kind == "sweep":
            res = worker_sweep(int(rest[0]), int(rest[1]), rest[2] if len(rest) > 2 else "")
        elif kind == "truth":
            res = worker_truth(int(rest[0]), int(rest[1]), Path(rest[2]))
        elif kind == "build":
            import faiss

            faiss.omp_set_num_threads(1)
            res = worker_build(rest[0], int(rest[1]), int(rest[2]), Path(rest[3]))
        else:
            import faiss

            faiss.omp_set_num_threads(1)
            res = worker_load(rest[0], int(rest[1]), Path(rest[2]))
        print(json.dumps(res))
        return
    out_path = Path(args.out)
    report: dict[str, Any] = {"threshold": THRESHOLD, "queries": args.queries, "sizes": {}}
    if out_path.exists():
        report = json.loads(out_path.read_text())  # keep other sizes from earlier runs
    for n in [int(s) for s in args.sizes.split(",")]:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench_index_{n}_", dir=out_path.parent))
        try:
            results: dict[str, dict[str, Any]] = {}
            truth = run_worker(["truth", str(n), str(args.queries), str(workdir / "truth.json")])
            print(f"[{n:,}] oracle: {truth}", file=sys.stderr)
            for impl in args.impls.split(","):
                if impl == "te-index2" and n > args.index2_max:
                    continue
                res = run_worker(["build", impl, str(n), str(args.queries), str(workdir)])
                if "error" not in res:
                    res.update(run_worker(["load", impl, str(n), str(workdir)]))
                shutil.rmtree(workdir / impl, ignore_errors=True)
                results[impl] = res
                print(f"[{n:,}] {impl}: {json.dumps(res)}", file=sys.stderr)
            report["sizes"][str(n)] = {"oracle": truth, "results": results}
            print(f"\n{table(n, results)}\n")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    report["machine"] = {"cpus": os.cpu_count(), "python": sys.version.split()[0]}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(report, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
