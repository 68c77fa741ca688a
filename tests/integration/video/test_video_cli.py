"""``shieldwall video`` through Typer's runner against a real database (SQLite, PostgreSQL):
JSON output a script can rely on, a batch that goes on past bad files, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from shieldwall.cli.video_cmd import video_app
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose
from tests.integration.video.video_clips import Clips

app = typer.Typer()
app.add_typer(video_app, name="video")
runner = CliRunner()


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHIELDWALL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHIELDWALL_DATABASE_URL", database_url)
    monkeypatch.setenv("SHIELDWALL_MAX_UPLOAD_BYTES", "2000000")
    rt = Runtime.open(load_settings(), migrate=True)
    rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    rt.close()
    return tmp_path


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_hash_reports_each_file_and_goes_on_after_bad_ones(env: Path, clips: Clips) -> None:
    empty = env / "empty.mp4"
    empty.write_bytes(b"")
    text = env / "notes.mp4"
    text.write_text("not a video\n" * 10)
    huge = env / "huge.mp4"
    huge.write_bytes(b"\0" * 2_000_001)
    result = runner.invoke(
        app,
        [
            "video",
            "hash",
            "--json",
            "--frames",
            str(empty),
            str(clips.original),
            str(text),
            str(huge),
        ],
    )
    assert result.exit_code == 3, result.output
    rows = _lines(result.stdout)
    assert [r.get("error", {}).get("code") for r in rows] == [  # type: ignore[union-attr]
        "empty_file",
        None,
        "video_error",
        "file_too_large",
    ]
    good = rows[1]
    assert good["frames"] == 10 and len(good["frame_hashes"]) == 10  # type: ignore[arg-type]
    assert "Traceback" not in result.output


def test_bank_match_and_withdraw(env: Path, clips: Clips) -> None:
    added = runner.invoke(
        app, ["video", "bank", "add", "victims", str(clips.original), "--json", "--source", "t"]
    )
    assert added.exit_code == 0, added.output
    video_id = _lines(added.stdout)[0]["video_id"]

    found = runner.invoke(
        app,
        [
            "video",
            "match",
            "--json",
            str(clips.reencoded),
            str(clips.trimmed),
            str(clips.compilation),
            str(clips.unrelated),
            "--fail-on-match",
        ],
    )
    assert found.exit_code == 1, found.output
    rows = {Path(str(r["path"])).stem: r for r in _lines(found.stdout)}
    for name in ("reencoded", "trimmed", "compilation"):
        assert rows[name]["matched"] and rows[name]["videos"][0]["video_id"] == video_id  # type: ignore[index]
    assert not rows["unrelated"]["matched"]
    assert rows["trimmed"]["videos"][0]["target_pct"] < 60  # type: ignore[index]

    strict = runner.invoke(
        app,
        [
            "video",
            "match",
            "--json",
            "--min-pct",
            "95",
            "--min-target-pct",
            "101",
            str(clips.compilation),
        ],
    )
    assert strict.exit_code == 2  # 101 is out of range: a usage error
    strict = runner.invoke(
        app,
        [
            "video",
            "match",
            "--json",
            "--min-pct",
            "95",
            "--min-target-pct",
            "100",
            str(clips.trimmed),
        ],
    )
    assert _lines(strict.stdout)[0]["matched"]

    gone = runner.invoke(app, ["video", "bank", "withdraw", str(video_id), "--json"])
    assert gone.exit_code == 0 and _lines(gone.stdout)[0]["status"] == "withdrawn"
    after = runner.invoke(
        app, ["video", "match", "--json", str(clips.original), str(clips.trimmed)]
    )
    assert after.exit_code == 0
    assert not any(r["matched"] for r in _lines(after.stdout))

    missing = runner.invoke(app, ["video", "bank", "withdraw", "999"])
    assert missing.exit_code == 4
    nobank = runner.invoke(app, ["video", "bank", "add", "nope", str(clips.original)])
    assert nobank.exit_code == 4
