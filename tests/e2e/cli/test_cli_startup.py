"""CLI start-up: ``shieldwall --help`` and ``shieldwall hash`` load only what they use.

``shieldwall hash`` runs inside platforms' own upload scripts, so every module it imports is
paid on every call. These tests run the real root command in a fresh interpreter and look at
``sys.modules`` afterwards (never at the clock): the web framework, the ORM, the detectors'
model runtimes and OpenCV must stay unloaded unless the command needs them. The list the root
help shows is kept equal to each command's own help, and every listed command still runs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shieldwall.cli.app import COMMANDS, app, load_command

HEAVY = ("onnxruntime", "cv2", "fastapi", "sqlalchemy", "starlette", "alembic", "huey")

_PROBE = """
import json, sys
sys.argv = ["shieldwall", *json.loads(sys.argv[1])]
from shieldwall.cli import main
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code or 0
print("LOADED " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_after(tmp_path: Path, *args: str, **extra_env: str) -> tuple[int, set[str]]:
    env = {**os.environ, "SHIELDWALL_DATA_DIR": str(tmp_path / "state"), **extra_env}
    env.pop("SHIELDWALL_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(list(args))],
        env=env,
        cwd=tmp_path,  # no stray .env file from the checkout
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("LOADED "))
    found = json.loads(line[len("LOADED ") :])
    return int(found["code"]), {m.split(".")[0] for m in found["modules"]}


def test_root_help_lists_every_command_without_importing_heavy_modules(tmp_path: Path) -> None:
    code, modules = loaded_after(tmp_path, "--help")
    assert code == 0
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    # Not even the hashing stack or settings: --help needs none of it.
    assert "numpy" not in modules and "PIL" not in modules
    assert not {m for m in modules if m.startswith("shieldwall.")} - {"shieldwall"}


def test_hash_of_a_photo_loads_no_database_web_or_model_runtime(
    tmp_path: Path, photo_paths: list[Path]
) -> None:
    code, modules = loaded_after(tmp_path, "hash", "--json", str(photo_paths[0]))
    assert code == 0
    # Nor the match index (faiss), the settings loader (~0.2 s of CPU on its own) or Rich
    # (a script reading JSON lines draws no table).
    unwanted = {*HEAVY, "faiss", "pydantic_settings", "rich", "asyncio"}
    assert not modules & unwanted, sorted(modules & unwanted)


def test_hash_still_obeys_a_setting_from_the_environment(
    tmp_path: Path, photo_paths: list[Path]
) -> None:
    """The fast start skips the settings loader only while nothing could set them."""
    env = {"shieldwall_max_upload_bytes": "1000"}  # names match case-insensitively
    code, modules = loaded_after(tmp_path, "hash", "--json", str(photo_paths[0]), **env)
    assert code == 3  # the photo is over the limit: an input error, reported per file
    assert "pydantic_settings" in modules


def test_hash_reads_a_dot_env_file_in_the_working_directory(
    tmp_path: Path, photo_paths: list[Path]
) -> None:
    (tmp_path / ".env").write_text("SHIELDWALL_MAX_IMAGE_PIXELS=1000\n")
    code, _ = loaded_after(tmp_path, "hash", "--json", str(photo_paths[0]))
    assert code == 3


def test_the_hash_defaults_are_the_settings_defaults() -> None:
    from shieldwall.cli.context import DECODE_FIELDS
    from shieldwall.config import Settings
    from shieldwall.hashing import DecodeLimits

    fields = Settings.model_fields
    assert set(DECODE_FIELDS) <= set(fields)
    assert DecodeLimits().max_pixels == fields["max_image_pixels"].default
    assert DecodeLimits().max_bytes == fields["max_upload_bytes"].default
    assert fields["exact_decode"].default is False


def test_match_loads_no_web_framework_or_model_runtime(
    tmp_path: Path, photo_paths: list[Path]
) -> None:
    code, modules = loaded_after(tmp_path, "match", "--json", str(photo_paths[0]))
    assert code == 0
    # OpenCV is not in the list: matching undoes perspective with its contour finder
    # (hashing/views.py), so `match` legitimately loads it; no model runtime or web stack.
    web_and_models = {"onnxruntime", "fastapi", "starlette", "huey", "torch"}
    assert not modules & web_and_models, sorted(modules & web_and_models)


def test_root_help_shows_each_command_with_its_own_first_help_line() -> None:
    result = CliRunner().invoke(app, ["--help"], terminal_width=400)
    assert result.exit_code == 0
    for name, (_, _, line) in COMMANDS.items():
        real = load_command(name)
        assert (real.help or "").strip().splitlines()[0] == line, name
        assert name in result.output
        assert line.split(" (")[0][:40] in result.output, name


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_listed_command_still_runs(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_an_unknown_command_is_a_usage_error_not_a_traceback() -> None:
    result = CliRunner().invoke(app, ["hsah", "x.jpg"])
    assert result.exit_code == 2
    assert "No such command" in result.output
    assert "Traceback" not in result.output
