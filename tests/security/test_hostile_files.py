"""Hostile files through every door: the decoder, ``POST /v1/scan``, the video endpoint and
``shieldwall hash``. Each input gets one clear result (its hashes, or a 4xx / an error line with
a stable code), never a 5xx or a traceback, never a hang, and the CLI stays within a memory cap.

An abusive uploader who can crash the scanner on a platform that fails open gets a known image
through; one who can make a bomb eat the server's memory takes the service down for everyone.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from shieldwall.cli.output import ExitCode
from shieldwall.errors import ImageError
from shieldwall.hashing import decode_image, hash_image_bytes
from tests.security.hostile import Hostile, all_files, base_image, oriented
from tests.security.support import Site

FILES = all_files()
CLI_MEMORY_CAP = 2 * 1024**3
"""Address-space cap for the CLI run over every hostile file (bombs included)."""


@pytest.mark.parametrize("file", FILES, ids=[f.name for f in FILES])
def test_the_decoder_hashes_or_refuses_with_a_code(file: Hostile) -> None:
    try:
        hashes = hash_image_bytes(file.data)
    except ImageError as exc:
        assert not file.decodable, f"{file.name} is a valid image but was refused: {exc.code}"
        assert exc.code and exc.http_status in (413, 415, 422)
        return
    assert len(hashes.pdq) == 64 and len(hashes.sha256) == 64


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "TIFF"])
@pytest.mark.parametrize("k", range(1, 9))
def test_every_orientation_is_hashed_as_displayed(fmt: str, k: int) -> None:
    """A picture stored turned with an orientation tag must hash as a viewer sees it, or an
    uploader could evade a bank entry just by re-tagging the file."""
    data = oriented(k, fmt)
    pixels = decode_image(data, exact=True).pixels
    if fmt == "JPEG":  # lossy: compare with Pillow's own reading of the same bytes
        upright = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    else:
        upright = np.asarray(base_image(96, 64))
    assert pixels.shape == upright.shape
    assert np.array_equal(pixels, upright)


def _clear(response_status: int, content_type: str, body: str) -> str | None:
    if response_status >= 500:
        return f"answered {response_status}"
    if "Traceback" in body:
        return "traceback in the body"
    if response_status >= 400:
        if "application/problem+json" not in content_type:
            return f"{response_status} without problem+json"
        if not json.loads(body).get("code"):
            return f"{response_status} without a code"
    return None


def test_scan_answers_every_hostile_file_clearly(site: Site) -> None:
    headers = site.bearer("scan")
    failures = []
    for n, file in enumerate(FILES):
        for raw in (False, True):
            content_id = f"hostile-{n}-{'raw' if raw else 'form'}"
            if raw:
                response = site.client.post(
                    f"/v1/scan?content_id={content_id}",
                    content=file.data,
                    headers={**headers, "Content-Type": file.content_type},
                )
            else:
                response = site.client.post(
                    "/v1/scan",
                    headers=headers,
                    data={"content_id": content_id},
                    files={"file": (file.name, file.data, file.content_type)},
                )
            problem = _clear(
                response.status_code, response.headers.get("content-type", ""), response.text
            )
            if problem is None and file.decodable and response.status_code != 200:
                problem = f"a valid image answered {response.status_code}: {response.text[:200]}"
            if problem:
                failures.append(f"{file.name} ({'raw' if raw else 'form'}): {problem}")
    assert not failures, "\n".join(failures)


def tiny_video() -> bytes:
    """A 1-second, 64x48 MPEG-4 clip of synthetic frames (PyAV)."""
    import av

    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(10):
            frame = np.asarray(base_image(64, 48).rotate(i * 10))
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def hostile_videos() -> list[Hostile]:
    video = tiny_video()
    found = [Hostile("valid.mp4", video, "video/mp4", decodable=True)]
    for cut in (1, 8, 32, len(video) // 3, len(video) // 2, len(video) - 3):
        found.append(Hostile(f"truncated-{cut}.mp4", video[:cut], "video/mp4"))
    rng = np.random.default_rng(7)
    for n in range(6):
        data = bytearray(video)
        for pos in rng.integers(0, min(len(data), 256 if n % 2 else len(data)), size=1 + n):
            data[int(pos)] ^= 0x5A
        found.append(Hostile(f"bitflip-{n}.mp4", bytes(data), "video/mp4"))
    # Every hostile image file too, sent as if it were a video.
    found += [Hostile(f"as-video-{f.name}", f.data, "video/mp4") for f in FILES[::4]]
    return found


def test_video_match_answers_every_hostile_file_clearly(site: Site) -> None:
    headers = site.bearer("scan")
    failures = []
    for file in hostile_videos():
        response = site.client.post(
            "/v1/videos/match",
            headers=headers,
            files={"file": (file.name, file.data, file.content_type)},
        )
        problem = _clear(
            response.status_code, response.headers.get("content-type", ""), response.text
        )
        if problem is None and file.decodable and response.status_code != 200:
            problem = f"a valid video answered {response.status_code}: {response.text[:200]}"
        if problem:
            failures.append(f"{file.name}: {problem}")
    assert not failures, "\n".join(failures)


def _capped() -> None:  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (CLI_MEMORY_CAP, CLI_MEMORY_CAP))


def test_hash_cli_gives_every_file_one_line_within_a_memory_cap(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    folder.mkdir()
    for n, file in enumerate(FILES):
        (folder / f"{n:03d}-{file.name}").write_bytes(file.data)
    done = subprocess.run(
        [str(Path(sys.executable).parent / "shieldwall"), "hash", "--json", str(folder)],
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=_capped,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode in (ExitCode.OK, ExitCode.INPUT_ERRORS), done.stderr[-3000:]
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    seen = {Path(line["path"]).name: line for line in lines}
    assert len(lines) == len(FILES), sorted({p.name for p in folder.iterdir()} - set(seen))
    for n, file in enumerate(FILES):
        line = seen[f"{n:03d}-{file.name}"]
        if file.decodable and Path(file.name).suffix not in (".txt", ".svg"):
            assert line["error"] is None and line["pdq"], line
        else:
            assert line["pdq"] or line["error"], line
