"""The CLI's global options belong to one command, not to the process."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shieldwall.cli.app import app
from shieldwall.cli.indicators_cmd import indicators_app


def test_a_later_command_uses_its_own_database_not_the_last_ones(tmp_path: Path) -> None:
    first = f"sqlite:///{tmp_path / 'first.db'}"
    second = f"sqlite:///{tmp_path / 'second.db'}"
    runner = CliRunner()
    ran = runner.invoke(
        app,
        ["--database-url", first, "--data-dir", str(tmp_path / "a"), "indicators", "list"],
    )
    assert ran.exit_code == 0, ran.output
    created = runner.invoke(
        indicators_app,
        ["create-list", "only-in-second"],
        env={"SHIELDWALL_DATABASE_URL": second, "SHIELDWALL_DATA_DIR": str(tmp_path / "b")},
    )
    assert created.exit_code == 0, created.output
    in_first = runner.invoke(
        app, ["--database-url", first, "--data-dir", str(tmp_path / "a"), "indicators", "list"]
    )
    in_second = runner.invoke(
        app, ["--database-url", second, "--data-dir", str(tmp_path / "b"), "indicators", "list"]
    )
    assert "only-in-second" not in in_first.output
    assert "only-in-second" in in_second.output
