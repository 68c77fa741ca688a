"""``IntimateRealPersonSignal``: could this be an intimate image of a real, identifiable person?

Non-consensual intimate imagery harms a person because they can be recognised. This signal
combines the ``nudity`` score with the ``faces`` score into one routing score for review-first
queues: score = min(nudity, face confidence), so it is high only when both are. Label
``possible_intimate_real_person`` when nudity >= ``nudity_threshold`` (0.8) and a face is
present (>= ``face_threshold``, 0.5), the same combination the default policy's
``nudity-with-face`` rule uses. It never removes anything on its own: it is evidence for a
person to weigh, and both detectors err (see their modules).

It asks the shared ``nudity`` and ``faces`` instances, which compute each item once and keep
the answer for the other signals of the same scan (``ItemMemo``): when all three run, the
models run once each, not twice.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from shieldwall.signals.base import Availability, SignalInput, Subject
from shieldwall.signals.faces import FACE_THRESHOLD, FaceSignal, shared_faces
from shieldwall.signals.nudity import HIGH_THRESHOLD, NuditySignal, shared_nudity
from shieldwall.types import SignalResult

if TYPE_CHECKING:
    from shieldwall.signals.registry import SignalContext


class IntimateRealPersonSignal:
    """Nudity together with a visible face; see the module docstring."""

    name = "intimate_real_person"
    version = "1"
    heavy = True
    applies_to = frozenset({Subject.IMAGE})
    description = "Possible intimate image of a real person: nudity score with a visible face"

    def __init__(
        self,
        *,
        nudity: NuditySignal | None = None,
        faces: FaceSignal | None = None,
        nudity_threshold: float = HIGH_THRESHOLD,
        face_threshold: float = FACE_THRESHOLD,
    ) -> None:
        self._nudity = nudity or shared_nudity()
        self._faces = faces or shared_faces()
        self.nudity_threshold = nudity_threshold
        self.face_threshold = face_threshold

    def availability(self) -> Availability:
        for part in (self._nudity, self._faces):
            found = part.availability()
            if not found.usable:
                reason = f"needs the {part.name} signal: {found.reason}"
                return Availability(False, reason=reason, install_hint=found.install_hint)
        return Availability(usable=True)

    def evaluate(self, item: SignalInput) -> SignalResult:
        began = time.perf_counter()
        nudity = self._nudity.score_item(item)
        faces, _ = self._faces.faces_item(item)
        face = faces[0].confidence if faces else 0.0
        both = nudity >= self.nudity_threshold and face >= self.face_threshold
        face_text = f"best face confidence {face:.2f}" if faces else "no face found"
        return SignalResult(
            signal=self.name,
            version=self.version,
            score=round(min(nudity, face), 4),
            labels=("possible_intimate_real_person",) if both else (),
            evidence=(
                f"open_nsfw score {nudity:.3f} (needs >= {self.nudity_threshold:g}), "
                f"{face_text} (needs >= {self.face_threshold:g})",
                "routes to review only: never acts on its own",
            ),
            elapsed_ms=(time.perf_counter() - began) * 1000,
        )


def builtin_signals(context: SignalContext) -> list[IntimateRealPersonSignal]:
    """The registry's entry point: built on the shared ``nudity`` and ``faces`` instances."""
    return [IntimateRealPersonSignal()]
