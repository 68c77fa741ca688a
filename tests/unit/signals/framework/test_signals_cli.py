"""`shieldwall signals list`: what an operator sees, for people and for scripts."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shieldwall.cli import output, signals_cmd
from shieldwall.cli.signals_cmd import signals_app
from shieldwall.signals import registry
from shieldwall.signals.registry import BuiltinModule


def test_json_lists_every_signal_with_its_status(tmp_path: Path) -> None:
    env = {"SHIELDWALL_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(signals_app, ["list", "--json"], env=env)
    assert result.exit_code == 0
    rows = {row["name"]: row for row in map(json.loads, result.stdout.splitlines())}
    assert rows["provenance"]["usable"] is True
    assert rows["provenance"]["applies_to"] == ["image"]
    assert rows["watermark"]["version"] == "1"
    assert rows["text_indicators"]["usable"] is False
    assert rows["text_indicators"]["reason"] == "no indicator set loaded"


def test_table_says_how_to_install_a_missing_dependency(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "sw_cli_needs_dep.py").write_text(textwrap.dedent("import sw_absent_vision_lib\n"))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(
        registry,
        "BUILTIN_SIGNAL_MODULES",
        (
            *registry.BUILTIN_SIGNAL_MODULES,
            BuiltinModule("sw_cli_needs_dep", "fake_faces", "nudity"),
        ),
    )
    env = {"COLUMNS": "200", "SHIELDWALL_DATA_DIR": str(tmp_path)}
    # A wide console, whatever width an earlier test in this process left the command's
    # console at (a real run starts a process with its terminal's width).
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(signals_cmd, "stdout", output._console("stdout"))
    result = CliRunner().invoke(signals_app, ["list"], env=env)
    assert result.exit_code == 0
    line = next(
        line for line in result.stdout.splitlines() if line.strip().startswith("fake_faces")
    )
    assert "not usable: optional dependency sw_absent_vision_lib is not installed" in line
    assert "pip install 'shieldwall[nudity]'" in line
    assert "Traceback" not in result.output
