"""Benchmark: recall on edited copies and false matches, Meta's plain PDQ vs Shieldwall variants.

For every photo (long side reduced to 1024 px first, to keep the run short) and
every edit family in :mod:`augly_catalogue` (AugLy-based, 54 families; parameters
seeded per family and photo), the bank holds the plain PDQ of the original and
the query is the edited copy. The families are split by name into a tuning half and
a held-out half (:func:`augly_catalogue.split`); ``SHIELDWALL_BENCH_SPLIT=tuning``
computes only the tuning half (what a tuning run may look at), ``heldout`` only the
held-out half, and the default both, each reported separately. Columns:

* ``meta``: threatexchange ``PdqSignal.hash_from_bytes`` on both (the anchor);
* ``sw_plain``: Shieldwall's plain PDQ on both;
* ``sw_variants``: every hash of :func:`query_variants` of the query against the
  plain bank hash (what works with a victim's single hash);
* ``sw_bank``: the same against the plain hash plus :func:`bank_variants` of the
  original (when the submitter can store more).

False matches: every ordered pair (query i, bank j) of *different* images
among the photos plus non-overlapping 256 px tiles of the large photos,
excluding the near-duplicates DATA.md names (the chessboard series, the stereo
pairs and one pair of crops), at the same threshold; items of quality < 50 are
left out, as the matcher does not act on them alone.

Cost: query latency (variant computation + one batched search) and index size
against a 1M-entry random index (MIH), and threatexchange's PDQ index anchor.

Usage: ``python bench/robustness/bench_robustness.py``; env SHIELDWALL_BENCH_PHOTOS,
SHIELDWALL_BENCH_LIMIT (photos used for recall; default all), SHIELDWALL_BENCH_SPLIT
(``tuning``, ``heldout`` or ``all``), SHIELDWALL_BENCH_INDEX
(random index size, default 1_000_000), SHIELDWALL_BENCH_ONLY (comma-separated transform or
family names, e.g. ``rotate_small,caption``: recall for those only), SHIELDWALL_BENCH_SKIP
(comma-separated parts to leave out: ``fmr``, ``cost``), SHIELDWALL_BENCH_TILES=0 (false
matches among the photos only, without the 256 px tiles; a short run). Writes
bench/out/robustness.json, or bench/out/robustness_subset.json when any of ONLY, SKIP or
LIMIT narrows the run (``_tuning`` / ``_heldout`` appended when SPLIT picks one half).
"""

# ruff: noqa: I001  (the import order below is deliberate)
from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from multiprocessing import Pool
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import common  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from threatexchange.signal_type.pdq.signal import PdqSignal  # noqa: E402

from shieldwall.hashing.pdq import pdq_from_pixels  # noqa: E402
from shieldwall.hashing.robust import (  # noqa: E402
    BANK_WINDOWS,
    bank_variants,
    compatible,
    meets_windows,
    query_variants,
)
from shieldwall.index import MihPdqIndex  # noqa: E402
import augly_catalogue  # noqa: E402
import local_features_bench as lfb  # noqa: E402

THRESHOLD = 31
_ONLY = {n for n in os.environ.get("SHIELDWALL_BENCH_ONLY", "").split(",") if n}
_SPLIT = os.environ.get("SHIELDWALL_BENCH_SPLIT", "all")
SELECTED = {
    name: (augly_catalogue.split(name), group)
    for name, (group, _) in augly_catalogue.FAMILIES.items()
    if (not _ONLY or name in _ONLY or group in _ONLY)
    and _SPLIT in ("all", augly_catalogue.split(name))
}
"""The transforms this run measures recall on (all unless SHIELDWALL_BENCH_ONLY names some)."""
SKIP = {n for n in os.environ.get("SHIELDWALL_BENCH_SKIP", "").split(",") if n}
QUALITY_MIN = 50
ORIGINAL_SIDE = 1024
TILE = 256


def _png(image: Image.Image) -> bytes:
    import io

    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _load(path: Path, side: int) -> Image.Image:
    with Image.open(path) as im:
        im.draft("RGB", (side, side))
        rgb = im.convert("RGB")
    rgb.thumbnail((side, side), Image.Resampling.BOX)
    return rgb


def _codes(hexes: list[str]) -> np.ndarray[Any, np.dtype[np.uint64]]:
    raw = b"".join(bytes.fromhex(h) for h in hexes)
    return np.frombuffer(raw, dtype=np.uint64).reshape(-1, 4)


def _dist(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def recall_one(job: tuple[Path, list[Path]]) -> dict[str, Any]:
    """All families' edits of one photo: which columns matched, and through which variant."""
    path, other_paths = job
    corpus = common.photo_paths()
    original = _load(path, ORIGINAL_SIDE)
    others = [_load(p, 512) for p in other_paths]
    pixels = np.asarray(original)
    bank_plain = pdq_from_pixels(pixels)[0]
    bank_meta = PdqSignal.hash_from_bytes(_png(original))
    bank_all = [(None, bank_plain)] + [(v.name, v.pdq) for v in bank_variants(pixels)]
    out: dict[str, Any] = {}
    for name in SELECTED:
        edited = augly_catalogue.apply(name, original, path.name, others)
        q_meta = PdqSignal.hash_from_bytes(_png(edited))
        q_pixels = np.asarray(edited.convert("RGB"))
        started = time.perf_counter()
        variants = query_variants(q_pixels)
        seconds = time.perf_counter() - started
        plain = variants[0].pdq
        # Only the pairs the matcher accepts (robust.compatible): a region of the query
        # against the same region of the original, the grids against stored windows only.
        # Of the pairs within the threshold, "via" is the one the matcher reports: the
        # fewest transforms (as submitted, then the stored plain hash), then the distance.
        pairs = [
            (
                (v.name != "original") + (n is not None),
                _dist(v.pdq, b),
                n is not None,
                v.name if n is None else f"{v.name}@bank:{n}",
            )
            for v in variants
            for n, b in bank_all
            if compatible(v.name, n)
        ]
        plain_pairs = [p for p in pairs if not p[2] and p[1] <= THRESHOLD]
        bank_pairs = [p for p in pairs if p[1] <= THRESHOLD]
        best_plain = (0, min(plain_pairs)[3]) if plain_pairs else (256, "-")
        best_bank = (0, min(bank_pairs)[3]) if bank_pairs else (256, "-")
        out[name] = {
            "meta": bool(bank_meta and q_meta)
            and PdqSignal.compare_hash(q_meta, bank_meta, THRESHOLD).match,
            "sw_plain": _dist(plain, bank_plain) <= THRESHOLD,
            "sw_variants": best_plain[0] <= THRESHOLD,
            "sw_bank": best_bank[0] <= THRESHOLD,
            "via": best_plain[1] if best_plain[0] <= THRESHOLD else None,
            "via_bank": best_bank[1] if best_bank[0] <= THRESHOLD else None,
            "n_variants": len(variants),
            "seconds": seconds,
        }
        if "lf" not in SKIP:
            # The photos the edit shows (collage tiles, backgrounds) and their near-duplicates
            # (DATA.md's groups: the chessboard series shows one chessboard) are not wrong.
            groups = {_near_duplicate_group(p.name) for p in [path, *other_paths]}
            related = {p.name for p in corpus if _near_duplicate_group(p.name) in groups}
            lf = lfb.query(edited, path.name, corpus, _load, related)
            out[name].update(lf)
            out[name]["sw_bank_lf"] = out[name]["sw_bank"] or lf["lf_right"] >= lfb.MIN_INLIERS
    return out


def _near_duplicate_group(name: str) -> str:
    """DATA.md's caveat: the chessboard series, the stereo pairs and one pair of crops."""
    stem = name.split("__", 1)[-1].rsplit(".", 1)[0]
    if name.startswith("opencv__"):
        if re.fullmatch(r"(left|right)\d*", stem):
            return "chessboard"
        base = re.sub(r"(\d+|L|R|A|B)$", "", stem)
        if base in {"aloe", "aero", "graf", "leuven"}:
            return base
    if stem in {"squirrel_cls", "opencv_resnet50_test_res_c"}:
        return "squirrel"
    return name


def fmr_items(paths: list[Path]) -> tuple[list[np.ndarray[Any, Any]], list[str]]:
    """Photos plus non-overlapping tiles of the large photos, each with a group label."""
    items: list[np.ndarray[Any, Any]] = []
    groups: list[str] = []
    for path in paths:
        photo = _load(path, ORIGINAL_SIDE)
        items.append(np.asarray(photo))
        groups.append(_near_duplicate_group(path.name))
        if max(photo.size) >= 1000 and os.environ.get("SHIELDWALL_BENCH_TILES", "1") != "0":
            big = _load(path, 2048)
            arr = np.asarray(big)
            for y in range(0, arr.shape[0] - TILE + 1, TILE):
                for x in range(0, arr.shape[1] - TILE + 1, TILE):
                    items.append(np.ascontiguousarray(arr[y : y + TILE, x : x + TILE]))
                    # Tiles of one photo are different pictures (no overlap), but a tile
                    # and its own photo are not: label them with the photo's group.
                    groups.append(_near_duplicate_group(path.name) + f"#tile{y},{x}")
    return items, groups


def fmr_hashes(pixels: np.ndarray[Any, Any]) -> dict[str, Any]:
    variants = query_variants(pixels)
    return {
        "plain": variants[0].pdq,
        "quality": variants[0].quality,
        "variants": [v.pdq for v in variants],
        "variant_names": [v.name for v in variants],
        "bank": [v.pdq for v in bank_variants(pixels)],
        "bank_names": [v.name for v in bank_variants(pixels)],
        "meta": PdqSignal.hash_from_bytes(_png(Image.fromarray(pixels))),
    }


def _pair_hits(
    q: np.ndarray[Any, Any],
    q_owner: np.ndarray[Any, Any],
    b: np.ndarray[Any, Any],
    b_owner: np.ndarray[Any, Any],
    allowed: np.ndarray[Any, Any],
    n: int,
    q_names: list[str | None] | None = None,
    b_names: list[str | None] | None = None,
) -> int:
    """Number of allowed (query item, bank item) pairs with any hash pair within threshold.

    With names, a hash pair counts only when the matcher would accept it
    (:func:`robust.compatible`)."""
    hit = np.zeros((n, n), dtype=bool)
    for start in range(0, q.shape[0], 2048):
        block = q[start : start + 2048]
        d = np.zeros((block.shape[0], b.shape[0]), dtype=np.uint16)
        for w in range(4):
            d += np.bitwise_count(block[:, w, None] ^ b[None, :, w]).astype(np.uint16)
        rows, cols = np.nonzero(d <= THRESHOLD)
        if q_names is not None and b_names is not None:
            pairs = zip(rows, cols, strict=True)
            ok = np.array([compatible(q_names[start + r], b_names[c]) for r, c in pairs], bool)
            rows, cols = rows[ok], cols[ok]
        hit[q_owner[start + rows], b_owner[cols]] = True
    return int((hit & allowed).sum())


def false_matches(paths: list[Path], pool: Any) -> dict[str, Any]:
    items, groups = fmr_items(paths)
    hashed = pool.map(fmr_hashes, items, chunksize=8)
    keep = [i for i, h in enumerate(hashed) if h["quality"] >= QUALITY_MIN]
    hashed = [hashed[i] for i in keep]
    groups = [groups[i] for i in keep]
    n = len(hashed)
    base = [g.split("#")[0] for g in groups]
    same = np.array([[a == b for b in base] for a in base])
    tiles = np.array(["#" in g for g in groups])
    # Same photo: allowed only between two different tiles of it (they do not overlap).
    allowed = ~same | (tiles[:, None] & tiles[None, :])
    np.fill_diagonal(allowed, False)
    pairs = int(allowed.sum())
    plain = _codes([h["plain"] for h in hashed])
    owners = np.arange(n)
    var_hex = [v for h in hashed for v in h["variants"]]
    var_owner = np.array([i for i, h in enumerate(hashed) for _ in h["variants"]])
    var_names: list[str | None] = [v for h in hashed for v in h["variant_names"]]
    bank_hex = [h["plain"] for h in hashed] + [v for h in hashed for v in h["bank"]]
    bank_names: list[str | None] = [None for _ in hashed]
    bank_names += [v for h in hashed for v in h["bank_names"]]
    bank_owner = np.concatenate([owners, [i for i, h in enumerate(hashed) for _ in h["bank"]]])
    meta_ok = [i for i, h in enumerate(hashed) if h["meta"]]
    meta_allowed = allowed[np.ix_(meta_ok, meta_ok)]
    meta = _codes([hashed[i]["meta"] for i in meta_ok])
    m = len(meta_ok)
    counts = {
        "meta": _pair_hits(meta, np.arange(m), meta, np.arange(m), meta_allowed, m),
        "sw_plain": _pair_hits(plain, owners, plain, owners, allowed, n),
        "sw_variants": _pair_hits(
            _codes(var_hex), var_owner, plain, owners, allowed, n, var_names, [None] * n
        ),
        "sw_bank": _pair_hits(
            _codes(var_hex),
            var_owner,
            _codes(bank_hex),
            bank_owner,
            allowed,
            n,
            var_names,
            bank_names,
        ),
        # What the same probes would add if every probe met every stored hash.
        "sw_bank_unfiltered": _pair_hits(
            _codes(var_hex), var_owner, _codes(bank_hex), bank_owner, allowed, n
        ),
    }
    return {
        "items": n,
        "photos": sum(1 for g in groups if "#" not in g),
        "tiles": sum(1 for g in groups if "#" in g),
        "pairs": pairs,
        "meta_pairs": int(meta_allowed.sum()),
        "false_matches": counts,
        "rate": {
            k: v / (int(meta_allowed.sum()) if k == "meta" else pairs) for k, v in counts.items()
        },
        "mean_query_variants": len(var_hex) / n,
        "mean_bank_hashes": len(bank_hex) / n,
    }


def _random_index(codes: np.ndarray[Any, Any], copies: int) -> tuple[MihPdqIndex, float]:
    """An MIH index of ``copies`` distinct hashes per entry (copies > 1 stand for windows)."""
    size = len(codes)
    index = MihPdqIndex()
    total = size * copies
    started = time.perf_counter()
    for start in range(0, total, 500_000):
        stop = min(total, start + 500_000)
        block = codes[np.arange(start, stop) % size].copy()
        block[:, 0] ^= np.uint8(start // size)  # distinct hashes for the copies
        index.add(np.arange(start, stop, dtype=np.int64), block)
    index.compact()
    return index, time.perf_counter() - started


def _search(index: MihPdqIndex, hexes: list[str]) -> int:
    """Search the probes; returns how many (probe, entry) hits within the threshold: every
    one is a false match, the random entries being unrelated to the photos."""
    if not hexes:
        return 0
    batch = np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), np.uint8)
    return sum(len(row) for row in index.search(batch.reshape(-1, 32), THRESHOLD))


def cost(size: int, photos: list[Path]) -> dict[str, Any]:
    """Query latency and index size at ``size`` entries, as the matcher searches: the plain
    index with the probes that may meet plain hashes, and (when entries carry windows) a
    second index of ``len(BANK_WINDOWS)`` hashes per entry with the probes that may meet
    windows (robust.compatible / meets_windows)."""
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 256, size=(size, 32), dtype=np.uint8)
    out: dict[str, Any] = {"entries": size, "windows_per_entry": len(BANK_WINDOWS)}
    plain, out["plain_build_s"] = _random_index(codes, 1)
    out["plain_index_mb"] = plain.memory_bytes() / 1e6
    windows, out["windows_build_s"] = _random_index(codes, len(BANK_WINDOWS))
    out["windows_index_mb"] = windows.memory_bytes() / 1e6
    queries = [np.asarray(_load(p, ORIGINAL_SIDE)) for p in photos]
    plain_t, var_t, var_n, search_t, win_t = [], [], [], [], []
    random_hits = {"plain": 0, "variants": 0, "windows": 0}
    for q in queries:
        t0 = time.perf_counter()
        random_hits["plain"] += _search(plain, [pdq_from_pixels(q)[0]])
        plain_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        variants = query_variants(q)
        t1 = time.perf_counter()
        random_hits["variants"] += _search(
            plain, [v.pdq for v in variants if compatible(v.name, None)]
        )
        t2 = time.perf_counter()
        random_hits["windows"] += _search(
            windows, [v.pdq for v in variants if meets_windows(v.name)]
        )
        t3 = time.perf_counter()
        var_t.append(t2 - t0)
        search_t.append(t2 - t1)
        win_t.append(t3 - t0)
        var_n.append(len(variants))
    out["plain_query_ms"] = 1000 * float(np.median(plain_t))
    out["variant_query_ms"] = 1000 * float(np.median(var_t))
    out["variant_search_ms"] = 1000 * float(np.median(search_t))
    out["variant_query_with_windows_ms"] = 1000 * float(np.median(win_t))
    out["variants_per_query"] = float(np.mean(var_n))
    out["random_queries"] = len(queries)
    out["random_false_matches"] = random_hits
    del plain, windows
    # The anchor: threatexchange's PDQ index over the same entries, one plain query.
    hexes = [bytes(c).hex() for c in codes]
    started = time.perf_counter()
    te_index = PdqSignal.get_index_cls().build([(h, i) for i, h in enumerate(hexes)])
    out["meta_build_s"] = time.perf_counter() - started
    samples = []
    for q in hexes[:200:5]:
        t0 = time.perf_counter()
        te_index.query(q)
        samples.append(time.perf_counter() - t0)
    out["meta_query_ms"] = 1000 * float(np.median(samples))
    return out


def main() -> None:
    started = time.time()
    paths = common.photo_paths()
    limit = int(os.environ.get("SHIELDWALL_BENCH_LIMIT", "0")) or len(paths)
    recall_paths = paths[:: max(1, len(paths) // limit)][:limit]
    # Collage tiles and backgrounds: other corpus photos, fixed per photo.
    jobs = [
        (p, [paths[(paths.index(p) + 37 * k) % len(paths)] for k in (1, 2, 3)])
        for p in recall_paths
    ]
    with Pool(int(os.environ.get("SHIELDWALL_BENCH_PROCS", "2"))) as pool:
        per_photo = pool.map(recall_one, jobs, chunksize=1)
        fmr = false_matches(paths, pool) if "fmr" not in SKIP else None
    lf_fmr = (
        lfb.false_matches(paths, _load, _near_duplicate_group)
        if not {"lf", "lf_fmr"} & SKIP
        else None
    )
    columns: tuple[str, ...] = ("meta", "sw_plain", "sw_variants", "sw_bank")
    if "lf" not in SKIP:
        columns += ("sw_bank_lf",)
    transforms: dict[str, dict[str, Any]] = {}
    for name, (half, group) in SELECTED.items():
        rows = [p[name] for p in per_photo]
        rec = {c: sum(r[c] for r in rows) / len(rows) for c in columns}
        via = Counter(r["via"] for r in rows if r["via"]).most_common(1)
        via_bank = Counter(r["via_bank"] for r in rows if r.get("via_bank")).most_common(1)
        transforms[name] = {
            "split": half,
            "group": group,
            **rec,
            "top_variant": via[0][0] if via else None,
            "top_variant_bank": via_bank[0][0] if via_bank else None,
        }
        if "lf" in columns[-1]:
            transforms[name]["lf_sweep"] = {
                t: sum(r["sw_bank"] or r["lf_right"] >= t for r in rows) / len(rows)
                for t in lfb.SWEEP
            }
            transforms[name]["lf_alone"] = sum(
                r["lf_right"] >= lfb.MIN_INLIERS for r in rows
            ) / len(rows)
            transforms[name]["lf_wrong_max"] = max(r["lf_wrong"] for r in rows)
            for part in ("cpu", "extract", "search"):
                transforms[name][f"lf_{part}_ms_median"] = 1000 * float(
                    np.median([r[f"lf_{part}_s"] for r in rows])
                )
            transforms[name]["lf_wrong_names"] = sorted(
                {f"{r['lf_wrong_name']}:{r['lf_wrong']}" for r in rows if r["lf_wrong_name"]}
            )
            transforms[name]["lf_misses"] = [
                (r["lf_rank"], r["lf_reason"], r["lf_keypoints"])
                for r in rows
                if r["lf_right"] < lfb.MIN_INLIERS
            ]
    families = transforms  # one transform per family (parameters drawn per photo)
    seconds = [r["seconds"] for p in per_photo for r in p.values()]
    index_size = int(os.environ.get("SHIELDWALL_BENCH_INDEX", "1000000"))
    costs = cost(index_size, paths) if "cost" not in SKIP else {}
    for half in ("tuning", "heldout"):
        names = [n for n, (h, _) in SELECTED.items() if h == half]
        if not names:
            continue
        print(
            f"## {half}: recall at distance <= {THRESHOLD}, {len(recall_paths)} photos "
            f"(long side 1024), {len(names)} families\n"
        )
        print(
            common.markdown_table(
                [
                    "family",
                    "group",
                    "plain PDQ (meta)",
                    "sw_plain",
                    "plain-hash bank",
                    "bank add (regions)",
                    *(["bank add + local features"] if len(columns) > 4 else []),
                    "matched via",
                    "via (bank add)",
                ],
                [
                    [
                        n,
                        transforms[n]["group"],
                        *(f"{transforms[n][c]:.2f}" for c in columns),
                        transforms[n]["top_variant"] or "-",
                        transforms[n]["top_variant_bank"] or "-",
                    ]
                    for n in names
                ],
            )
        )
        means = {c: float(np.mean([transforms[n][c] for n in names])) for c in columns}
        below = {
            c: sum(transforms[n][c] < goal for n in names)
            for c, goal in (("meta", 0.9), ("sw_variants", 0.9), ("sw_bank", 0.95))
        }
        print(
            f"\nmean: meta {means['meta']:.3f}, plain-hash bank {means['sw_variants']:.3f}, "
            f"bank add {means['sw_bank']:.3f}; families below goal: meta<0.90 {below['meta']}, "
            f"plain-hash bank<0.90 {below['sw_variants']}, bank add<0.95 {below['sw_bank']}\n"
        )
        if "sw_bank_lf" in means:
            lf_below = sum(transforms[n]["sw_bank_lf"] < 0.95 for n in names)
            print(
                f"bank add + local features (min inliers {lfb.MIN_INLIERS}): mean "
                f"{means['sw_bank_lf']:.3f}, below 0.95: {lf_below}; sweep of min inliers "
                + ", ".join(
                    f"{t}: {np.mean([transforms[n]['lf_sweep'][t] for n in names]):.3f}"
                    for t in lfb.SWEEP
                )
                + "\n"
            )
    if fmr is not None:
        rate = fmr["rate"]
        print(
            f"\n## False matches: {fmr['pairs']:,} pairs of different images "
            f"({fmr['photos']} photos + {fmr['tiles']} tiles)\n"
        )
        print(
            common.markdown_table(
                ["column", "false matches", "rate", "ratio to meta"],
                [
                    [
                        c,
                        fmr["false_matches"][c],
                        f"{rate[c]:.2e}",
                        f"{rate[c] / rate['meta']:.1f}x" if rate["meta"] else "n/a",
                    ]
                    for c in fmr["false_matches"]
                ],
            )
        )
    if lf_fmr is not None:
        print(
            f"\n## Local features: false matches on {lf_fmr['pairs']:,} ordered pairs of "
            f"distinct photos (every pair verified; through the index)\n"
        )
        print(f"- by min inliers, brute force: {lf_fmr['sweep_brute']}")
        print(f"- by min inliers, through the index: {lf_fmr['sweep_index']}")
        print(f"- worst pairs: {lf_fmr['brute_over_floor'][:8]}")
        print(f"- query extraction + retrieval CPU: {lf_fmr['query_cpu_ms_median']:.1f} ms")
        print(f"- one verification CPU: {lf_fmr['verify_cpu_ms_median']:.1f} ms")
        print(
            f"- bank: {lf_fmr['bank_entries']} entries, {lf_fmr['bank_descriptors']:,} rows, "
            f"index {lf_fmr['index_memory_bytes'] / 1e6:.1f} MB "
            f"({'IVF' if lf_fmr['index_approximate'] else 'brute force'}), "
            f"stored blob {lf_fmr['blob_bytes_mean'] / 1e3:.1f} KB an entry"
        )
    print("\n## Cost\n")
    for k, v in costs.items():
        print(f"- {k}: {v:.2f}" if isinstance(v, float) else f"- {k}: {v}")
    print(
        f"- variant computation, median over all recall queries: "
        f"{1000 * float(np.median(seconds)):.1f} ms"
    )
    narrowed = bool(_ONLY or SKIP or os.environ.get("SHIELDWALL_BENCH_LIMIT"))
    path = common.write_json(
        ("robustness_subset" if narrowed else "robustness")
        + ("" if _SPLIT == "all" else f"_{_SPLIT}"),
        {
            "threshold": THRESHOLD,
            "recall_photos": len(recall_paths),
            "transforms": transforms,
            "families_worst": families,
            "selected": sorted(SELECTED) if _ONLY else _SPLIT,
            "false_matches": fmr,
            "local_features_false_matches": lf_fmr,
            "local_features_min_inliers": lfb.MIN_INLIERS,
            "cost": costs,
            "variant_ms_median": 1000 * float(np.median(seconds)),
            "runtime_s": time.time() - started,
        },
    )
    print(f"\nwrote {path} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
