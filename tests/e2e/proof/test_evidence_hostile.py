"""``evidence verify`` against hostile inputs: untrusted signers, FIFOs, deep manifests.

- A bundle signed by another instance used to verify with exit 0 when no key was given;
  now it is ``UNTRUSTED`` with exit 1 unless the signer's key is passed explicitly.
- A FIFO given as the bundle used to block the verifier forever (it read the input whole);
  now anything but a regular file is refused at once.
- A deeply nested manifest is an ``INVALID`` line, not a RecursionError traceback.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from shieldwall.runtime import Runtime
from tests.e2e.proof.test_proof_cli import _seed_month, rt, runner  # noqa: F401
from tests.e2e.proof.test_proof_cli import app as cli


def _export(tmp_path: Path) -> tuple[Path, Path]:
    bundle, pem = tmp_path / "c-5.zip", tmp_path / "key.pem"
    made = runner.invoke(cli, ["evidence", "export", "--content-id", "c-5", "-o", str(bundle)])
    assert made.exit_code == 0, made.output
    pem.write_text(runner.invoke(cli, ["audit", "public-key"]).stdout)
    return bundle, pem


def test_a_bundle_without_a_trusted_key_does_not_pass(rt: Runtime, tmp_path: Path) -> None:  # noqa: F811
    _seed_month(rt)
    bundle, pem = _export(tmp_path)
    untrusted = runner.invoke(cli, ["evidence", "verify", str(bundle)])
    assert untrusted.exit_code == 1
    assert "UNTRUSTED" in untrusted.output
    trusted = runner.invoke(cli, ["evidence", "verify", str(bundle), "--public-key", str(pem)])
    assert trusted.exit_code == 0, trusted.output


def test_a_fifo_is_refused_without_waiting(tmp_path: Path) -> None:
    fifo = tmp_path / "bundle.zip"
    os.mkfifo(fifo)
    result = runner.invoke(cli, ["evidence", "verify", str(fifo)])
    assert result.exit_code == 1
    assert "not a regular file" in result.output


def test_a_deeply_nested_manifest_is_invalid_not_a_crash(tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", "[" * 200_000 + "]" * 200_000)
        zf.writestr("manifest.sig", b"x")
        zf.writestr("public_key.pem", b"x")
    bundle = tmp_path / "deep.zip"
    bundle.write_bytes(out.getvalue())
    result = runner.invoke(cli, ["evidence", "verify", str(bundle)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "INVALID" in result.output
