"""Benchmark: the heavy detectors per image on one core, and all of them together per image.

Runs each heavy signal (nudity, faces, watermark, intimate_real_person) on a ~1 MP JPEG made
from the benchmark photos (a fresh ``SignalInput`` each time, so no answer is reused across
images), then all four through ``run_signals`` as the scan path (before) or the worker's
``detect`` stage (after) runs them: that figure is the detector stage's images/s/core.
Pinned to one core with one BLAS/onnxruntime thread. Run it against two checkouts to compare
(``PYTHONPATH=<old>/src python bench/bench_detectors.py``); writes bench/out/detectors.json.
"""

# ruff: noqa: I001  (common pins BLAS threads, so it comes before numpy)
from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

import common

from bench_service import make_jpeg


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--core", type=int, default=0)
    parser.add_argument("--name", default="detectors")
    args = parser.parse_args()
    os.sched_setaffinity(0, {args.core})

    from shieldwall.hashing import decode_image
    from shieldwall.signals.base import SignalInput
    from shieldwall.signals.faces import shared_faces
    from shieldwall.signals.intimate import IntimateRealPersonSignal
    from shieldwall.signals.nudity import shared_nudity
    from shieldwall.signals.runner import run_signals
    from shieldwall.signals.watermark import WatermarkSignal

    jpeg, described = make_jpeg()
    decoded = decode_image(jpeg)
    signals = [shared_nudity(), shared_faces(), WatermarkSignal(), IntimateRealPersonSignal()]

    def item() -> Any:
        return SignalInput(media=jpeg, pixels=decoded.pixels, media_type="image/jpeg")

    for s in signals:  # load the models outside the timings
        s.evaluate(item())
    out: dict[str, Any] = {"image": described, "load_average_before": os.getloadavg()}
    for s in signals:
        times = []
        for _ in range(args.runs):
            began = time.process_time()
            s.evaluate(item())
            times.append((time.process_time() - began) * 1000)
        out[s.name] = round(statistics.median(times), 1)
    times = []
    for _ in range(args.runs):
        began = time.process_time()
        results = run_signals(signals, item(), budget_ms=120_000)
        times.append((time.process_time() - began) * 1000)
        assert not [r for r in results if r.error], results
    out["all_four_ms"] = round(statistics.median(times), 1)
    out["images_per_s_per_core"] = round(1000 / out["all_four_ms"], 2)
    out["load_average_after"] = os.getloadavg()
    out["code"] = common.code_version()
    rows = [[k, v] for k, v in out.items() if isinstance(v, float)]
    print(common.markdown_table(["detector (CPU ms per image, median)", "value"], rows))
    print(f"wrote {common.write_json(args.name, out)}")


if __name__ == "__main__":
    main()
