"""Benchmark: video hashing (decode + PDQ per second) and matching against 10k banked videos,
beside Meta's vPDQ (the ``vpdq`` package, through threatexchange's VPDQ extension).

1. *Hashing*: test videos made from the benchmark photos (a 2 s slow pan per photo) at three
   sizes, written to a temporary folder. Shieldwall's ``hash_video`` (PyAV decode, one frame
   per second, reduced to 512 px, PDQ) against threatexchange's ``VPDQSignal.hash_from_file``
   (``vpdq.computeHash``, one hash per second, its default threading) and ``vpdq.computeHash``
   with ``thread_count=1``. Reported: hashed frames per second (hashes per wall second) and
   decoded frames per second (every frame is decoded to reach one per second). Per-frame
   agreement: mean and max Hamming distance between Shieldwall's and vpdq's hash of the
   frame at the same second.
2. *Matching*: ``--videos`` (default 10k) banked videos of ~30 random PDQ frames each
   (25-35, quality 100) plus the real test videos planted in; queries are a re-encoded copy
   (another codec, size and bit rate), a clip cut from one, and an unrelated real video.
   Shieldwall's ``VideoIndex`` (exact MIH over every frame) against threatexchange's
   ``VPDQIndex`` (faiss) built over the same frames, both with threshold 31 and no percentage
   cut (so both do the same work); their percentages for the planted videos are compared.
   The naive anchor, ``match_videos`` against each banked video in turn, is timed on a
   ``--brute`` sample and extrapolated (the table says so).

Usage: ``python bench/bench_video.py [--videos 10000] [--queries 20] [--brute 1000]``
Prints a markdown table and writes bench/out/video.json.
"""

# ruff: noqa: I001  (common pins BLAS threads, so it comes before numpy)
from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import common
import av
import numpy as np
from PIL import Image

from shieldwall.hashing.video import FrameHash, VideoHashes, hash_video, match_videos
from shieldwall.pipeline.video_index import VideoIndex

SEED = 20261125
FPS = 30
THRESHOLD = 31


def _pan(photo: Path, size: tuple[int, int], seconds: int) -> list[np.ndarray[Any, Any]]:
    w, h = size
    image = Image.open(photo).convert("RGB").resize((w * 3 // 2, h * 3 // 2))
    count = FPS * seconds
    return [
        np.asarray(image.crop((x, h // 4, x + w, h // 4 + h)))
        for x in (round((w // 2) * i / count) for i in range(count))
    ]


def _encode(
    photos: Sequence[Path],
    size: tuple[int, int],
    *,
    codec: str = "libx264",
    fmt: str = "mp4",
    bit_rate: int = 1_500_000,
    seconds: int = 2,
    out_size: tuple[int, int] | None = None,
) -> bytes:
    out = io.BytesIO()
    target = out_size or size
    with av.open(out, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height = target
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bit_rate
        for photo in photos:
            for array in _pan(photo, size, seconds):
                frame = av.VideoFrame.from_ndarray(array, format="rgb24")
                if target != size:
                    frame = frame.reformat(width=target[0], height=target[1])
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def _te_hash(path: Path) -> list[Any]:
    from threatexchange.extensions.vpdq.vpdq import VPDQSignal
    from threatexchange.extensions.vpdq.vpdq_util import json_to_vpdq

    return json_to_vpdq(VPDQSignal.hash_from_file(path))


def _distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def bench_hashing(photos: list[Path], folder: Path) -> tuple[list[dict[str, Any]], dict[str, Path]]:
    import vpdq

    specs = [
        ("320x240 mpeg4 30 s", (320, 240), "mpeg4", photos[0:15]),
        ("640x480 h264 30 s", (640, 480), "libx264", photos[15:30]),
        ("1280x720 h264 20 s", (1280, 720), "libx264", photos[30:40]),
    ]
    rows: list[dict[str, Any]] = []
    paths: dict[str, Path] = {}
    for name, size, codec, chosen in specs:
        path = folder / f"{name.split()[0]}.mp4"
        path.write_bytes(_encode(chosen, size, codec=codec, bit_rate=size[0] * size[1] * 4))
        paths[name] = path
        decoded = len(chosen) * 2 * FPS
        sw_s, sw = common.timed(lambda p=path: hash_video(p))
        sw_cpu0 = time.process_time()
        hash_video(path)
        sw_cpu = time.process_time() - sw_cpu0
        te_s, te = common.timed(lambda p=path: _te_hash(p))
        one_s, _ = common.timed(
            lambda p=path: vpdq.computeHash(str(p), seconds_per_hash=1, thread_count=1)
        )
        te_by_second = {round(f.timestamp): f.pdq_hex for f in te}
        dists = [
            _distance(f.pdq, te_by_second[round(f.timestamp_s)])
            for f in sw.frames
            if round(f.timestamp_s) in te_by_second
        ]
        rows.append(
            {
                "video": name,
                "bytes": path.stat().st_size,
                "decoded_frames": decoded,
                "hashed_frames": {"shieldwall": len(sw.frames), "vpdq": len(te)},
                "seconds": {
                    "shieldwall": sw_s,
                    "shieldwall_cpu": sw_cpu,
                    "threatexchange_vpdq": te_s,
                    "vpdq_1_thread": one_s,
                },
                "hashed_fps": {
                    "shieldwall": len(sw.frames) / sw_s,
                    "threatexchange_vpdq": len(te) / te_s,
                    "vpdq_1_thread": len(te) / one_s,
                },
                "decoded_fps": {
                    "shieldwall": decoded / sw_s,
                    "threatexchange_vpdq": decoded / te_s,
                    "vpdq_1_thread": decoded / one_s,
                },
                "distance_to_vpdq": {
                    "compared": len(dists),
                    "mean": statistics.fmean(dists) if dists else None,
                    "max": max(dists) if dists else None,
                },
            }
        )
    return rows, paths


def _rss_kb() -> int:
    """Current resident memory in KiB (not the peak: hashing raised the peak already)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * (os.sysconf("SC_PAGE_SIZE") // 1024)


def _random_video(rng: np.random.Generator) -> VideoHashes:
    n = int(rng.integers(25, 36))
    codes = rng.integers(0, 256, size=(n, 32), dtype=np.uint8)
    frames = tuple(FrameHash(float(i), bytes(c).hex(), 100) for i, c in enumerate(codes))
    return VideoHashes(frames, "", "", float(n))


def _to_te(video: VideoHashes) -> str:
    return json.dumps([f"{f.pdq},{f.quality},{f.timestamp_s:.3f}" for f in video.frames])


def bench_matching(
    photos: list[Path], folder: Path, n_videos: int, n_queries: int, n_brute: int
) -> dict[str, Any]:
    from threatexchange.extensions.vpdq.vpdq_index import VPDQIndex

    rng = np.random.default_rng(SEED)
    # Real videos to plant: 5 of 15 s each, from photos not used for hashing.
    planted = [
        hash_video(_encode(photos[50 + 8 * k : 50 + 8 * k + 8], (320, 240), codec="mpeg4"))
        for k in range(5)
    ]
    copy = hash_video(
        _encode(
            photos[50:58],
            (320, 240),
            codec="libvpx",
            fmt="webm",
            bit_rate=150_000,
            out_size=(256, 192),
        )
    )
    clip = hash_video(_encode(photos[60:63], (320, 240), codec="libx264"))
    unrelated = hash_video(_encode(photos[100:108], (320, 240), codec="mpeg4"))
    queries = {"re-encoded copy": copy, "clip of one": clip, "unrelated": unrelated}

    videos: list[VideoHashes] = [_random_video(rng) for _ in range(n_videos)]
    plant_at = sorted(rng.choice(n_videos, size=len(planted), replace=False).tolist())
    for pos, video in zip(plant_at, planted, strict=True):
        videos[pos] = video
    frames = sum(len(v.frames) for v in videos)

    rss0 = _rss_kb()
    sw_build, index = common.timed(lambda: _build_sw(videos))
    rss1 = _rss_kb()
    te_build, te_index = common.timed(
        lambda: VPDQIndex.build(
            ((_to_te(v), i) for i, v in enumerate(videos)),
            query_match_threshold_pct=0.0,
            index_match_threshold_pct=0.0,
        )
    )
    rss2 = _rss_kb()

    out: dict[str, Any] = {
        "videos": n_videos,
        "frames": frames,
        "planted_at": plant_at,
        "build_s": {"shieldwall": sw_build, "threatexchange_vpdq": te_build},
        "rss_growth_mb": {
            "shieldwall": (rss1 - rss0) / 1024,
            "threatexchange_vpdq": (rss2 - rss1) / 1024,
        },
        "queries": {},
    }
    for name, query in queries.items():
        te_json = _to_te(query)
        sw_times, te_times = [], []
        for _ in range(n_queries):
            t, sw_hits = common.timed(lambda q=query: index.search(q, THRESHOLD))
            sw_times.append(t)
            t, te_hits = common.timed(lambda q=te_json: te_index.query(q))
            te_times.append(t)
        sample = videos[:n_brute]
        brute_s, brute = common.timed(
            lambda q=query, s=sample: [match_videos(q, v, THRESHOLD) for v in s]
        )
        brute_hits = {i for i, m in enumerate(brute) if m.query_pct > 0}
        sw_map = {h.video_id: (round(h.query_pct, 1), round(h.target_pct, 1)) for h in sw_hits}
        te_map = {
            m.metadata: (
                round(m.similarity_info.query_match_percent, 1),
                round(m.similarity_info.compared_match_percent, 1),
            )
            for m in te_hits
        }
        out["queries"][name] = {
            "query_frames": len(query.frames),
            "ms_p50": {
                "shieldwall": 1000 * statistics.median(sw_times),
                "threatexchange_vpdq": 1000 * statistics.median(te_times),
                "brute_force_extrapolated": 1000 * brute_s * n_videos / len(sample),
            },
            "hits": {"shieldwall": sw_map, "threatexchange_vpdq": te_map},
            "agree": {str(k): v for k, v in sw_map.items()}
            == {str(k): v for k, v in te_map.items()},
            "brute_force_sample_agrees": brute_hits == {k for k in sw_map if k < n_brute},
        }
    return out


def _build_sw(videos: list[VideoHashes]) -> VideoIndex:
    index = VideoIndex()
    for i, video in enumerate(videos):
        index.add(i, video)
    return index


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--videos", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--brute", type=int, default=1_000)
    args = parser.parse_args()
    photos = common.photo_paths()
    with tempfile.TemporaryDirectory() as tmp:
        hashing, _ = bench_hashing(photos, Path(tmp))
        matching = bench_matching(photos, Path(tmp), args.videos, args.queries, args.brute)

    rows = []
    for r in hashing:
        sw, te, one = (
            r["hashed_fps"][k] for k in ("shieldwall", "threatexchange_vpdq", "vpdq_1_thread")
        )
        rows.append(
            [
                r["video"],
                f"{r['hashed_frames']['shieldwall']} / {r['hashed_frames']['vpdq']}",
                f"{sw:.1f}",
                f"{r['decoded_fps']['shieldwall']:.0f}",
                f"{te:.1f}",
                f"{one:.1f}",
                f"{sw / te:.2f}x",
                f"{sw / one:.2f}x",
                f"{r['distance_to_vpdq']['mean']:.1f} / {r['distance_to_vpdq']['max']}",
            ]
        )
    print("## Video hashing (hashed frames per wall second; decode + PDQ)\n")
    print(
        common.markdown_table(
            [
                "video",
                "frames sw / vpdq",
                "shieldwall fr/s",
                "shieldwall decoded fr/s",
                "TE vPDQ fr/s",
                "vpdq 1-thread fr/s",
                "vs TE",
                "vs vpdq 1-thread",
                "dist to vpdq mean/max",
            ],
            rows,
        )
    )
    m = matching
    print(f"\n## Matching: {m['videos']:,} banked videos, {m['frames']:,} frames\n")
    print(
        common.markdown_table(
            ["", "shieldwall VideoIndex", "TE VPDQIndex (faiss)", "ratio"],
            [
                [
                    "build s",
                    f"{m['build_s']['shieldwall']:.2f}",
                    f"{m['build_s']['threatexchange_vpdq']:.2f}",
                    f"{m['build_s']['threatexchange_vpdq'] / m['build_s']['shieldwall']:.2f}x",
                ],
                [
                    "RSS growth MB",
                    f"{m['rss_growth_mb']['shieldwall']:.0f}",
                    f"{m['rss_growth_mb']['threatexchange_vpdq']:.0f}",
                    "",
                ],
            ]
            + [
                [
                    f"query '{name}' ({q['query_frames']} fr) ms p50",
                    f"{q['ms_p50']['shieldwall']:.2f}",
                    f"{q['ms_p50']['threatexchange_vpdq']:.2f}",
                    f"{q['ms_p50']['threatexchange_vpdq'] / q['ms_p50']['shieldwall']:.1f}x "
                    f"(brute force ~{q['ms_p50']['brute_force_extrapolated']:.0f} ms, extrap.)",
                ]
                for name, q in m["queries"].items()
            ],
        )
    )
    for name, q in m["queries"].items():
        print(
            f"- {name}: shieldwall {q['hits']['shieldwall']} | "
            f"TE {q['hits']['threatexchange_vpdq']}"
            f" | agree={q['agree']} brute-sample-agrees={q['brute_force_sample_agrees']}"
        )
    path = common.write_json(
        "video",
        {"machine": common.machine(), "args": vars(args), "hashing": hashing, "matching": matching},
    )
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
