"""docs/signals.md stays complete: every hook, built-in signal and provenance label."""

from __future__ import annotations

import inspect
from pathlib import Path

from shieldwall.plugins import hookspecs
from shieldwall.signals import BUILTIN_SIGNAL_MODULES
from shieldwall.signals.provenance import findings
from shieldwall.signals.provenance.c2pa_manifest import LABEL_INVALID, LABEL_PRESENT, LABEL_TRUSTED

DOC = (Path(__file__).resolve().parents[4] / "docs" / "signals.md").read_text()


def test_every_hook_is_documented() -> None:
    hooks = [
        n
        for n, f in inspect.getmembers(hookspecs, inspect.isfunction)
        if n.startswith("shieldwall_")
    ]
    assert hooks
    for name in hooks:
        assert f"`{name}(" in DOC, name


def test_every_builtin_signal_is_documented() -> None:
    for entry in BUILTIN_SIGNAL_MODULES:
        assert f"`{entry.name}`" in DOC, entry.name


def test_every_provenance_label_is_documented() -> None:
    labels = {
        LABEL_INVALID,
        LABEL_PRESENT,
        LABEL_TRUSTED,
        "generator_settings",
        "generator_software",
    }
    for meaning in findings._SOURCE_TYPES.values():
        labels.update(meaning.labels)
    for label in labels:
        assert f"`{label}`" in DOC, label
