"""The README's quick start: ``shieldwall demo`` (what ``make run`` starts) serves a demo bank
that a real HTTP client can scan against, and the bank holds each photo's region hashes, so a
cropped copy of a demo photo is found too."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.e2e.serve.serve_support import wait_ready


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.mark.slow
def test_demo_server_finds_a_cropped_copy_of_a_demo_photo(
    photos_dir: Path, photo_paths: list[Path], tmp_path: Path
) -> None:
    port = _free_port()
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(tmp_path / "data")}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    log_path = tmp_path / "demo.log"
    with log_path.open("w") as log:
        command = [str(Path(sys.executable).parent / "shieldwall"), "demo"]
        command += ["--photos", str(photos_dir), "--port", str(port), "--no-worker"]
        proc = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_ready(proc, base, log_path, timeout=120)
            printed = log_path.read_text()
            assert f"Victims:  {base}/report" in printed
            key = re.search(r"API key:\s+(\S+)", printed)
            assert key is not None, printed

            photo = Image.open(next(p for p in photo_paths if "castle" in p.name)).convert("RGB")
            w, h = photo.size
            cropped = photo.crop((w // 10, h // 10, w - w // 10, h - h // 10))  # 20% crop
            response = httpx.post(
                f"{base}/v1/scan",
                headers={"Authorization": f"Bearer {key.group(1)}"},
                files={"file": ("copy.png", _png(cropped), "image/png")},
                data={"content_id": "quickstart-crop"},
                timeout=60,
            )
            assert response.status_code == 200, response.text
            body = response.json()
            pdq = [m for m in body["matches"] if m["signal_type"] == "pdq"]
            assert pdq, body
            assert "@bank:" in pdq[0]["variant"]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _children(pid: int) -> set[int]:
    """The pids whose parent is ``pid`` (read from /proc, as ``pgrep -P`` does)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
def test_sigterm_stops_the_demo_and_its_worker(photos_dir: Path, tmp_path: Path) -> None:
    """``kill``, ``timeout`` and process managers stop a program with SIGTERM: the demo's
    worker must stop with it, not run on orphaned against the demo's data directory."""
    port = _free_port()
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(tmp_path / "data")}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    command = [str(Path(sys.executable).parent / "shieldwall"), "demo"]
    command += ["--photos", str(photos_dir), "--port", str(port)]
    log_path = tmp_path / "demo.log"
    workers: set[int] = set()
    with log_path.open("w") as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(proc, f"http://127.0.0.1:{port}", log_path, timeout=120)
            workers = _children(proc.pid)
            assert workers, "the demo started no worker"
            proc.terminate()
            assert proc.wait(timeout=30) != 0
            deadline = time.monotonic() + 20
            while any(_alive(w) for w in workers) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not any(_alive(w) for w in workers), log_path.read_text()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            for orphan in (w for w in workers if _alive(w)):  # a failed run cleans up
                os.kill(orphan, signal.SIGKILL)
