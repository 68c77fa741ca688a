"""The real ``shieldwall`` command, run as a subprocess the way a user or a script runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageOps

EXE = str(Path(sys.executable).with_name("shieldwall"))


def run(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir)}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    return subprocess.run(
        [EXE, *args], env=env, capture_output=True, text=True, input=stdin, timeout=120
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "state"


def test_hash_json_has_exactly_the_documented_keys(data_dir: Path, photo_paths: list[Path]) -> None:
    result = run(data_dir, "hash", "--json", *map(str, photo_paths[:3]))
    assert result.returncode == 0, result.stderr
    rows = lines(result)
    assert len(rows) == 3
    for row in rows:
        assert set(row) == {"path", "pdq", "quality", "md5", "sha256", "error"}
        assert len(row["pdq"]) == 64 and row["error"] is None
        assert 0 <= row["quality"] <= 100


def test_a_folder_of_broken_files_reports_each_and_hashes_the_rest(
    tmp_path: Path, data_dir: Path, photo_paths: list[Path]
) -> None:
    folder = tmp_path / "mixed"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(photo_paths[0], folder / "good.jpg")
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "upload-0017").write_text("not an image, and no suffix to say so")
    data = photo_paths[1].read_bytes()
    (folder / "nested" / "truncated.png").write_bytes(data[: len(data) // 3])
    result = run(data_dir, "hash", "--json", str(folder))
    assert result.returncode == 3  # some inputs failed, the others were processed
    by_name = {Path(r["path"]).name: r for r in lines(result)}
    assert by_name["good.jpg"]["error"] is None and by_name["good.jpg"]["pdq"]
    assert by_name["empty.jpg"]["error"] == "empty_file"
    assert by_name["upload-0017"]["error"] == "not_an_image"
    assert by_name["truncated.png"]["error"] in {"truncated_image", "corrupt_image"}


def test_bank_import_match_withdraw_export_round_trip(
    tmp_path: Path, data_dir: Path, photo_paths: list[Path]
) -> None:
    assert run(data_dir, "db", "upgrade").returncode == 0
    assert run(data_dir, "bank", "create", "victims", "--purpose", "victim").returncode == 0
    hashed = lines(run(data_dir, "hash", "--json", *map(str, photo_paths[:4])))
    csv_file = tmp_path / "import.csv"
    rows = ["signal_type,value,category,case_id"]
    rows += [f"pdq,{h['pdq']},ncii,case-{i}" for i, h in enumerate(hashed)]
    rows.insert(2, "pdq,not-a-hash,ncii,bad")
    rows.append("sha999,abc,,")
    csv_file.write_text("\n".join(rows) + "\n")

    first = run(data_dir, "bank", "import", "victims", str(csv_file), "--json")
    assert first.returncode == 3
    out = lines(first)
    errors = [o["error"] for o in out if "error" in o]
    assert [e["line"] for e in errors] == [3, 7]
    summary = {k: v for k, v in out[-1].items() if k != "retro_hunt"}
    assert summary == {
        "bank": "victims",
        "added": 4,
        "unchanged": 0,
        "withdrawn": 0,
        "deleted": 0,
        "kept": 0,
        "unknown": 0,
        "errors": 2,
    }
    again = lines(run(data_dir, "bank", "import", "victims", str(csv_file), "--json"))
    assert again[-1]["added"] == 0 and again[-1]["unchanged"] == 4  # idempotent

    copy = tmp_path / "copy.jpg"
    Image.open(photo_paths[0]).convert("RGB").save(copy, "JPEG", quality=60)
    other = tmp_path / "other.jpg"
    Image.open(photo_paths[5]).convert("RGB").save(other, "JPEG")
    matched = run(data_dir, "match", "--json", "--fail-on-match", str(copy), str(other))
    assert matched.returncode == 1
    result = {Path(r["path"]).name: r for r in lines(matched)}
    assert result["other.jpg"]["matches"] == []
    hit = result["copy.jpg"]["matches"][0]
    assert set(hit) >= {"bank", "entry_id", "signal_type", "distance"}
    assert hit["bank"] == "victims" and hit["signal_type"] == "pdq" and hit["distance"] <= 31

    withdrawn = run(data_dir, "bank", "withdraw", "victims", "--entry-id", str(hit["entry_id"]))
    assert withdrawn.returncode == 0, withdrawn.stderr
    after = lines(run(data_dir, "match", "--json", str(copy)))
    assert after[0]["matches"] == []

    exported = run(data_dir, "bank", "export", "victims", "--format", "csv")
    assert exported.returncode == 0
    rows = exported.stdout.strip().splitlines()
    assert len(rows) == 1 + 4  # header + every entry, the withdrawal included
    assert sorted(r.rsplit(",", 1)[1] for r in rows[1:]) == ["active"] * 3 + ["withdrawn"]
    active = run(data_dir, "bank", "export", "victims", "--format", "csv", "--active-only")
    assert len(active.stdout.strip().splitlines()) == 1 + 3
    listed = lines(run(data_dir, "bank", "list", "--json"))
    assert listed[0]["name"] == "victims" and listed[0]["active_entries"] == 3


def test_match_finds_nothing_against_an_empty_store_and_exits_zero(
    data_dir: Path, photo_paths: list[Path]
) -> None:
    result = run(data_dir, "match", "--json", str(photo_paths[0]))
    assert result.returncode == 0
    assert lines(result)[0]["matches"] == []


def test_mistakes_get_clear_messages_and_exit_codes(data_dir: Path, tmp_path: Path) -> None:
    missing = run(data_dir, "bank", "show", "nope")
    assert missing.returncode == 4 and "bank_not_found" in missing.stderr
    run(data_dir, "bank", "create", "b1")
    dup = run(data_dir, "bank", "create", "b1")
    assert dup.returncode == 5 and "bank_exists" in dup.stderr
    bad_hash = run(data_dir, "bank", "add", "b1", "--pdq", "xyz")
    assert bad_hash.returncode == 3 and "invalid_hash" in bad_hash.stderr
    no_file = run(data_dir, "bank", "import", "b1", str(tmp_path / "absent.csv"))
    assert no_file.returncode == 4


def test_snapshot_then_restart_sees_later_changes(
    data_dir: Path, photo_paths: list[Path], tmp_path: Path
) -> None:
    run(data_dir, "bank", "create", "v", "--purpose", "victim")
    run(data_dir, "bank", "add", "v", str(photo_paths[0]))
    snap = lines(run(data_dir, "index", "snapshot", "--json"))
    assert snap[0]["entries"] == 3  # pdq + md5 + sha256
    run(data_dir, "bank", "add", "v", str(photo_paths[1]))  # after the snapshot
    flipped = tmp_path / "flipped.png"
    ImageOps.mirror(Image.open(photo_paths[1]).convert("RGB")).save(flipped)
    out = lines(run(data_dir, "match", "--json", str(photo_paths[1])))
    assert {m["signal_type"] for m in out[0]["matches"]} == {"pdq", "md5", "sha256"}


def test_a_flipped_and_padded_copy_matches_and_says_how(
    data_dir: Path, photo_paths: list[Path], tmp_path: Path
) -> None:
    run(data_dir, "bank", "create", "v", "--purpose", "victim")
    original = photo_paths[0]
    run(
        data_dir,
        "bank",
        "add",
        "v",
        "--pdq",
        lines(run(data_dir, "hash", "--json", str(original)))[0]["pdq"],
    )
    image = Image.open(original).convert("RGB")
    flipped = tmp_path / "flipped.jpg"
    ImageOps.mirror(image).save(flipped, "JPEG", quality=80)
    padded = tmp_path / "padded.png"
    ImageOps.expand(image, border=image.width // 8, fill="black").save(padded)
    robust = {
        Path(r["path"]).name: r
        for r in lines(run(data_dir, "match", "--json", str(flipped), str(padded)))
    }
    assert robust["flipped.jpg"]["matches"][0]["variant"] == "flip_horizontal"
    assert robust["padded.png"]["matches"][0]["variant"] in {"frame_removed"} or robust[
        "padded.png"
    ]["matches"][0]["variant"].startswith("border_removed")
    plain = lines(run(data_dir, "match", "--json", "--plain", str(flipped), str(padded)))
    assert [r["matches"] for r in plain] == [[], []]
