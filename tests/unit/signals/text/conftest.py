"""Fixtures for the text indicator tests: the labelled corpus and a signal built on it."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from shieldwall.signals.text import TextIndicatorSignal


def _load_corpus() -> ModuleType:
    # Loaded by path under a unique name: a bare ``import corpus`` could pick up another
    # test package's corpus module from sys.path.
    path = Path(__file__).with_name("corpus.py")
    spec = importlib.util.spec_from_file_location("shieldwall_text_indicator_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def corpus() -> ModuleType:
    return _load_corpus()


@pytest.fixture(scope="session")
def demo_signal(corpus: ModuleType) -> TextIndicatorSignal:
    return TextIndicatorSignal(corpus.INDICATORS, clock=lambda: corpus.NOW)
