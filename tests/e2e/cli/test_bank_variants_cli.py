"""Bank-side variants through the real ``shieldwall`` command: ``bank add`` of an image stores
its region hashes (unless ``--no-variants``), a JSON Lines import carries them (a bad
variants list is one line's error), and a border-cropped copy of a banked photo matches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from shieldwall.hashing import decode_image
from shieldwall.hashing.robust import bank_variants

EXE = str(Path(sys.executable).with_name("shieldwall"))


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir)}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    return subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=120)


def lines(result: subprocess.CompletedProcess[str]) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_bank_add_of_an_image_stores_its_region_hashes_unless_told_not_to(
    data_dir: Path, photo_paths: list[Path]
) -> None:
    assert run(data_dir, "bank", "create", "v", "--purpose", "victim").returncode == 0
    photo = photo_paths[0]
    expected = len(bank_variants(decode_image(photo.read_bytes())))
    assert expected >= 1

    added = run(data_dir, "bank", "add", "v", str(photo), "--json")
    assert added.returncode == 0, added.stderr
    (summary,) = lines(added)
    assert summary["added"] == 3 and summary["variants"] == expected

    human = run(data_dir, "bank", "add", "v", str(photo_paths[1]))
    assert human.returncode == 0, human.stderr
    assert "3 added" in human.stdout
    assert "region hashes (variants) stored with 1 of 1 images' PDQ entries" in human.stdout

    plain = run(data_dir, "bank", "add", "v", str(photo_paths[2]), "--no-variants", "--json")
    assert plain.returncode == 0, plain.stderr
    assert lines(plain)[0]["variants"] == 0

    # Hashes given as text have no image to take regions from.
    given = run(data_dir, "bank", "add", "v", "--pdq", "ab" * 32, "--json")
    assert lines(given)[0]["variants"] == 0


def test_jsonl_import_stores_variants_and_reports_a_bad_list_by_line(
    tmp_path: Path, data_dir: Path
) -> None:
    assert run(data_dir, "bank", "create", "v").returncode == 0
    records = [
        {
            "signal_type": "pdq",
            "value": "ab" * 32,
            "variants": [{"name": "crop(center,80%)", "pdq": "cd" * 32}],
        },
        {"signal_type": "pdq", "value": "ef" * 32, "variants": [{"name": "x", "pdq": "nothex"}]},
        {"signal_type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"},
    ]
    path = tmp_path / "partner.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    result = run(data_dir, "bank", "import", "v", str(path), "--json")
    assert result.returncode == 3  # some lines failed, the others were imported
    out = lines(result)
    (error,) = [o["error"] for o in out if "error" in o]
    assert error["line"] == 2 and error["code"] == "invalid_hash"
    assert error["message"] == "variants[0].pdq: pdq hash must be 64 hex characters"
    counts = {k: out[-1][k] for k in ("bank", "added", "unchanged", "errors")}
    assert counts == {"bank": "v", "added": 2, "unchanged": 0, "errors": 1}

    # Only the store knows an entry already holds variants: 1 stored + 16 new is over the
    # cap, and that too is one line's error while the rest of the file is imported.
    more = [
        {"signal_type": "pdq", "value": "12" * 32},
        {
            "signal_type": "pdq",
            "value": "ab" * 32,
            "variants": [{"name": f"region-{i}", "pdq": "cd" * 32} for i in range(16)],
        },
        {"signal_type": "pdq", "value": "34" * 32},
    ]
    again = tmp_path / "more.jsonl"
    again.write_text("".join(json.dumps(r) + "\n" for r in more))
    result = run(data_dir, "bank", "import", "v", str(again), "--json")
    assert result.returncode == 3, result.stderr
    out = lines(result)
    (error,) = [o["error"] for o in out if "error" in o]
    assert error["line"] == 2 and "at most 16" in error["message"]
    counts = {k: out[-1][k] for k in ("bank", "added", "unchanged", "errors")}
    assert counts == {"bank": "v", "added": 2, "unchanged": 0, "errors": 1}


def _border_cropped(photo: Path, out: Path, cut: float) -> Path:
    """A copy with ``cut`` of each dimension removed, half from each border."""
    image = Image.open(photo).convert("RGB")
    w, h = image.size
    dx, dy = round(w * cut / 2), round(h * cut / 2)
    image.crop((dx, dy, w - dx, h - dy)).save(out, "JPEG", quality=90)
    return out


def test_a_20_percent_border_crop_of_a_banked_photo_matches_through_its_variants(
    tmp_path: Path, data_dir: Path, photo_paths: list[Path]
) -> None:
    photo = photo_paths[0]
    cropped = _border_cropped(photo, tmp_path / "cropped.jpg", 0.20)
    run(data_dir, "bank", "create", "plain", "--purpose", "victim")
    run(data_dir, "bank", "create", "regions", "--purpose", "victim")
    assert run(data_dir, "bank", "add", "plain", str(photo), "--no-variants").returncode == 0
    added = run(data_dir, "bank", "add", "regions", str(photo), "--json")
    assert added.returncode == 0 and lines(added)[0]["variants"] >= 1
    pdq_id = lines(added)[0]["entry_ids"][0]

    (out,) = lines(run(data_dir, "match", "--json", str(cropped)))
    pdq_hits = [m for m in out["matches"] if m["signal_type"] == "pdq"]
    # The plain hash alone does not survive losing a fifth of the picture; a region does.
    assert [m["bank"] for m in pdq_hits] == ["regions"]
    (hit,) = pdq_hits
    assert hit["entry_id"] == pdq_id
    assert "@bank:crop(center," in hit["variant"]

    table = run(data_dir, "match", str(cropped))
    assert "regions" in table.stdout and "1 matched" in table.stdout
