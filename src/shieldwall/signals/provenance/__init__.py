"""Synthetic-origin evidence from the file itself: C2PA manifests and provenance metadata.

See :mod:`shieldwall.signals.provenance.signal` for what the ``provenance`` signal reports and
how strongly, and ``docs/signals.md`` for the labels the policy can use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from shieldwall.signals.provenance.findings import (
    GENERATOR_NAMES,
    LABEL_AI_COMPOSITE,
    LABEL_AI_GENERATED,
    LABEL_SYNTHETIC,
    Finding,
)
from shieldwall.signals.provenance.signal import NO_EVIDENCE, ProvenanceSignal

if TYPE_CHECKING:
    from shieldwall.signals.base import Signal
    from shieldwall.signals.registry import SignalContext

__all__ = [
    "GENERATOR_NAMES",
    "LABEL_AI_COMPOSITE",
    "LABEL_AI_GENERATED",
    "LABEL_SYNTHETIC",
    "NO_EVIDENCE",
    "Finding",
    "ProvenanceSignal",
    "builtin_signals",
]


def builtin_signals(context: SignalContext) -> list[Signal]:
    """The registry's entry point: this module's signals, built for ``context``."""
    return [ProvenanceSignal(trust_anchors=context.c2pa_trust_anchors)]
