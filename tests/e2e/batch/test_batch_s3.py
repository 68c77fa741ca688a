"""``shieldwall batch scan s3://…`` against a real S3-compatible HTTP server on loopback.

moto's ``ThreadedS3ServerServer`` serves S3 over HTTP on a port the OS chose; the real CLI runs
as a subprocess with ``--endpoint-url`` pointing at it and joins one local Ray cluster
started for this module, whose workers read the objects themselves with boto3 (they
inherit this process's fake AWS credentials, as every Ray node of a real cluster needs
its own). No Python-level mock: every listing and read is an HTTP request to the server.

What is held here, as for folders (tests/e2e/batch/test_batch_ray.py): a planted copy of a
banked photo in a bucket is matched; a scan killed with SIGKILL half-way and restarted
decides every object exactly once; every bad object (not an image, empty, too large, odd
keys) gets its own error line or is scanned under its exact key, never skipped silently;
a bucket that does not exist, refused credentials or an endpoint that does not answer end
the command with one clear error and no traceback; a flood of non-image keys spread over
several listing pages is reported object by object.
"""

from __future__ import annotations

import io
import os
import resource
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import free_port
from tests.e2e.batch.ray_cluster import local_ray
from tests.e2e.batch.stored import count, decisions_per_item, kill_after_stored
from tests.e2e.cli.test_cli_e2e import EXE, lines
from tests.s3_server import S3Server, s3_server

pytestmark = pytest.mark.slow

MAX_BYTES = 1_000_000
"""SHIELDWALL_MAX_UPLOAD_BYTES for every scan here: above every test photo, below ``huge``."""

ODD_KEYS = ("odd/../escape.png", "odd/with space.png", "odd/ünïcødé ☃.png", "odd/a//b.png")
"""Keys a path-minded reader would mangle: each is a good image, decided under its exact key."""


@pytest.fixture(scope="module")
def moto() -> Iterator[S3Server]:
    """The S3 server for the module (its fake credentials are in the environment)."""
    with s3_server() as server:
        yield server


@pytest.fixture(scope="module")
def ray_address(moto: S3Server) -> Iterator[str]:
    """One local Ray for the module (after ``moto``: its workers need the credentials)."""
    with local_ray() as address:
        yield address


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _small_png(seed: int) -> bytes:
    import numpy as np

    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(4, 4, 3), dtype=np.uint8)
    return _png(Image.fromarray(small).resize((96, 96), Image.Resampling.BICUBIC))


@pytest.fixture(scope="module")
def corpus(moto: S3Server, photo_paths: list[Path]) -> dict[str, str]:
    """Bucket ``corpus``: photos/…, planted/copy-of-0.png (photo 0 re-encoded), the odd keys,
    and the bad objects; returns {key: the error code expected, or "" for a good image}.
    A folder marker (``markers/``) is there too: not an object, counted in the summary."""
    s3 = moto.client
    s3.create_bucket(Bucket="corpus")
    expected: dict[str, str] = {}

    def put(key: str, body: bytes, error: str = "") -> None:
        s3.put_object(Bucket="corpus", Key=key, Body=body)
        expected[key] = error

    for p in photo_paths:
        put(f"photos/{p.name}", p.read_bytes())
    with Image.open(photo_paths[0]) as im:
        put("planted/copy-of-0.png", _png(im.convert("RGB")))
    for i, key in enumerate(ODD_KEYS):
        put(key, _small_png(i))
    put("bad/notes.txt", b"not an image at all", "not_an_image")
    put("bad/empty.png", b"", "empty_file")
    put("bad/huge.png", b"\x89PNG\r\n\x1a\n" + bytes(2 * MAX_BYTES), "file_too_large")
    put(f"bad/{'k' * 300}.png", _small_png(99), "invalid_input")  # content id over 255
    s3.put_object(Bucket="corpus", Key="markers/", Body=b"")
    return expected


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "SHIELDWALL_DATA_DIR": str(data_dir),
        "SHIELDWALL_MAX_UPLOAD_BYTES": str(MAX_BYTES),
    }
    env.pop("SHIELDWALL_DATABASE_URL", None)
    return env


def _cli(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return subprocess.run(
        [EXE, *args],
        env=env or _env(data_dir),
        capture_output=True,
        text=True,
        timeout=240,
    )


def _scan(
    data_dir: Path, moto: S3Server, source: str, address: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    return _cli(
        data_dir,
        "batch",
        "scan",
        source,
        "--endpoint-url",
        moto.endpoint,
        "--address",
        address,
        "--json",
        *extra,
    )


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory,
    moto: S3Server,
    corpus: dict[str, str],
    photo_paths: list[Path],
    ray_address: str,
) -> tuple[Path, int, list[dict[str, Any]]]:
    """Photo 0 banked, then bucket ``corpus`` scanned by a CLI killed with SIGKILL after its
    first batches committed, then by a second CLI to the end: (data dir, items stored at
    the kill, the second run's lines)."""
    data_dir = tmp_path_factory.mktemp("s3state")
    for args in (
        ["bank", "create", "victims", "--purpose", "victim"],
        ["bank", "add", "victims", str(photo_paths[0])],
    ):
        made = _cli(data_dir, *args)
        assert made.returncode == 0, made.stderr
    db = data_dir / "shieldwall.db"
    command = [EXE, "batch", "scan", "s3://corpus", "--endpoint-url", moto.endpoint]
    at_kill = kill_after_stored(
        [*command, "--address", ray_address, "--batch-size", "2", "--json"], _env(data_dir), db
    )
    second = _scan(data_dir, moto, "s3://corpus", ray_address, "--batch-size", "8")
    assert second.returncode == 3, second.stderr  # 3: the bad objects failed
    return data_dir, at_kill, lines(second)


def test_a_killed_bucket_scan_restarted_decides_every_object_exactly_once(
    scanned: tuple[Path, int, list[dict[str, Any]]], corpus: dict[str, str]
) -> None:
    data_dir, at_kill, out = scanned
    good = {f"s3://corpus/{k}" for k, err in corpus.items() if not err}
    assert 0 < at_kill < len(good), "the kill did not land half-way"
    per_item = decisions_per_item(data_dir / "shieldwall.db")
    assert set(per_item) == good  # nothing skipped, nothing extra (not the folder marker)
    assert set(per_item.values()) == {1}  # nothing decided twice
    *rows, summary = out
    assert summary["summary"]["decided"] == len(good) - at_kill
    assert summary["summary"]["already_decided"] == at_kill
    assert summary["summary"]["folder_markers_skipped"] == 1
    decided_now = {r["content_id"] for r in rows if "error" not in r}
    assert len(decided_now) == len(good) - at_kill  # only what the killed run had not stored


def test_every_bad_object_has_its_own_error_line(
    scanned: tuple[Path, int, list[dict[str, Any]]], corpus: dict[str, str]
) -> None:
    _, _, out = scanned
    *rows, summary = out
    errors = {r["content_id"]: r["error"] for r in rows if "error" in r}
    assert errors == {f"s3://corpus/{k}": err for k, err in corpus.items() if err}
    assert summary["summary"]["errors"] == {
        "empty_file": 1,
        "file_too_large": 1,
        "invalid_input": 1,
        "not_an_image": 1,
    }


def test_odd_keys_are_decided_under_their_exact_keys(
    scanned: tuple[Path, int, list[dict[str, Any]]],
) -> None:
    data_dir, _, _ = scanned
    stored = set(decisions_per_item(data_dir / "shieldwall.db"))
    assert {f"s3://corpus/{k}" for k in ODD_KEYS} <= stored


def test_the_planted_copy_in_the_bucket_matches_the_bank(
    scanned: tuple[Path, int, list[dict[str, Any]]], photo_paths: list[Path]
) -> None:
    data_dir, _, _ = scanned
    con = sqlite3.connect(f"file:{data_dir / 'shieldwall.db'}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT i.content_id, i.metadata, d.matches FROM items i "
            "JOIN decisions d ON d.item_id = i.id"
        ).fetchall()
    finally:
        con.close()
    matched = {str(cid) for cid, _, matches in rows if matches not in (None, "", "[]")}
    assert matched == {
        "s3://corpus/planted/copy-of-0.png",
        f"s3://corpus/photos/{photo_paths[0].name}",
    }
    metadata = {str(cid): str(meta) for cid, meta, _ in rows}
    # The version decided on is kept: a later look can tell whether the object changed since.
    assert '"etag"' in metadata["s3://corpus/planted/copy-of-0.png"]


def test_a_third_run_finds_nothing_left_and_the_audit_chain_verifies(
    scanned: tuple[Path, int, list[dict[str, Any]]],
    moto: S3Server,
    corpus: dict[str, str],
    ray_address: str,
) -> None:
    data_dir, _, _ = scanned
    again = _scan(data_dir, moto, "s3://corpus/photos/", ray_address)
    *_, summary = lines(again)
    assert again.returncode == 0, again.stderr
    assert summary["summary"]["decided"] == 0
    assert summary["summary"]["already_decided"] == sum(k.startswith("photos/") for k in corpus)
    verified = _cli(data_dir, "audit", "verify", "--json")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_flood_of_non_image_keys_over_several_pages_is_reported_key_by_key(
    tmp_path: Path, moto: S3Server, ray_address: str
) -> None:
    """1,200 junk objects (two ListObjectsV2 pages) and one 8 MB object: every one is an
    error line, the huge one is refused from its listed size without being downloaded, and
    the driver's memory stays that of a CLI."""
    s3 = moto.client
    s3.create_bucket(Bucket="flood")
    junk = [f"junk/{i:05d}-{'x' * (i % 50)}.jpg" for i in range(1_200)]
    for key in junk:
        s3.put_object(Bucket="flood", Key=key, Body=b"<html>no</html>")
    s3.put_object(Bucket="flood", Key="huge.jpg", Body=bytes(8 * MAX_BYTES))
    done = _scan(tmp_path / "state", moto, "s3://flood", ray_address, "--batch-size", "256")
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    *rows, summary = lines(done)
    assert summary["summary"]["failed"] == len(junk) + 1
    assert summary["summary"]["errors"] == {"not_an_image": len(junk), "file_too_large": 1}
    assert {r["content_id"] for r in rows} == {f"s3://flood/{k}" for k in [*junk, "huge.jpg"]}
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < 1_500_000, f"a CLI child peaked at {peak_kib} KiB"


@pytest.mark.parametrize(
    ("source", "endpoint", "code", "exit_code"),
    [
        ("s3://no-such-bucket", None, "bucket_not_found", 4),
        ("s3://corpus", "unreachable", "object_store_unreachable", 10),
    ],
)
def test_a_source_that_cannot_be_listed_is_one_clear_error(
    tmp_path: Path,
    moto: S3Server,
    corpus: dict[str, str],
    source: str,
    endpoint: str | None,
    code: str,
    exit_code: int,
) -> None:
    url = f"http://127.0.0.1:{free_port()}" if endpoint == "unreachable" else moto.endpoint
    done = _cli(tmp_path, "batch", "scan", source, "--endpoint-url", url, "--json")
    assert done.returncode == exit_code, done.stdout + done.stderr
    assert f"[{code}]" in done.stderr
    assert "Traceback" not in done.stderr
    assert count(tmp_path / "shieldwall.db", "SELECT COUNT(*) FROM items") == 0


def test_refused_credentials_are_one_clear_error(
    tmp_path: Path, moto: S3Server, corpus: dict[str, str]
) -> None:
    """moto checks signatures once told to (``/moto-api/reset-auth``): a key it does not
    know is refused, as AWS or MinIO refuse one."""
    env = {**_env(tmp_path), "AWS_ACCESS_KEY_ID": "AKIANOTAKEY", "AWS_SECRET_ACCESS_KEY": "no"}
    before = moto.enforce_auth(0)
    try:
        done = _cli(
            tmp_path, "batch", "scan", "s3://corpus", "--endpoint-url", moto.endpoint, env=env
        )
    finally:
        moto.enforce_auth(before)
    assert done.returncode == 10, done.stdout + done.stderr
    assert "[object_store_access_denied]" in done.stderr
    assert "AWS_ACCESS_KEY_ID" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_s3_url_without_a_bucket_is_a_usage_error(tmp_path: Path) -> None:
    done = _cli(tmp_path, "batch", "scan", "s3://")
    assert done.returncode == 2, done.stderr
    assert "s3://BUCKET" in done.stderr


def test_s3_options_with_a_folder_are_a_usage_error(tmp_path: Path) -> None:
    """``batch scan corpus --endpoint-url …``: a bucket named without s3://, not a folder."""
    done = _cli(tmp_path, "batch", "scan", str(tmp_path), "--endpoint-url", "http://x:9000")
    assert done.returncode == 2, done.stderr
    assert "s3://" in done.stderr


def test_without_boto3_the_command_says_how_to_install_it(tmp_path: Path) -> None:
    """A Python where ``import boto3`` fails gets exit 10 and the pip line, before any work."""
    shadow = tmp_path / "shadow" / "boto3"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named boto3')\n")
    env = _env(tmp_path / "state")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(shadow.parent), *filter(None, [env.get("PYTHONPATH")])]
    )
    done = _cli(tmp_path, "batch", "scan", "s3://corpus", env=env)
    assert done.returncode == 10, done.stderr
    assert "pip install 'shieldwall[s3]'" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr


def test_the_help_names_s3_sources_and_their_options() -> None:
    done = subprocess.run(
        [EXE, "batch", "scan", "--help"],
        env={**os.environ, "COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    for words in ("s3://BUCKET/PREFIX", "--endpoint-url", "--region", "'shieldwall[s3]'"):
        assert words in done.stdout, words
