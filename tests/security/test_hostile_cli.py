"""Hostile trees, bundles and import files through the real CLI: one clear result per input,
no traceback, no hang (each run has a generous timeout that only a hang reaches), and memory
capped, so a file an abuser planted cannot stall or crash a moderator's batch job."""

from __future__ import annotations

import io
import json
import os
import resource
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from shieldwall.evidence.bundle import MANIFEST, PUBLIC_KEY, SIGNATURE
from tests.security.hostile import HOSTILE_STRINGS, base_image, deep_json, deep_object, encode

CLI = str(Path(sys.executable).parent / "shieldwall")
MEMORY_CAP = 2 * 1024**3
HANG = int(os.environ.get("SHIELDWALL_HANG_S", "300"))
"""Seconds after which a run counts as hung; a healthy run takes a few."""


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_cli(
    *args: str, data_dir: Path, database_url: str | None = None, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir), "PYTHONWARNINGS": "ignore"}
    if database_url:
        env["SHIELDWALL_DATABASE_URL"] = database_url
    try:
        done = subprocess.run(
            [CLI, *args],
            capture_output=True,
            text=True,
            timeout=HANG,
            preexec_fn=_capped,
            env=env,
            input=stdin,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"shieldwall {' '.join(args)} hung (no answer in {HANG} s)")
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-3000:]
    return done


def test_hash_survives_tree_traps(tmp_path: Path) -> None:
    """FIFO (blocks a naive reader forever), socket, symlink loop, symlink out of the tree,
    broken symlink: the run ends, every entry of the tree is answered, and nothing outside
    the tree is read."""
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "good.png").write_bytes(encode(base_image(), "PNG"))
    outside = tmp_path / "secret.png"
    outside.write_bytes(encode(base_image(64, 64).rotate(90), "PNG"))
    os.mkfifo(tree / "fifo.png")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tree / "socket.png"))
    try:
        (tree / "escape.png").symlink_to(outside)
        (tree / "loop.png").symlink_to(tree / "loop.png")
        (tree / "broken.png").symlink_to(tree / "missing.png")
        (tree / "dirloop").symlink_to(tree, target_is_directory=True)
        done = run_cli("hash", "--json", str(tree), data_dir=tmp_path / "data")
    finally:
        sock.close()
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    by_name = {Path(line["path"]).name: line for line in lines}
    assert by_name["good.png"]["pdq"]
    assert by_name["fifo.png"]["error"], "a FIFO must be refused, not read"
    import hashlib

    secret = hashlib.sha256(outside.read_bytes()).hexdigest()
    assert secret not in done.stdout, "a symlink led the hasher out of the tree"
    for name in ("socket.png", "loop.png", "broken.png"):
        assert name not in by_name or by_name[name]["error"], by_name.get(name)


def _zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_STORED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


def _signed(manifest: bytes) -> dict[str, bytes]:
    """The three members a bundle must have, so verification reaches the manifest."""
    return {
        MANIFEST: manifest,
        SIGNATURE: b"\x00" * 64,
        PUBLIC_KEY: b"-----BEGIN PUBLIC KEY-----\n",
    }


def hostile_bundles() -> dict[str, bytes]:
    bomb = b"\x00" * (40 * 1024 * 1024)
    return {
        "random.zip": os.urandom(4096),
        "empty.zip": b"",
        "empty-archive.zip": _zip({}),
        "deep-manifest.zip": _zip(_signed(deep_object(100_000).encode())),
        "deep-array.zip": _zip(_signed(deep_json(50_000).encode())),
        "nul-manifest.zip": _zip(_signed(b'{"a":"\x00"}')),
        "not-utf8.zip": _zip(_signed(b"\xff\xfe\xfd")),
        "duplicate-keys.zip": _zip(_signed(b'{"a":1,"a":2}')),
        "traversal.zip": _zip({"../../etc/passwd": b"x", **_signed(b"{}")}),
        "zip-bomb.zip": _zip(_signed(bomb), compression=zipfile.ZIP_DEFLATED),
        "many-members.zip": _zip({f"m{i}": b"" for i in range(5000)}),
        "truncated.zip": _zip(_signed(b"{}" * 100))[:-30],
    }


def test_evidence_verify_refuses_hostile_bundles_clearly(tmp_path: Path) -> None:
    """In-process for every bundle (a typed error each), then the real CLI for the worst
    (exit non-zero with a message, no traceback, within the memory cap)."""
    from shieldwall.errors import ShieldwallError
    from shieldwall.evidence.bundle import verify_bundle

    failures = []
    bundles = hostile_bundles()
    for name, data in bundles.items():
        try:
            verify_bundle(data)
            failures.append(f"{name}: verified")
        except ShieldwallError as exc:
            assert exc.code
        except Exception as exc:
            failures.append(f"{name}: {type(exc).__name__}: {exc}"[:300])
    for name in ("random.zip", "deep-manifest.zip", "zip-bomb.zip"):
        path = tmp_path / name
        path.write_bytes(bundles[name])
        done = run_cli("evidence", "verify", "--json", str(path), data_dir=tmp_path / "data")
        if done.returncode == 0:
            failures.append(f"{name}: the CLI verified it (exit 0)")
        elif not (done.stdout.strip() or done.stderr.strip()):
            failures.append(f"{name}: exit {done.returncode} without a word")
    assert not failures, "\n".join(failures)


def hostile_import_lines() -> list[str]:
    good = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
    lines = [json.dumps({"signal_type": "pdq", "value": good})]
    for label, value in sorted(HOSTILE_STRINGS.items()):
        lines.append(json.dumps({"signal_type": "pdq", "value": value}))
        lines.append(json.dumps({"signal_type": value, "value": good}))
        lines.append(json.dumps({"signal_type": "pdq", "value": good, "category": value}))
        lines.append(f"{label}\x00{value}")
    lines += [deep_json(5000), deep_object(5000), "{" * 100_000, "x" * 2_000_000, "", "null"]
    return lines


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_bank_import_reports_each_bad_line_and_keeps_the_good(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    from tests.conftest import postgres_schema

    data_dir = tmp_path / "data"
    lines = hostile_import_lines()
    source = tmp_path / "feed.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")

    def go(url: str | None) -> None:
        created = run_cli("db", "upgrade", data_dir=data_dir, database_url=url)
        assert created.returncode == 0, created.stderr
        made = run_cli("bank", "create", "feed", data_dir=data_dir, database_url=url)
        assert made.returncode == 0, made.stderr + made.stdout
        done = run_cli(
            "bank",
            "import",
            "feed",
            str(source),
            "--format",
            "jsonl",
            "--json",
            data_dir=data_dir,
            database_url=url,
        )
        # 3: some lines failed and the others were imported (README's exit codes).
        assert done.returncode == 3, done.stderr
        assert "Traceback" not in done.stderr
        summary = json.loads(done.stdout.splitlines()[-1])
        assert summary["added"] == 1 and summary["errors"] > 0
        shown = run_cli("bank", "show", "feed", "--json", data_dir=data_dir, database_url=url)
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["active_entries"] == 1  # the one good line was kept

    if backend == "sqlite":
        go(None)
    else:
        with postgres_schema(request.getfixturevalue("postgres_url")) as url:
            go(url)
