"""``GenerationGuardSignal``: the generation guard as a signal for the runner and the policy.

For an item with a ``prompt`` (subject ``generation_request``) it answers the guard's score,
the reason codes as labels (plus ``refuse`` when the guard would refuse) and the guard's
evidence. Whether the item also carries an image says whether a photo is being edited; faces
in that image are not looked for here (the runner runs the ``faces`` signal separately), so
the guard treats the image's content as unknown, which counts as possibly a person.
"""

from __future__ import annotations

import time

from shieldwall.signals.base import Availability, SignalInput, Subject
from shieldwall.signals.guard import embedding, multilingual_model
from shieldwall.signals.guard.guard import GenerationGuard
from shieldwall.types import SignalResult


class GenerationGuardSignal:
    """Scores generation requests for undressing, nudifying or sexualising a real person."""

    name = "generation_guard"
    version = "2"  # 2: rules in 20 languages and scripts, and the multilingual judge
    applies_to = frozenset({Subject.GENERATION_REQUEST})
    description = (
        "Requests to a generative service that would undress, nudify or sexualise a real "
        "person (keyword rules in 20 languages and scripts plus semantic similarity)"
    )

    def __init__(self, guard: GenerationGuard | None = None) -> None:
        self._guard = guard or GenerationGuard()

    def availability(self) -> Availability:
        missing = embedding.missing_requirement()
        if missing:
            return Availability(
                usable=True,
                reason=f"semantic matching off ({missing}); keyword rules only",
                install_hint=embedding.INSTALL_HINT,
            )
        missing = multilingual_model.missing_requirement()
        if missing:
            return Availability(
                usable=True,
                reason=f"multilingual judge off ({missing}); rules and English semantics only",
                install_hint=multilingual_model.INSTALL_HINT,
            )
        return Availability(usable=True)

    def evaluate(self, item: SignalInput) -> SignalResult:
        began = time.perf_counter()
        if item.prompt is None:
            return SignalResult(
                signal=self.name, version=self.version, error="no prompt given", elapsed_ms=0.0
            )
        has_image = item.pixels is not None or item.media is not None
        decision = self._guard.evaluate(item.prompt, has_input_image=has_image)
        labels = decision.reason_codes + (("refuse",) if decision.refused else ())
        return SignalResult(
            signal=self.name,
            version=self.version,
            score=decision.score,
            labels=labels,
            evidence=decision.evidence,
            elapsed_ms=(time.perf_counter() - began) * 1000,
        )
