"""Hand-written fake signals for the framework tests: real objects with real behaviour."""

from __future__ import annotations

import threading

from shieldwall.signals import Availability, SignalInput, Subject
from shieldwall.types import SignalResult


class FakeSignal:
    """A signal whose behaviour is chosen by the test: answer, raise, stall, or be unusable."""

    version = "9"
    description = "fake"

    def __init__(
        self,
        name: str,
        *,
        behaviour: str = "ok",
        applies_to: frozenset[Subject] = frozenset({Subject.TEXT}),
        release: threading.Event | None = None,
    ) -> None:
        self.name = name
        self.behaviour = behaviour
        self.applies_to = applies_to
        self.release = release or threading.Event()
        self.calls = 0

    def availability(self) -> Availability:
        if self.behaviour == "unusable":
            return Availability(False, "needs a model", "pip install fake-model")
        if self.behaviour == "broken-availability":
            raise RuntimeError("availability exploded")
        return Availability(usable=True)

    def evaluate(self, item: SignalInput) -> SignalResult:
        self.calls += 1
        if self.behaviour == "raise":
            raise ValueError(f"{self.name} could not read /secret/path\nsecond line")
        if self.behaviour == "stall":
            self.release.wait(10)  # bounded, and the test releases it at once afterwards
        if self.behaviour == "not-a-result":
            return "oops"  # type: ignore[return-value]
        return SignalResult(
            signal=self.name, version=self.version, score=0.5, labels=("fake",), elapsed_ms=-1
        )
