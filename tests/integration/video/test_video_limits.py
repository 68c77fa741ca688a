"""The video endpoints honour the documented media limits, in both directions.

- Frames have a pixel limit read from the stream header: before it, a 395 KB 16384x8192
  video took 2.8 GB to decode. Now it answers 413 ``decompression_bomb`` and nothing is
  decoded or banked (shown here with the limit lowered below the test clip's frames).
- The body cap for video uploads is ``max_upload_bytes`` (50 MB by default), as
  documented; before, every video over 8 MiB met the JSON body cap.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose
from tests.integration.video.conftest import bearer
from tests.integration.video.video_clips import Clips


def _client(database_url: str, tmp_path: Path, **settings: object) -> Iterator[TestClient]:
    rt = Runtime.open(
        load_settings(data_dir=tmp_path / "data", database_url=database_url, **settings),
        migrate=True,
    )
    rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    with TestClient(create_app(runtime=rt, warm_signals=False)) as client:
        client.app.state.test_runtime = rt  # type: ignore[attr-defined]
        yield client
    rt.close()


@pytest.fixture
def small_frames(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    # The test clips are 160x120 (19,200 pixels) per frame.
    yield from _client(database_url, tmp_path, max_video_frame_pixels=10_000)


@pytest.fixture
def default_limits(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    yield from _client(database_url, tmp_path)


def _rt(client: TestClient) -> Runtime:
    rt: Runtime = client.app.state.test_runtime  # type: ignore[attr-defined]
    return rt


def test_frames_over_the_pixel_limit_are_refused_and_nothing_is_banked(
    small_frames: TestClient, clips: Clips
) -> None:
    rt = _rt(small_frames)
    files = {"file": ("v.mp4", clips.original.read_bytes(), "video/mp4")}
    banked = small_frames.post(
        "/v1/banks/victims/videos", files=files, headers=bearer(rt, "banks:write")
    )
    assert banked.status_code == 413, banked.text
    assert banked.headers["content-type"].startswith("application/problem+json")
    assert banked.json()["code"] == "decompression_bomb"
    assert "160x120" in banked.json()["detail"]
    matched = small_frames.post("/v1/videos/match", files=files, headers=bearer(rt, "scan"))
    assert matched.status_code == 413 and matched.json()["code"] == "decompression_bomb"
    assert rt.banks.get_bank(name="victims").active_entries == 0


def test_a_video_over_8_mib_within_the_documented_limit_is_accepted(
    default_limits: TestClient, clips: Clips
) -> None:
    rt = _rt(default_limits)
    # A real clip padded past 8 MiB: FFmpeg ignores the trailing bytes after the MP4 boxes.
    data = clips.trimmed.read_bytes() + b"\0" * (9 * 1024 * 1024)
    assert 8 * 1024 * 1024 < len(data) < rt.settings.max_upload_bytes
    files = {"file": ("big.mp4", data, "video/mp4")}
    banked = default_limits.post(
        "/v1/banks/victims/videos", files=files, headers=bearer(rt, "banks:write")
    )
    assert banked.status_code == 201, banked.text
    matched = default_limits.post("/v1/videos/match", files=files, headers=bearer(rt, "scan"))
    assert matched.status_code == 200, matched.text
    assert matched.json()["matched"]


def test_a_video_over_the_upload_limit_is_413(default_limits: TestClient) -> None:
    rt = _rt(default_limits)
    data = b"\0" * (rt.settings.max_upload_bytes + 128 * 1024)
    response = default_limits.post(
        "/v1/videos/match",
        files={"file": ("huge.mp4", data, "video/mp4")},
        headers=bearer(rt, "scan"),
    )
    assert response.status_code == 413
    assert response.json()["code"] in ("payload_too_large", "file_too_large")
