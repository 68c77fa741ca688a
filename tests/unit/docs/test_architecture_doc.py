"""docs/architecture.md names real files and functions, and draws every ring the contract has.

The walk through one upload is only useful while it is true: every ``path.py`` it names
must exist, every ``path.py: Name`` must be defined there, and every package in the
import-linter ``layers`` contract must appear in the drawing.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
SRC = ROOT / "src" / "shieldwall"


def _defined(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
    return names


def test_every_file_and_name_the_walk_mentions_exists() -> None:
    refs = re.findall(r"`([a-z_/]+\.py)(?::\s*([A-Za-z_][\w.]*))?", DOC)
    assert len(refs) > 10
    for file, name in refs:
        path = SRC / file
        assert path.is_file(), f"docs/architecture.md names {file}, which does not exist"
        if name:
            assert name.split(".")[0] in _defined(path), f"{name} is not defined in {file}"


def test_the_drawing_has_every_ring_of_the_contract() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    # The rings are the layers contract over the whole package (others layer one package).
    (rings,) = [
        c
        for c in config["tool"]["importlinter"]["contracts"]
        if c["type"] == "layers" and c["containers"] == ["shieldwall"]
    ]
    drawing = DOC.split("```")[1]
    for layer in rings["layers"]:
        for package in layer.split("|"):
            assert package.strip() in drawing, f"{package.strip()} is missing from the drawing"
