"""Benchmark: retro-hunting new bank entries across 10M seen items, beside threatexchange's index.

Two questions a platform asks when a victim's hash enters a bank:

1. *One new hash*: how long until every stored copy has a decision? The seen index
   (:class:`~shieldwall.pipeline.retro_hunt.SeenIndex`) holds ``--items`` random item hashes
   (default 10M, added to its :class:`~shieldwall.index.MihPdqIndex` directly with synthetic
   ids) plus a few thousand *real* items stored in SQLite through ``ScanService.lookup``.
   Each new entry has planted real items at distances 0, 6, 12 and 24 (all must get a
   decision). Reported separately: the index search alone, and the whole
   ``RetroHunter.hunt`` (store reads, the matcher, the policy and the decision writes).
2. *A partner import*: ``--new`` (default 100k) new hashes searched in the seen index in
   batches, with 1% planted within distance 0..31 of a stored item. The anchor is
   threatexchange's default PDQ index (``PDQIndex``: faiss ``IndexBinaryMultiHash``) built
   over the same items and searched the same way; at 10M it answers ~176 q/s, so it searches
   a ``--te-queries`` sample (default 10k, planted ones included pro rata) and its time for
   all ``--new`` is extrapolated (the table says so). Its hits on the sample are checked
   against Shieldwall's on the same sample.

Memory: the Shieldwall index is freed before threatexchange's is built (~7 GB at 10M).
Usage: ``python bench/bench_retro_hunt.py [--items 10000000] [--new 100000] [--te-queries 10000]``
Prints a markdown table and writes bench/out/retro_hunt.json.
"""

# ruff: noqa: I001  (common pins BLAS threads, so it comes before numpy)
from __future__ import annotations

import argparse
import gc
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import common
import numpy as np

SEED = 20261125
THRESHOLD = 31
BANK = "bench-victims"
PLANT_DISTANCES = (0, 6, 12, 24)
SYNTHETIC_ID_BASE = 1_000_000_000
"""Synthetic seen-item ids start here, far above the real items' ids in SQLite."""


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def near(code: np.ndarray, bits: int, rng: np.random.Generator) -> np.ndarray:
    """A copy of one 32-byte code with ``bits`` distinct bits flipped."""
    unpacked = np.unpackbits(code)
    unpacked[rng.choice(256, bits, replace=False)] ^= 1
    return np.packbits(unpacked)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


# -- part 1: one new hash, full hunt ---------------------------------------------------------


def store_real_items(rt: Any, count: int, targets: np.ndarray, rng: np.random.Generator) -> int:
    """Store ``count`` items through the real lookup path; planted ones sit near ``targets``."""
    from shieldwall.pipeline.matcher import Query
    from shieldwall.pipeline.scan import ScanMeta

    planted = 0
    n = 0
    for target in targets:
        for d in PLANT_DISTANCES:
            code = near(target, d, rng)
            meta = ScanMeta(content_id=f"planted-{n}", surface="post")
            rt.scanner.lookup(meta, Query(pdq=code.tobytes().hex(), quality=100))
            n += 1
            planted += 1
    while n < count:
        code = rng.integers(0, 256, 32, dtype=np.uint8)
        meta = ScanMeta(content_id=f"real-{n}", surface="post")
        rt.scanner.lookup(meta, Query(pdq=code.tobytes().hex(), quality=100))
        n += 1
    return planted


def timing(fn: Callable[..., Any], sink: list[float]) -> Callable[..., Any]:
    """Wrap ``fn`` so each call's wall time (ms) is appended to ``sink``."""

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            sink.append((time.perf_counter() - began) * 1000)

    return wrapped


def one_hash_hunts(
    items: int, real_items: int, hunts: int, rng: np.random.Generator, workdir: Path
) -> tuple[dict[str, Any], Any, np.ndarray]:
    """Returns the figures, the SeenIndex (reused by part 2) and the synthetic codes."""
    os.environ["SHIELDWALL_DATA_DIR"] = str(workdir / "data")
    from shieldwall.config import load_settings
    from shieldwall.pipeline.retro_hunt import RetroHunter, SeenIndex
    from shieldwall.runtime import Runtime
    from shieldwall.types import BankPurpose, NewEntry, Provenance, HashKind

    rt = Runtime.open(load_settings(), migrate=True)
    rt.banks.create_bank(name=BANK, purpose=BankPurpose.VICTIM, threshold=THRESHOLD)
    targets = rng.integers(0, 256, (hunts + 1, 32), dtype=np.uint8)
    began = time.perf_counter()
    planted = store_real_items(rt, real_items, targets[:hunts], rng)
    store_s = time.perf_counter() - began

    seen = SeenIndex(rt.items, max_threshold=THRESHOLD)
    seen.refresh()  # the real items, read back from the store
    codes = rng.integers(0, 256, (items, 32), dtype=np.uint8)
    began = time.perf_counter()
    # No public bulk add on SeenIndex: go to its index, as refresh() itself does.
    seen._index.add(SYNTHETIC_ID_BASE + np.arange(items, dtype=np.int64), codes)
    build_s = time.perf_counter() - began

    search_ms: list[float] = []
    seen.search = timing(seen.search, search_ms)  # type: ignore[method-assign]
    hunter = RetroHunter(
        seen=seen,
        items=rt.items,
        banks=rt.banks,
        matcher=rt.matcher,
        policies=rt.policies,
        quality_threshold=rt.settings.quality_threshold,
    )
    prov = Provenance(source="bench")
    hunt_ms: list[float] = []
    decisions: list[int] = []
    for i in range(hunts + 1):  # the extra one matches nothing stored
        value = targets[i].tobytes().hex()
        added = rt.banks.add_entries(bank=BANK, entries=[NewEntry(HashKind.PDQ, value, prov)])
        began = time.perf_counter()
        report = hunter.hunt(list(added.ids))
        hunt_ms.append((time.perf_counter() - began) * 1000)
        decisions.append(len(report.decisions))
    # The first hunt pays for loading the matcher and the policy: leave it out of the figures.
    hit_hunts = list(zip(hunt_ms[1:hunts], search_ms[1:hunts], decisions[1:hunts], strict=True))
    figures = {
        "seen_items": len(seen),
        "real_items": real_items,
        "store_real_items_s": round(store_s, 2),
        "seen_index_build_s": round(build_s, 2),
        "hunts_timed": len(hit_hunts),
        "planted_per_hunt": len(PLANT_DISTANCES),
        "decisions_per_hunt": sorted(set(d for *_, d in hit_hunts)),
        "all_planted_decided": all(d == len(PLANT_DISTANCES) for *_, d in hit_hunts),
        "planted_total": planted,
        "index_search_ms_p50": round(pct([s for _, s, _ in hit_hunts], 50), 3),
        "index_search_ms_max": round(max(s for _, s, _ in hit_hunts), 3),
        "hunt_ms_p50": round(pct([h for h, _, _ in hit_hunts], 50), 3),
        "hunt_ms_max": round(max(h for h, _, _ in hit_hunts), 3),
        "hunt_no_hits_ms": round(hunt_ms[-1], 3),
        "first_hunt_ms": round(hunt_ms[0], 3),
    }
    del seen.search  # back to the class method
    rt.close()
    return figures, seen, codes


# -- part 2: a 100k-entry import --------------------------------------------------------------


def make_new_hashes(
    codes: np.ndarray, count: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """``count`` new hashes; 1% planted at distance 0..31 from a random stored code."""
    new = rng.integers(0, 256, (count, 32), dtype=np.uint8)
    planted = max(1, count // 100)
    rows = rng.choice(len(codes), planted, replace=False)
    for i, row in enumerate(rows):
        new[i * (count // planted)] = near(codes[row], int(rng.integers(0, 32)), rng)
    return new, planted


def shieldwall_import_search(seen: Any, new: np.ndarray, batch: int) -> dict[str, Any]:
    hexes = [row.tobytes().hex() for row in new]
    hits = 0
    per_query: list[int] = []
    began = time.perf_counter()
    for start in range(0, len(hexes), batch):
        for row in seen.search(hexes[start : start + batch], THRESHOLD):
            per_query.append(len(row))
            hits += len(row)
    elapsed = time.perf_counter() - began
    return {
        "queries": len(hexes),
        "seconds": round(elapsed, 2),
        "per_s": round(len(hexes) / elapsed, 1),
        "hits": hits,
        "per_query_hits": per_query,
    }


def te_import_search(
    codes: np.ndarray, new: np.ndarray, sample: np.ndarray, batch: int
) -> dict[str, Any]:
    """threatexchange's default PDQ index over the same items, searched on a sample."""
    from threatexchange.signal_type.pdq.pdq_index import PDQIndex

    began = time.perf_counter()
    index = PDQIndex.build((codes[i].tobytes().hex(), i) for i in range(len(codes)))
    build_s = time.perf_counter() - began
    gc.collect()
    hexes = [new[i].tobytes().hex() for i in sample]
    per_query: list[int] = []
    began = time.perf_counter()
    for start in range(0, len(hexes), batch):
        for row in index.index.search(hexes[start : start + batch], THRESHOLD, True):
            per_query.append(len(row))
    elapsed = time.perf_counter() - began
    return {
        "build_s": round(build_s, 2),
        "queries": len(hexes),
        "seconds": round(elapsed, 2),
        "per_s": round(len(hexes) / elapsed, 1),
        "extrapolated_s": round(elapsed * len(new) / len(hexes), 1),
        "extrapolated": len(hexes) < len(new),
        "per_query_hits": per_query,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000_000)
    parser.add_argument("--real-items", type=int, default=3_000)
    parser.add_argument("--hunts", type=int, default=20)
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--te-queries", type=int, default=10_000)
    parser.add_argument("--skip-te", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    workdir = Path(tempfile.mkdtemp(prefix="sw-bench-retro-"))
    result: dict[str, Any] = {
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "code": common.code_version(),
        "cpu_pressure_before": common.cpu_pressure(),
    }
    try:
        print(f"seen index of {args.items:,} items + {args.real_items:,} real ...", flush=True)
        one, seen, codes = one_hash_hunts(args.items, args.real_items, args.hunts, rng, workdir)
        result["one_hash"] = one
        print(f"  {one}", flush=True)
        new, planted = make_new_hashes(codes, args.new, rng)
        print(f"searching {args.new:,} new hashes ...", flush=True)
        sw = shieldwall_import_search(seen, new, args.batch)
        sw_per_query = sw.pop("per_query_hits")
        result["import_search"] = {"new": args.new, "planted": planted, "shieldwall": sw}
        result["peak_rss_mb_shieldwall"] = round(peak_rss_mb())
        del seen
        gc.collect()
        if not args.skip_te:
            # A sample with every planted query in it in proportion: every 10th query, etc.
            step = max(1, args.new // args.te_queries)
            sample = np.arange(0, args.new, step)[: args.te_queries]
            print(f"threatexchange PDQIndex over {args.items:,}, {len(sample):,} queries ...")
            te = te_import_search(codes, new, sample, args.batch)
            te_per_query = te.pop("per_query_hits")
            te["sample_hits"] = int(sum(te_per_query))
            te["shieldwall_sample_hits"] = int(sum(sw_per_query[i] for i in sample))
            te["same_hits_per_query"] = te_per_query == [sw_per_query[i] for i in sample]
            result["import_search"]["threatexchange"] = te
        result["peak_rss_mb"] = round(peak_rss_mb())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["cpu_pressure_after"] = common.cpu_pressure()
    one = result["one_hash"]
    imp = result["import_search"]
    result["goals"] = {"one_hash_hunt_under_50ms": bool(one["hunt_ms_p50"] < 50)}
    rows = [
        ["seen items", f"{one['seen_items']:,}", ""],
        [
            "one new hash: index search p50 / max (ms)",
            f"{one['index_search_ms_p50']} / {one['index_search_ms_max']}",
            "",
        ],
        [
            "one new hash: full hunt p50 / max (ms), 4 decisions written",
            f"{one['hunt_ms_p50']} / {one['hunt_ms_max']}",
            "",
        ],
        ["one new hash, no stored copy: full hunt (ms)", one["hunt_no_hits_ms"], ""],
        [
            f"{imp['new']:,} new hashes: search time (s)",
            imp["shieldwall"]["seconds"],
            _te(imp, "seconds"),
        ],
        ["queries per second (batched)", imp["shieldwall"]["per_s"], _te(imp, "per_s")],
        [f"hits ({imp['planted']:,} planted)", imp["shieldwall"]["hits"], _te(imp, "hits")],
        ["index build (s)", one["seen_index_build_s"], _te(imp, "build_s")],
    ]
    print(common.markdown_table(["measure", "Shieldwall", "threatexchange PDQIndex"], rows))
    print(f"goals: {result['goals']}")
    print(f"wrote {common.write_json('retro_hunt', result)}")


def _te(imp: dict[str, Any], what: str) -> str:
    te = imp.get("threatexchange")
    if te is None:
        return "not run"
    if what == "seconds":
        return f"{te['extrapolated_s']} (extrapolated from {te['queries']:,} queries)"
    if what == "hits":
        return (
            f"{te['sample_hits']} on the sample (Shieldwall {te['shieldwall_sample_hits']}; "
            f"identical per query: {te['same_hits_per_query']})"
        )
    return str(te[what])


if __name__ == "__main__":
    main()
