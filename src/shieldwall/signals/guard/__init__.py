"""Guard for generative services: refuse requests to undress, nudify or sexualise a real person.

``GenerationGuard.evaluate(prompt, has_input_image=..., image_has_face=...)`` answers a
``GuardDecision``; ``GenerationGuardSignal`` offers the same judgement to the signal runner for
items with a ``prompt``. See docs/guard.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shieldwall.signals.guard.guard import (
    GenerationGuard,
    GuardDecision,
    SemanticMatch,
    shared_guard,
)
from shieldwall.signals.guard.signal import GenerationGuardSignal

if TYPE_CHECKING:
    from shieldwall.signals.registry import SignalContext


def builtin_signals(context: SignalContext) -> list[GenerationGuardSignal]:
    """The registry's entry point: the ``generation_guard`` signal."""
    return [GenerationGuardSignal()]


__all__ = [
    "GenerationGuard",
    "GenerationGuardSignal",
    "GuardDecision",
    "SemanticMatch",
    "shared_guard",
]
