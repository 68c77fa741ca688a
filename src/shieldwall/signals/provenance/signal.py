"""``ProvenanceSignal``: does the file say, in its own metadata, that it is synthetic?

It reads every origin statement the file carries (C2PA manifests, XMP DigitalSourceType,
generation settings in PNG text or EXIF, a generator's name in a software field) and answers
with the strongest one as the score, the union of their labels, and one evidence line each.

Absence is never evidence: metadata is stripped by almost every upload pipeline, so a file
without any gets score 0 and the evidence line "no provenance metadata found", not a label
saying it is authentic. A file whose metadata is damaged, with nothing readable left, gets an
error result (the policy then ignores the signal) instead of a misleading 0.
"""

from __future__ import annotations

import time

from shieldwall.signals.base import Availability, SignalInput, Subject
from shieldwall.signals.provenance.c2pa_manifest import (
    C2PA_INSTALL_HINT,
    C2paSettings,
    c2pa_findings,
    c2pa_missing,
)
from shieldwall.signals.provenance.containers import MEDIA_TYPES, read_container
from shieldwall.signals.provenance.findings import Finding
from shieldwall.signals.provenance.metadata import metadata_findings
from shieldwall.types import SignalResult

NO_EVIDENCE = (
    "no provenance metadata found (metadata is easily stripped: this is not evidence that the "
    "image is authentic)"
)

_C2PA_CONTAINERS = {"jpeg", "png", "webp", "gif", "tiff", "avif", "heif"}
_METADATA_CONTAINERS = {"jpeg", "png", "webp"}


class ProvenanceSignal:
    """Synthetic-origin evidence from C2PA manifests and unsigned metadata.

    ``trust_anchors`` is a PEM bundle of root certificates whose C2PA signers count as
    trusted (for example the C2PA trust list); without it a valid manifest is reported as
    valid but untrusted, which still counts as strong evidence when it declares AI origin.
    """

    name = "provenance"
    version = "1"
    applies_to = frozenset({Subject.IMAGE})
    description = (
        "Synthetic-origin claims in the file: C2PA manifests, IPTC DigitalSourceType, "
        "Stable Diffusion/ComfyUI settings, generator names"
    )

    def __init__(self, *, trust_anchors: str | None = None) -> None:
        self._c2pa = C2paSettings(trust_anchors=trust_anchors)

    def availability(self) -> Availability:
        missing = c2pa_missing()
        if missing:
            return Availability(usable=True, reason=missing, install_hint=C2PA_INSTALL_HINT)
        return Availability(usable=True)

    def evaluate(self, item: SignalInput) -> SignalResult:
        began = time.perf_counter()
        if not item.media:
            return self._result(began, error="no file bytes given: provenance reads the file")
        meta = read_container(item.media)
        if meta is None:
            return self._result(
                began, error="not a recognised image file (JPEG, PNG, WebP, GIF, TIFF, HEIF)"
            )
        findings: list[Finding] = []
        notes: list[str] = []
        if meta.container in _METADATA_CONTAINERS:
            findings += metadata_findings(meta)
        else:
            notes.append(f"{meta.container.upper()} metadata is not read; C2PA only")
        missing = c2pa_missing()
        if missing:
            notes.append(f"{missing}: {C2PA_INSTALL_HINT}")
        elif meta.container in _C2PA_CONTAINERS:
            try:
                findings += c2pa_findings(
                    item.media,
                    MEDIA_TYPES[meta.container],
                    self._c2pa,
                    # Where the container was walked, only claim a broken manifest if one was seen.
                    manifest_seen=meta.has_jumbf or meta.container not in _METADATA_CONTAINERS,
                )
            except Exception as exc:  # the native library's failures must not end the scan
                meta.problems.append(f"C2PA check failed ({type(exc).__name__}: {exc})"[:200])
        problems = [f"damaged metadata: {p}" for p in meta.problems]
        if not findings and problems:
            return self._result(began, error=problems[0], evidence=(*problems, *notes))
        findings.sort(key=lambda f: -f.strength)
        evidence = [f.evidence for f in findings] or [NO_EVIDENCE]
        labels = sorted({label for f in findings for label in f.labels})
        return SignalResult(
            signal=self.name,
            version=self.version,
            score=max((f.strength for f in findings), default=0.0),
            labels=tuple(labels),
            evidence=(*evidence, *problems, *notes),
            elapsed_ms=(time.perf_counter() - began) * 1000,
        )

    def _result(self, began: float, *, error: str, evidence: tuple[str, ...] = ()) -> SignalResult:
        return SignalResult(
            signal=self.name,
            version=self.version,
            error=error,
            evidence=evidence,
            elapsed_ms=(time.perf_counter() - began) * 1000,
        )
