"""Benchmark: what the local-features stage costs per upload and per bank entry, through the real
matcher on a SQLite store (one core, CPU time from ``time.process_time``).

The bank holds 106 of the corpus photos, added as ``bank add`` would (plain PDQ + local
features); the uploads are the other 20 (a miss: PDQ finds nothing, so the second stage
runs: extraction, descriptor search, verification of any candidates) and off-centre crops
of 20 banked photos (found by the second stage). Per upload: the query's keypoint extraction
and ``Matcher.match`` with and without the stage. Per entry: the stored blob and the
matcher's descriptor index in memory.

Usage: ``python bench/robustness/bench_local_features_cost.py``; env
SHIELDWALL_BENCH_PHOTOS. Writes bench/out/local_features_cost.json.
"""

# ruff: noqa: I001  (common must be imported before numpy: it pins BLAS to one thread)
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import common  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from shieldwall.hashing.local_features import (  # noqa: E402
    QUERY_FEATURES,
    QUERY_SIDE,
    extract_local_features,
)
from shieldwall.hashing.pdq import pdq_from_pixels  # noqa: E402
from shieldwall.index.local_features import FLAT_MAX_ROWS  # noqa: E402
from shieldwall.pipeline.matcher import Matcher, Query  # noqa: E402
from shieldwall.store import BankStore, make_engine, session_factory, upgrade  # noqa: E402
from shieldwall.types import BankPurpose, HashKind, NewEntry  # noqa: E402


def _load(path: Path, side: int = 1024) -> np.ndarray[Any, Any]:
    with Image.open(path) as im:
        im.draft("RGB", (side, side))
        rgb = im.convert("RGB")
    rgb.thumbnail((side, side), Image.Resampling.BOX)
    return np.asarray(rgb)


def _cpu_ms(fn: Any) -> tuple[float, Any]:
    started = time.process_time()
    out = fn()
    return 1000 * (time.process_time() - started), out


def main() -> None:
    paths = common.photo_paths()
    # 106 banked photos: ~52k descriptor rows, past FLAT_MAX_ROWS, so the IVF is measured.
    banked, others = paths[20:], paths[:20]
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        store = BankStore(session_factory(make_engine(url)))
        store.create_bank(name="v", purpose=BankPurpose.VICTIM)
        extract_ms, blobs = [], []
        for p in banked:
            pixels = _load(p)
            ms, feats = _cpu_ms(lambda px=pixels: extract_local_features(px))
            extract_ms.append(ms)
            blobs.append(len(feats.to_bytes()))
            entry = NewEntry(
                HashKind.PDQ, pdq_from_pixels(pixels)[0], local_features=feats.to_bytes()
            )
            store.add_entries(bank="v", entries=[entry])
        on = Matcher(store, local_features=True)
        off = Matcher(store, local_features=False)
        load_ms, _ = _cpu_ms(on.load)
        off.load()

        def crop(px: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
            h, w = px.shape[:2]
            return px[int(0.2 * h) :, : int(0.6 * w)]

        rows: dict[str, dict[str, list[float]]] = {}
        for label, images in (
            ("miss (unbanked photo)", [_load(p) for p in others]),
            ("off-centre crop of a banked photo", [crop(_load(p)) for p in banked[:20]]),
        ):
            r: dict[str, list[float]] = {"extract": [], "match_on": [], "match_off": []}
            found = 0
            for px in images:
                ms, feats = _cpu_ms(
                    lambda px=px: extract_local_features(
                        px, max_features=QUERY_FEATURES, max_side=QUERY_SIDE
                    )
                )
                r["extract"].append(ms)
                q = Query(pdq=pdq_from_pixels(px)[0], local_features=feats)
                ms, outcome = _cpu_ms(lambda q=q: on.match(q, refresh=False))
                r["match_on"].append(ms)
                found += bool(outcome.active)
                ms, _ = _cpu_ms(lambda q=q: off.match(q, refresh=False))
                r["match_off"].append(ms)
            rows[label] = r
            rows[label]["found"] = [found / len(images)]
        result = {
            "entries": len(banked),
            "index_rows": sum((b - 9) // 36 for b in blobs),
            "index_approximate": sum((b - 9) // 36 for b in blobs) >= FLAT_MAX_ROWS,
            "index_memory_bytes_per_entry": on.local_features_memory_bytes() / len(banked),
            "blob_bytes_per_entry": float(np.mean(blobs)),
            "bank_extract_ms_median": float(np.median(extract_ms)),
            "matcher_load_ms": load_ms,
            "per_upload": {
                label: {k: float(np.median(v)) for k, v in r.items()} for label, r in rows.items()
            },
            "machine": common.machine(),
        }
    print(
        common.markdown_table(
            ["upload", "extract ms", "match ms (stage on)", "match ms (off)", "found"],
            [
                [
                    label,
                    f"{v['extract']:.1f}",
                    f"{v['match_on']:.1f}",
                    f"{v['match_off']:.1f}",
                    f"{v['found']:.2f}",
                ]
                for label, v in result["per_upload"].items()
            ],
        )
    )
    for k in (
        "entries",
        "index_rows",
        "index_approximate",
        "index_memory_bytes_per_entry",
        "blob_bytes_per_entry",
        "bank_extract_ms_median",
        "matcher_load_ms",
    ):
        print(f"- {k}: {result[k]}")
    print(f"wrote {common.write_json('local_features_cost', result)}")


if __name__ == "__main__":
    main()
