"""The README promises that every command takes ``--json``, and lists every key scope.

The first test walks the real Typer application, so a command added without ``--json``
fails here rather than in a user's script. The others run the real ``shieldwall`` command
for the ones that lacked it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.main import get_command

from shieldwall.api.auth import SCOPES
from shieldwall.cli.app import app
from tests.e2e.cli.test_cli_e2e import lines, run

README = Path(__file__).resolve().parents[3] / "README.md"


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every leaf command, through the click API (the root group loads its groups lazily)."""
    if not hasattr(command, "list_commands"):
        yield " ".join(path), command
        return
    ctx = command.make_context("shieldwall", [], resilient_parsing=True)
    for name in command.list_commands(ctx):
        yield from _commands(command.get_command(ctx, name), (*path, name))


def test_every_command_takes_json() -> None:
    commands = dict(_commands(get_command(app)))
    assert {"bank add", "users create", "audit redact", "evidence export", "report"} <= set(
        commands
    )
    lacking = sorted(
        path
        for path, cmd in commands.items()
        if "--json" not in {opt for p in cmd.params for opt in getattr(p, "opts", ())}
    )
    assert lacking == [], f"commands without --json: {lacking}"


def test_the_readme_lists_every_key_scope() -> None:
    text = README.read_text(encoding="utf-8")
    assert [s for s in SCOPES if f"`{s}`" not in text] == []


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty data directory: the embedded default migrates it on the first command."""
    monkeypatch.delenv("SHIELDWALL_DATABASE_URL", raising=False)
    return tmp_path / "state"


def test_users_create_json_never_echoes_the_password(data_dir: Path) -> None:
    """Machine output lands in CI logs and scripts' captures: the password must not."""
    password = "correct horse battery staple 42"
    result = run(
        data_dir,
        "users",
        "create",
        "--username",
        "alice",
        "--role",
        "moderator",
        "--password-stdin",
        "--json",
        stdin=password + "\n",
    )
    assert result.returncode == 0, result.stderr
    assert lines(result) == [{"username": "alice", "role": "moderator", "created": True}]
    assert password not in result.stdout + result.stderr


def test_audit_commands_answer_in_json(data_dir: Path) -> None:
    redact = run(data_dir, "audit", "redact", "--before", "2000-01-01", "--json")
    assert redact.returncode == 0, redact.stderr
    assert lines(redact) == [{"redacted_events": 0, "before": "2000-01-01T00:00:00+00:00"}]

    key = run(data_dir, "audit", "public-key", "--json")
    assert key.returncode == 0, key.stderr
    (public,) = lines(key)
    assert public["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_report_json_summarises_the_file_it_wrote(tmp_path: Path, data_dir: Path) -> None:
    report_file = tmp_path / "report.json"
    report = run(
        data_dir,
        "report",
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-01",
        "--format",
        "json",
        "-o",
        str(report_file),
        "--json",
    )
    assert report.returncode == 0, report.stderr
    (summary,) = lines(report)
    assert summary["output"] == str(report_file) and summary["decisions"] == 0
    json.loads(report_file.read_text())  # the report itself is in the file, untouched


def test_an_export_never_mixes_its_summary_into_its_data(tmp_path: Path, data_dir: Path) -> None:
    """A script that pipes ``bank export`` into another system must get only the entries:
    --json without -o is a usage error, not a summary line in the middle of the data."""
    assert run(data_dir, "bank", "create", "victims").returncode == 0
    mixed = run(data_dir, "bank", "export", "victims", "--json")
    assert mixed.returncode == 2 and mixed.stdout == ""
    out = tmp_path / "victims.jsonl"
    exported = run(data_dir, "bank", "export", "victims", "-o", str(out), "--json")
    assert lines(exported) == [
        {"bank": "victims", "format": "jsonl", "output": str(out), "entries": 0}
    ]
