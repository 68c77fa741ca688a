"""``shieldwall signals list`` sees indicator lists stored in the database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shieldwall.cli.indicators_cmd import indicators_app
from shieldwall.cli.signals_cmd import signals_app


def _usable(env: dict[str, str]) -> bool:
    result = CliRunner().invoke(signals_app, ["list", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in map(json.loads, result.stdout.splitlines())}
    return bool(rows["text_indicators"]["usable"])


def test_text_indicators_become_usable_once_a_list_has_indicators(tmp_path: Path) -> None:
    env = {"SHIELDWALL_DATA_DIR": str(tmp_path / "state")}
    assert _usable(env) is False
    runner = CliRunner()
    assert runner.invoke(indicators_app, ["create-list", "demo"], env=env).exit_code == 0
    added = runner.invoke(
        indicators_app, ["add", "demo", "bot_handle", "@undress_demo_bot"], env=env
    )
    assert added.exit_code == 0, added.output
    assert _usable(env) is True
