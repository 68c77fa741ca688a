"""Guard for generative services: refuse requests to undress, nudify or sexualise a real person.

``GenerationGuard.evaluate(prompt, has_input_image=..., image_has_face=...)`` answers a
``GuardDecision``; ``GenerationGuardSignal`` offers the same judgement to the signal runner for
items with a ``prompt``. See docs/guard.md.
"""

from shieldwall.signals.guard.guard import GenerationGuard, GuardDecision, SemanticMatch
from shieldwall.signals.guard.signal import GenerationGuardSignal

__all__ = ["GenerationGuard", "GenerationGuardSignal", "GuardDecision", "SemanticMatch"]
