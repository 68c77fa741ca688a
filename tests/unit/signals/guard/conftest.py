"""Guard fixtures: one guard with the semantic model (loaded once per session), one without."""

from __future__ import annotations

import pytest

from shieldwall.signals.guard import GenerationGuard


@pytest.fixture(scope="session")
def guard() -> GenerationGuard:
    loaded = GenerationGuard()
    assert loaded.warm_up(), f"semantic model did not load: {loaded.semantic_unavailable_reason()}"
    return loaded


@pytest.fixture(scope="session")
def rules_only() -> GenerationGuard:
    return GenerationGuard(use_semantic=False)
