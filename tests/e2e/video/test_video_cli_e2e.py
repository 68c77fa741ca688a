"""The video commands as a separate process, the way an operator runs them.

The root ``shieldwall`` command is wired by the lead; this builds a tiny Typer app around
``video_app`` in a child Python so the real process, environment and exit codes are used.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose
from tests.integration.video.video_clips import make_clips

_PROGRAM = "from shieldwall.cli import main; main()"  # the real root command


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _PROGRAM, "video", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_bank_a_video_then_find_its_copy_clip_and_compilation(
    photo_paths: list[Path], tmp_path: Path
) -> None:
    clips = make_clips(photo_paths, tmp_path / "clips")
    data_dir = tmp_path / "data"
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(data_dir)}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    rt = Runtime.open(load_settings(data_dir=data_dir), migrate=True)
    rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    rt.close()

    added = _run(env, "bank", "add", "victims", str(clips.original), "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["frames"] == 10

    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"GIF89a not really")
    found = _run(
        env,
        "match",
        "--json",
        str(clips.reencoded),
        str(bad),
        str(clips.trimmed),
        str(clips.compilation),
        str(clips.unrelated),
    )
    assert found.returncode == 3, found.stderr  # one input failed, the rest were matched
    assert "Traceback" not in found.stderr
    rows = [json.loads(line) for line in found.stdout.splitlines()]
    by_name = {Path(r["path"]).stem: r for r in rows}
    assert by_name["bad"]["error"]["code"] == "video_error"
    copy = by_name["reencoded"]["videos"][0]
    assert copy["query_pct"] >= 90 and copy["target_pct"] >= 90
    clip = by_name["trimmed"]["videos"][0]
    assert clip["query_pct"] >= 90 and clip["target_pct"] <= 50
    within = by_name["compilation"]["videos"][0]
    assert within["target_pct"] >= 90 and within["query_pct"] <= 55
    assert not by_name["unrelated"]["matched"]
