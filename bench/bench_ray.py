"""Ray batch engine: corpus scans against the plain CLI, and a sharded retro-hunt.

Scans (each a fresh SQLite data dir, so every file is decided): the photo corpus (the
benign test photos, copied ``--photo-copies`` times so the run lasts long enough to time)
and ``--generated`` generated PNGs, each through

- ``shieldwall hash -w 1`` and ``shieldwall match -w 1`` (the plain CLI, one process), and
- ``shieldwall batch scan -w 1`` and ``-w 2`` (Ray, local, started by the command),

as wall-clock time of the whole command, so Ray's start-up is in the figure. Efficiency
from 1 to 2 workers = (rate with 2) / (2 x rate with 1), over the whole command and over
the scan itself (the command's ``summary.seconds.scanning``: Ray already started).
``SHIELDWALL_ROBUST_MATCHING`` is off by default for every run (``--robust`` turns it on):
the transformed-copy variants cost ~30 ms an image and would hide the engine's own cost.

Retro-hunt: ``--remembered`` random item hashes split into shards held by Ray actors
(``ShardIndex``) and a ``--list``-entry hash list (random, plus planted near copies) searched
against them at threshold 31, with 1 and 2 shards: build and search times, hits found.
The remembered set is made in memory, not read from a database (inserting 10M items with
decisions is a different benchmark).

    .venv/bin/python bench/bench_ray.py --generated 10000 --remembered 10000000 --list 100000
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parent.parent
EXE = str(Path(sys.executable).with_name("shieldwall"))
OUT = REPO / "bench" / "out" / "ray.json"


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def timed(args: list[str], env: dict[str, str]) -> tuple[float, int, dict[str, Any]]:
    """Wall time of the whole command, its exit code, and its ``--json`` summary line (if any)."""
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 3):
        raise SystemExit(f"{args} failed ({done.returncode}): {done.stderr[-2000:]}")
    last = done.stdout.strip().rsplit("\n", 1)[-1] if done.stdout.strip() else ""
    try:
        summary = json.loads(last).get("summary", {}) if last.startswith("{") else {}
    except ValueError:
        summary = {}
    return wall, done.returncode, summary


def make_photos(root: Path, photos: Path, copies: int) -> int:
    n = 0
    for c in range(copies):
        folder = root / f"copy{c}"
        folder.mkdir(parents=True)
        for p in sorted(photos.iterdir()):
            if p.suffix.lower() in {".jpg", ".jpeg", ".png"}:
                shutil.copy(p, folder / p.name)
                n += 1
    return n


def make_generated(root: Path, count: int) -> int:
    from PIL import Image

    rng = np.random.default_rng(18)
    for i in range(count):
        folder = root / f"{i // 1000:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        small = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
        Image.fromarray(small).resize((96, 96), Image.Resampling.BICUBIC).save(
            folder / f"g{i:05d}.png"
        )
    return count


def scan_corpus(name: str, corpus: Path, files: int, env: dict[str, str]) -> dict[str, Any]:
    runs: dict[str, Any] = {"files": files}
    work = Path(tempfile.mkdtemp(prefix="ray18-bench-"))
    try:
        plan = {
            "cli_hash_w1": [EXE, "hash", "--json", "-w", "1", str(corpus)],
            "cli_match_w1": [EXE, "match", "--json", "-w", "1", str(corpus)],
            "ray_scan_w1": [EXE, "batch", "scan", str(corpus), "-w", "1", "--json"],
            "ray_scan_w2": [EXE, "batch", "scan", str(corpus), "-w", "2", "--json"],
        }
        for key, args in plan.items():
            data = work / key
            run_env = {**env, "SHIELDWALL_DATA_DIR": str(data)}
            before = load()
            wall, rc, summary = timed(args, run_env)
            runs[key] = {
                "wall_s": round(wall, 2),
                "images_per_s": round(files / wall, 1),
                "load_before": before,
                "load_after": load(),
                "rc": rc,
            }
            seconds = summary.get("seconds")
            if seconds:  # a Ray scan: its own split of the time
                runs[key]["ray_start_s"] = seconds["ray_start"]
                runs[key]["scanning_s"] = seconds["scanning"]
                runs[key]["scanning_images_per_s"] = round(files / seconds["scanning"], 1)
            print(f"{name} {key}: {wall:.1f} s, {files / wall:.1f} images/s (load {before})")
            if seconds:
                print(
                    f"    Ray start {seconds['ray_start']:.1f} s, scanning "
                    f"{seconds['scanning']:.1f} s: {runs[key]['scanning_images_per_s']} images/s"
                )
        r1 = runs["ray_scan_w1"]["images_per_s"]
        r2 = runs["ray_scan_w2"]["images_per_s"]
        runs["ray_efficiency_1_to_2"] = round(r2 / (2 * r1), 3)
        s1 = runs["ray_scan_w1"]["scanning_images_per_s"]
        s2 = runs["ray_scan_w2"]["scanning_images_per_s"]
        # Without the fixed cost of starting Ray (the same for 1 and 2 workers).
        runs["ray_efficiency_1_to_2_scanning"] = round(s2 / (2 * s1), 3)
        print(
            f"{name}: efficiency 1 -> 2 workers {runs['ray_efficiency_1_to_2']} (whole command), "
            f"{runs['ray_efficiency_1_to_2_scanning']} (scanning, Ray started)"
        )
        runs["ray_w1_vs_cli_match"] = round(r1 / runs["cli_match_w1"]["images_per_s"], 3)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return runs


def startup(env: dict[str, str], photos: Path) -> dict[str, Any]:
    """Ray's fixed cost: a scan of a one-file folder, against ``shieldwall match`` of it."""
    work = Path(tempfile.mkdtemp(prefix="ray18-bench-"))
    try:
        one = work / "one"
        one.mkdir()
        first = next(p for p in sorted(photos.iterdir()) if p.suffix.lower() == ".jpg")
        shutil.copy(first, one / first.name)
        out = {}
        for key, args in {
            "cli_match_one_file_s": [EXE, "match", "--json", str(one)],
            "ray_scan_one_file_s": [EXE, "batch", "scan", str(one), "--json", "-w", "1"],
        }.items():
            out[key] = round(timed(args, {**env, "SHIELDWALL_DATA_DIR": str(work / key)})[0], 2)
            print(f"{key}: {out[key]} s")
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def retro_hunt(remembered: int, listed: int, shard_counts: list[int]) -> dict[str, Any]:
    import ray

    from shieldwall.batch.engine import sharded_search, start_ray, stop_ray
    from shieldwall.pipeline.corpus_hunt import Shard

    rng = np.random.default_rng(18)
    codes = rng.integers(0, 256, size=(remembered, 32), dtype=np.uint8)
    ids = np.arange(1, remembered + 1, dtype=np.int64)
    # The list: random hashes, plus 100 near copies (8 bits flipped) of remembered items.
    probes = rng.integers(0, 256, size=(listed, 32), dtype=np.uint8)
    planted = rng.choice(remembered, size=min(100, remembered), replace=False)
    for row, target in enumerate(planted):
        probe = codes[target].copy()
        for bit in rng.choice(256, size=8, replace=False):
            probe[bit // 8] ^= 1 << (bit % 8)
        probes[row] = probe
    pdqs = [bytes(p).hex() for p in probes]
    out: dict[str, Any] = {"remembered": remembered, "list": listed, "threshold": 31}
    for n in shard_counts:
        start_ray(address=None, workers=n)
        try:
            bounds = np.linspace(0, remembered, n + 1, dtype=np.int64)
            shards: list[Shard] = [(ids[a:b], codes[a:b]) for a, b in itertools.pairwise(bounds)]
            before = load()
            t0 = time.perf_counter()
            search, _, _ = sharded_search(shards)
            search([pdqs[0]], 31)  # waits until every actor has built its shard
            built = time.perf_counter() - t0
            t1 = time.perf_counter()
            hits = 0
            found = set()
            for s in range(0, listed, 10_000):
                rows = search(pdqs[s : s + 10_000], 31)
                hits += sum(len(r) for r in rows)
                found.update(item for r in rows for item, _ in r)
            searched = time.perf_counter() - t1
            recall = len(found & {int(i) + 1 for i in planted}) / len(planted)
            out[f"shards_{n}"] = {
                "build_s": round(built, 1),
                "search_s": round(searched, 1),
                "list_per_s": round(listed / searched, 1),
                "hits": hits,
                "planted_recall": recall,
                "load_before": before,
                "load_after": load(),
                "object_store_mb": round(
                    ray.available_resources().get("object_store_memory", 0) / 2**20
                ),
            }
            print(f"hunt shards={n}: {out[f'shards_{n}']}")
            del search
        finally:
            stop_ray()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=Path, default=REPO / ".cache" / "photos-small")
    parser.add_argument(
        "--photo-copies",
        type=int,
        default=100,
        help="copies of the photo corpus (100 x 19 small photos = 1,900 files: long enough "
        "that a few seconds of Ray start-up do not decide the rate)",
    )
    parser.add_argument("--generated", type=int, default=10_000)
    parser.add_argument("--remembered", type=int, default=10_000_000)
    parser.add_argument("--list", type=int, default=100_000)
    parser.add_argument("--robust", action="store_true")
    parser.add_argument("--skip-scans", action="store_true")
    parser.add_argument("--skip-hunt", action="store_true")
    args = parser.parse_args()
    env = {**os.environ, "SHIELDWALL_ROBUST_MATCHING": "true" if args.robust else "false"}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(),
        "load_start": load(),
        "robust": args.robust,
    }
    if not args.skip_scans:
        result["startup"] = startup(env, args.photos)
        with tempfile.TemporaryDirectory(prefix="ray18-corpus-") as tmp:
            photos = make_photos(Path(tmp) / "photos", args.photos, args.photo_copies)
            result["photos"] = scan_corpus("photos", Path(tmp) / "photos", photos, env)
            made = make_generated(Path(tmp) / "generated", args.generated)
            result["generated"] = scan_corpus("generated", Path(tmp) / "generated", made, env)
    if not args.skip_hunt:
        result["retro_hunt"] = retro_hunt(args.remembered, args.list, [1, 2])
    result["load_end"] = load()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(OUT.read_text()) if OUT.exists() else {}
    previous.update({k: v for k, v in result.items()})
    OUT.write_text(json.dumps(previous, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
