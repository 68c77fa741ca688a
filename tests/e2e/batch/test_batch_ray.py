"""``shieldwall batch`` on a real Ray cluster: a corpus scan killed half-way decides each item once.

Issue 18's promise: a corpus scan killed half-way (``kill -9``) and restarted neither skips
nor repeats an item. The real CLI runs as a subprocess joined (``--address``) to one local
Ray cluster started for this module (2 CPUs, no dashboard: Ray's start-up is paid once),
over a tree of the benign test photos, generated images, planted copies and one broken file.
The database is then read directly: every good file has exactly one item and one decision,
and the audit chain verifies.
"""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.e2e.batch.ray_cluster import local_ray
from tests.e2e.batch.stored import count, decisions_per_item, kill_after_stored
from tests.e2e.cli.test_cli_e2e import EXE, lines

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """One local Ray for the module; the CLI joins it, and it stops with the module."""
    with local_ray() as address:
        yield address


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, photo_paths: list[Path]) -> Path:
    """photos/ (the test photos), gen/a, gen/b (generated images), planted/ (copies of
    photos 0 and 1 re-encoded and resized), broken.jpg (not an image), and a symbolic link
    out of the tree (photos/link-out.png)."""
    root = tmp_path_factory.mktemp("corpus")
    (root / "photos").mkdir()
    for p in photo_paths:
        (root / "photos" / p.name).write_bytes(p.read_bytes())
    rng = np.random.default_rng(18)
    for sub in ("a", "b"):
        (root / "gen" / sub).mkdir(parents=True)
        for i in range(12):
            # Smooth random gradients: PDQ quality is high enough to be decided on.
            small = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
            image = Image.fromarray(small).resize((96, 96), Image.Resampling.BICUBIC)
            (root / "gen" / sub / f"g{i:02d}.png").write_bytes(_png(image))
    (root / "planted").mkdir()
    with Image.open(photo_paths[0]) as im:
        (root / "planted" / "copy-of-0.png").write_bytes(_png(im.convert("RGB")))
    with Image.open(photo_paths[1]) as im:
        small = im.convert("RGB").resize((im.width // 2, im.height // 2))
        (root / "planted" / "smaller-1.png").write_bytes(_png(small))
    (root / "broken.jpg").write_bytes(b"this is not a jpeg")
    # An abuser who can write into the scanned tree links to a file outside it (another
    # tenant's upload, a secret): the walk must not read it, so no item is stored for it.
    outside = tmp_path_factory.mktemp("outside") / "not-yours.png"
    outside.write_bytes(_png(Image.new("RGB", (64, 64), (200, 30, 30))))
    (root / "photos" / "link-out.png").symlink_to(outside)
    return root


def _good_ids(corpus: Path) -> set[str]:
    return {
        p.relative_to(corpus).as_posix()
        for p in corpus.rglob("*")
        if p.is_file() and not p.is_symlink() and p.name != "broken.jpg"
    }


def _env(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir)}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    return env


def _batch(data_dir: Path, address: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, "batch", *args, "--address", address, "--json"],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory, corpus: Path, ray_address: str
) -> tuple[Path, int, list[dict[str, object]]]:
    """The corpus scanned by a CLI killed with SIGKILL after its first batches committed,
    then by a second CLI to the end: (data dir, items stored at the kill, second run's lines)."""
    data_dir = tmp_path_factory.mktemp("state")
    db = data_dir / "shieldwall.db"
    command = [EXE, "batch", "scan", str(corpus), "--address", ray_address, "--batch-size", "2"]
    stored = kill_after_stored([*command, "--json"], _env(data_dir), db)
    second = _batch(data_dir, ray_address, "scan", str(corpus), "--batch-size", "8")
    assert second.returncode == 3, second.stderr  # 3: one file (broken.jpg) failed
    return data_dir, stored, lines(second)


def test_a_scan_killed_half_way_and_restarted_decides_every_item_exactly_once(
    scanned: tuple[Path, int, list[dict[str, object]]], corpus: Path
) -> None:
    data_dir, at_kill, out = scanned
    good = _good_ids(corpus)
    assert 0 < at_kill < len(good), "the kill did not land half-way"
    per_item = decisions_per_item(data_dir / "shieldwall.db")
    assert set(per_item) == good  # nothing skipped, nothing extra (not the link out)
    assert set(per_item.values()) == {1}  # nothing decided twice
    *rows, summary = out
    assert summary["summary"]["decided"] == len(good) - at_kill
    assert summary["summary"]["already_decided"] == at_kill
    assert summary["summary"]["errors"] == {"not_an_image": 1}
    # The summary says where the time went, so Ray's fixed cost shows apart from its rate.
    assert summary["summary"]["seconds"]["scanning"] > 0
    assert summary["summary"]["seconds"]["ray_start"] >= 0
    assert [r for r in rows if "error" in r] == [
        {"path": str(corpus / "broken.jpg"), "content_id": "broken.jpg", "error": "not_an_image"}
    ]
    # Only the files the killed run had not stored were hashed and decided again.
    assert {r["content_id"] for r in rows if "error" not in r} == good - _first_run_ids(
        data_dir, at_kill
    )


def _first_run_ids(data_dir: Path, at_kill: int) -> set[str]:
    con = sqlite3.connect(f"file:{data_dir / 'shieldwall.db'}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT content_id FROM items ORDER BY id LIMIT ?", (at_kill,))
        return {str(r[0]) for r in rows}
    finally:
        con.close()


def test_the_audit_chain_verifies_after_the_kill(
    scanned: tuple[Path, int, list[dict[str, object]]],
) -> None:
    data_dir, _, _ = scanned
    verified = subprocess.run(
        [EXE, "audit", "verify", "--json"],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_third_run_finds_nothing_left_to_decide(
    scanned: tuple[Path, int, list[dict[str, object]]], corpus: Path, ray_address: str
) -> None:
    data_dir, _, _ = scanned
    again = _batch(data_dir, ray_address, "scan", str(corpus))
    *_, summary = lines(again)
    assert summary["summary"]["decided"] == 0
    assert summary["summary"]["already_decided"] == len(_good_ids(corpus))
    assert set(decisions_per_item(data_dir / "shieldwall.db").values()) == {1}


def test_retro_hunt_of_a_bank_finds_the_planted_copies_and_decides_them_once(
    scanned: tuple[Path, int, list[dict[str, object]]],
    photo_paths: list[Path],
    ray_address: str,
) -> None:
    data_dir, _, _ = scanned
    env = _env(data_dir)
    for args in (
        ["bank", "create", "victims", "--purpose", "victim"],
        ["bank", "add", "victims", str(photo_paths[0])],
    ):
        made = subprocess.run([EXE, *args], env=env, capture_output=True, text=True, timeout=120)
        assert made.returncode == 0, made.stderr
    before = count(data_dir / "shieldwall.db", "SELECT COUNT(*) FROM decisions")
    hunt = _batch(data_dir, ray_address, "retro-hunt", "--bank", "victims", "--shards", "2")
    assert hunt.returncode == 0, hunt.stderr
    *hits, summary = lines(hunt)
    hit_ids = {h["item_id"] for h in hits}
    names = _content_ids(data_dir, hit_ids)
    assert {"planted/copy-of-0.png", f"photos/{photo_paths[0].name}"} <= names
    assert not any(n.startswith("gen/") for n in names)
    assert summary["summary"]["shards"] == 2
    assert summary["summary"]["remembered"] == len(decisions_per_item(data_dir / "shieldwall.db"))
    # `bank add` already hunted these items: the batch hunt's decision ids are the same
    # (derived from item and entries), so nothing is decided a second time.
    assert count(data_dir / "shieldwall.db", "SELECT COUNT(*) FROM decisions") == before


def test_retro_hunt_of_a_new_hash_list_reports_the_copies_and_decides_nothing(
    scanned: tuple[Path, int, list[dict[str, object]]],
    photo_paths: list[Path],
    tmp_path: Path,
    ray_address: str,
) -> None:
    data_dir, _, _ = scanned
    hashed = subprocess.run(
        [EXE, "hash", "--json", str(photo_paths[1])], capture_output=True, text=True, timeout=60
    )
    pdq = json.loads(hashed.stdout)["pdq"]
    listing = tmp_path / "list.csv"
    listing.write_text(f"signal_type,value\npdq,{pdq}\npdq,not-a-hash\n")
    before = count(data_dir / "shieldwall.db", "SELECT COUNT(*) FROM decisions")
    hunt = _batch(data_dir, ray_address, "retro-hunt", "--hashes", str(listing), "-t", "31")
    assert hunt.returncode == 0, hunt.stderr
    *hits, summary = lines(hunt)
    assert {h["content_id"] for h in hits} == {
        "planted/smaller-1.png",
        f"photos/{photo_paths[1].name}",
    }
    assert summary["summary"]["bad_lines"] == 1
    assert count(data_dir / "shieldwall.db", "SELECT COUNT(*) FROM decisions") == before


def _content_ids(data_dir: Path, ids: set[object]) -> set[str]:
    con = sqlite3.connect(f"file:{data_dir / 'shieldwall.db'}?mode=ro", uri=True)
    try:
        marks = ",".join("?" * len(ids))
        rows = con.execute(f"SELECT content_id FROM items WHERE id IN ({marks})", list(ids))
        return {str(r[0]) for r in rows}
    finally:
        con.close()


def test_without_the_ray_extra_the_command_says_how_to_install_it(tmp_path: Path) -> None:
    """A Python where ``import ray`` fails (a shadowing package) gets exit 10 and the pip line."""
    shadow = tmp_path / "shadow" / "ray"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named ray')\n")
    env = _env(tmp_path / "state")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(shadow.parent), *filter(None, [env.get("PYTHONPATH")])]
    )
    done = subprocess.run(
        [EXE, "batch", "scan", str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 10, done.stderr
    assert "pip install 'shieldwall[ray]'" in " ".join(done.stderr.split())  # Rich wraps lines
    assert "Traceback" not in done.stderr


def test_a_source_that_is_not_a_folder_is_a_usage_error_whatever_its_name(
    tmp_path: Path,
) -> None:
    """Brackets in the name are printed as they are (not taken as Rich markup)."""
    done = subprocess.run(
        [EXE, "batch", "scan", str(tmp_path / "nope[/x]")],
        env=_env(tmp_path / "state"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "not a folder" in done.stderr and "nope[/x]" in done.stderr
    assert "Traceback" not in done.stderr
