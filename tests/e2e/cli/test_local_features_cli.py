"""The local-features stage through the real ``shieldwall`` command: ``bank add`` of a photo
stores its ORB keypoints, and an off-centre crop of it (which no PDQ hash or region of the
entry meets) is found "via local features" once the stage is on
(``SHIELDWALL_LOCAL_FEATURES=true``); a different photo is not, and with the stage off (the
default) the crop is not found either."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

EXE = str(Path(sys.executable).with_name("shieldwall"))


def run(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir), **env}
    full.pop("SHIELDWALL_DATABASE_URL", None)
    return subprocess.run([EXE, *args], env=full, capture_output=True, text=True, timeout=120)


def lines(result: subprocess.CompletedProcess[str]) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_an_off_centre_crop_is_found_via_local_features_and_a_different_photo_is_not(
    tmp_path: Path, data_dir: Path, photo_paths: list[Path]
) -> None:
    castle = next(p for p in photo_paths if "castle" in p.name)
    other = next(p for p in photo_paths if "bridge" in p.name)
    assert run(data_dir, "bank", "create", "v", "--purpose", "victim").returncode == 0
    added = run(data_dir, "bank", "add", "v", str(castle), "--json")
    assert added.returncode == 0, added.stderr
    assert lines(added)[0]["local_features"] == 1

    with Image.open(castle) as im:
        w, h = im.size
        crop = im.convert("RGB").crop((int(0.4 * w), int(0.05 * h), w, int(0.65 * h)))
    cropped = tmp_path / "crop.jpg"
    crop.save(cropped, quality=85)

    on = {"SHIELDWALL_LOCAL_FEATURES": "true"}
    (found,) = lines(run(data_dir, "match", "--json", str(cropped), **on))
    assert [m["bank"] for m in found["matches"]] == ["v"], found
    assert found["matches"][0]["variant"].startswith("local_features(")
    assert any("matched via local features (" in n for n in found["notes"])

    (unrelated,) = lines(run(data_dir, "match", "--json", str(other), **on))
    assert unrelated["matches"] == []

    off = lines(run(data_dir, "match", "--json", str(cropped)))
    assert off[0]["matches"] == []  # off by default: its cost is the platform's choice


def test_bank_add_without_local_features_stores_none(
    data_dir: Path, photo_paths: list[Path]
) -> None:
    assert run(data_dir, "bank", "create", "v").returncode == 0
    added = run(data_dir, "bank", "add", "v", str(photo_paths[0]), "--no-local-features", "--json")
    assert added.returncode == 0, added.stderr
    assert lines(added)[0]["local_features"] == 0


def test_a_flat_image_stores_no_keypoints_and_a_noise_flood_matches_nothing(
    tmp_path: Path, data_dir: Path, photo_paths: list[Path]
) -> None:
    import numpy as np

    flat = tmp_path / "flat.png"
    Image.new("RGB", (800, 600), (90, 90, 90)).save(flat)
    noise = tmp_path / "noise.png"
    rng = np.random.default_rng(5)
    Image.fromarray(rng.integers(0, 256, (2500, 2500, 3), dtype=np.uint8)).save(noise)
    assert run(data_dir, "bank", "create", "v").returncode == 0
    added = run(data_dir, "bank", "add", "v", str(flat), str(photo_paths[0]), "--json")
    assert added.returncode == 0, added.stderr
    assert lines(added)[0]["local_features"] == 1  # the photo's; the flat image has none
    stage_on = {"SHIELDWALL_LOCAL_FEATURES": "true"}
    matched = lines(run(data_dir, "match", "--json", str(noise), str(flat), **stage_on))
    assert [m["path"] for m in matched] == [str(noise), str(flat)]
    local = [x for m in matched for x in m["matches"] if x.get("variant", "").startswith("local_")]
    assert local == []
