"""The "`bank add` + local features" column of the robustness bench (ORB + RANSAC).

The bank is every corpus photo's ORB features (as ``bank add`` would store them, from the
original at long side 1024); an edited copy is looked up through the descriptor index
(:class:`shieldwall.index.local_features.DescriptorIndex`) and its candidates verified
(:func:`shieldwall.hashing.local_features.verify`). Each query records the inliers of the
right photo and the most inliers of any wrong photo, at a low floor (``_FLOOR``), so the
acceptance threshold can be swept afterwards without rerunning.

Knobs (env, for tuning only): SHIELDWALL_BENCH_LF_MIN_INLIERS (default: the module's
``VerifyParams.min_inliers``), SHIELDWALL_BENCH_LF_QUERY_SIDE (default ``QUERY_SIDE``),
SHIELDWALL_BENCH_LF_CANDIDATES (entries verified per query; default 10, the index's).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from shieldwall.hashing.local_features import (
    DEFAULT_VERIFY,
    QUERY_FEATURES,
    QUERY_SIDE,
    LocalFeatures,
    extract_local_features,
    verify,
)
from shieldwall.index.local_features import DescriptorIndex

MIN_INLIERS = int(os.environ.get("SHIELDWALL_BENCH_LF_MIN_INLIERS", DEFAULT_VERIFY.min_inliers))
QUERY_SIDE = int(os.environ.get("SHIELDWALL_BENCH_LF_QUERY_SIDE", QUERY_SIDE))
LIMIT = int(os.environ.get("SHIELDWALL_BENCH_LF_CANDIDATES", "10"))
_FLOOR = 8
_PARAMS = replace(DEFAULT_VERIFY, min_inliers=_FLOOR)
SWEEP = (10, 12, 15, 20, 25, 30, 40)

_bank: dict[str, LocalFeatures] = {}
_index: DescriptorIndex[str] | None = None


def _bank_index(
    paths: list[Path], load: Any
) -> tuple[dict[str, LocalFeatures], DescriptorIndex[str]]:
    """Every corpus photo's features, built once per worker process."""
    global _index
    if _index is None:
        _index = DescriptorIndex()
        for p in paths:
            feats = extract_local_features(np.asarray(load(p, 1024)))
            _bank[p.name] = feats
            _index.add(p.name, feats.descriptors)
    return _bank, _index


def query(
    edited: Image.Image, own: str, paths: list[Path], load: Any, related: set[str]
) -> dict[str, Any]:
    """Retrieve and verify one edited copy; inliers of the right photo and of the best wrong
    one. ``related``: photos that are legitimately in the edit (collage tiles, backgrounds)
    or near-duplicates of the original (DATA.md's groups): not counted as wrong."""
    bank, index = _bank_index(paths, load)
    pixels = np.asarray(edited.convert("RGB"))
    cpu = time.process_time()
    feats = extract_local_features(pixels, max_features=QUERY_FEATURES, max_side=QUERY_SIDE)
    t_extract = time.process_time() - cpu
    cands = index.candidates(feats.descriptors, limit=LIMIT)
    t_search = time.process_time() - cpu - t_extract
    right, wrong, wrong_name, rank, reason = 0, 0, None, None, "not a candidate"
    for i, c in enumerate(cands):
        v = verify(feats, bank[c.key], _PARAMS)
        if c.key == own:
            rank, reason = i, v.reason
            right = v.inliers if v.matched else 0
        elif c.key not in related and v.matched and v.inliers > wrong:
            wrong, wrong_name = v.inliers, c.key
    return {
        "lf_right": right,
        "lf_wrong": wrong,
        "lf_wrong_name": wrong_name,
        "lf_rank": rank,
        "lf_reason": reason,
        "lf_keypoints": len(feats),
        "lf_cpu_s": time.process_time() - cpu,
        "lf_extract_s": t_extract,
        "lf_search_s": t_search,
    }


def false_matches(paths: list[Path], load: Any, group: Any) -> dict[str, Any]:
    """Every ordered pair of distinct corpus photos (near-duplicate groups excluded), by
    brute force (every pair verified, not only the index's candidates) and through the
    index, as the matcher would run it."""
    bank, index = _bank_index(paths, load)
    names = [p.name for p in paths]
    brute: list[tuple[int, str, str]] = []
    through_index: list[tuple[int, str, str]] = []
    pairs = 0
    cpu: list[float] = []
    verify_cpu: list[float] = []
    for p in paths:
        pixels = np.asarray(load(p, 1024))
        started = time.process_time()
        feats = extract_local_features(pixels, max_features=QUERY_FEATURES, max_side=QUERY_SIDE)
        cands = {c.key for c in index.candidates(feats.descriptors, limit=LIMIT)}
        cpu.append(time.process_time() - started)
        for other in names:
            if group(other) == group(p.name):
                continue
            pairs += 1
            started = time.process_time()
            v = verify(feats, bank[other], _PARAMS)
            verify_cpu.append(time.process_time() - started)
            if v.matched:
                brute.append((v.inliers, p.name, other))
                if other in cands:
                    through_index.append((v.inliers, p.name, other))
    brute.sort(reverse=True)
    return {
        "pairs": pairs,
        "floor": _FLOOR,
        "brute_over_floor": brute[:20],
        "index_over_floor": sorted(through_index, reverse=True)[:20],
        "sweep_brute": {t: sum(1 for b in brute if b[0] >= t) for t in SWEEP},
        "sweep_index": {t: sum(1 for b in through_index if b[0] >= t) for t in SWEEP},
        "query_cpu_ms_median": 1000 * float(np.median(cpu)),
        "verify_cpu_ms_median": 1000 * float(np.median(verify_cpu)),
        "bank_descriptors": index.descriptor_count,
        "bank_entries": len(index),
        "index_memory_bytes": index.memory_bytes(),
        "index_approximate": index.approximate,
        "blob_bytes_mean": float(np.mean([len(f.to_bytes()) for f in bank.values()])),
    }
