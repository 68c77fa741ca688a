"""C2PA manifests: AI-origin claims come with their validation state; nothing is "authentic"."""

from __future__ import annotations

import pytest
from tests.unit.signals.provenance.conftest import IPTC, CertChain, SignC2pa

from shieldwall.signals import SignalInput
from shieldwall.signals.provenance import NO_EVIDENCE, ProvenanceSignal

CREATED_BY_AI = [{"action": "c2pa.created", "digitalSourceType": IPTC + "trainedAlgorithmicMedia"}]


def _evaluate(media: bytes, **kwargs: str) -> tuple:  # type: ignore[type-arg]
    result = ProvenanceSignal(**kwargs).evaluate(SignalInput(media=media))
    assert result.error is None, result.error
    return result.score, set(result.labels), "\n".join(result.evidence)


@pytest.mark.parametrize(
    ("fixture", "media_type"), [("stripped_jpeg", "image/jpeg"), ("stripped_png", "image/png")]
)
def test_ai_generated_manifest_is_strong_synthetic_evidence(
    request: pytest.FixtureRequest, sign_c2pa: SignC2pa, fixture: str, media_type: str
) -> None:
    signed = sign_c2pa(request.getfixturevalue(fixture), media_type, CREATED_BY_AI)
    score, labels, evidence = _evaluate(signed)
    assert score == pytest.approx(0.9)
    assert {"ai_generated", "synthetic", "c2pa_present"} <= labels
    assert "c2pa_invalid" not in labels and "c2pa_trusted" not in labels
    assert "c2pa.created on this image declares digitalSourceType trainedAlgorithmicMedia" in (
        evidence
    )
    assert "claim generator Example Image Generator 2.1" in evidence
    assert "signer not on a trust list configured here" in evidence


def test_signer_under_a_configured_trust_anchor_is_trusted(
    stripped_jpeg: bytes, sign_c2pa: SignC2pa, test_ca: CertChain
) -> None:
    signed = sign_c2pa(stripped_jpeg, "image/jpeg", CREATED_BY_AI)
    score, labels, evidence = _evaluate(signed, trust_anchors=test_ca.root_pem)
    assert score == pytest.approx(0.95)
    assert "c2pa_trusted" in labels
    assert "signed by Test Generator Signer (trusted)" in evidence


def test_composite_with_ai_content_is_labelled_as_such(
    stripped_jpeg: bytes, sign_c2pa: SignC2pa
) -> None:
    actions = [
        {"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCreation"},
        {"action": "c2pa.edited",
         "digitalSourceType": IPTC + "compositeWithTrainedAlgorithmicMedia"},
    ]  # fmt: skip
    score, labels, evidence = _evaluate(sign_c2pa(stripped_jpeg, "image/jpeg", actions))
    assert {"ai_composite", "synthetic"} <= labels and "ai_generated" not in labels
    assert score == pytest.approx(0.9)
    assert "c2pa.edited" in evidence


def test_camera_capture_manifest_is_reported_but_never_called_authentic(
    stripped_jpeg: bytes, sign_c2pa: SignC2pa
) -> None:
    actions = [{"action": "c2pa.created", "digitalSourceType": IPTC + "digitalCapture"}]
    score, labels, evidence = _evaluate(sign_c2pa(stripped_jpeg, "image/jpeg", actions))
    assert score == 0.0
    assert labels == {"c2pa_present"}
    assert "authentic" not in evidence.lower().replace("not evidence that", "")


def test_file_changed_after_signing_is_invalid_but_its_claim_still_counts(
    stripped_jpeg: bytes, sign_c2pa: SignC2pa
) -> None:
    signed = bytearray(sign_c2pa(stripped_jpeg, "image/jpeg", CREATED_BY_AI))
    signed[-1000] ^= 0xFF  # flip bits inside the image data, after the manifest
    score, labels, evidence = _evaluate(bytes(signed))
    assert {"c2pa_invalid", "ai_generated"} <= labels
    assert score == pytest.approx(0.6)
    assert "does not validate (assertion.dataHash.mismatch" in evidence


def test_damaged_manifest_is_a_finding_not_a_crash(
    stripped_jpeg: bytes, sign_c2pa: SignC2pa
) -> None:
    signed = bytearray(sign_c2pa(stripped_jpeg, "image/jpeg", CREATED_BY_AI))
    start = signed.find(b"jumb")
    signed[start + 40 : start + 240] = bytes(200)  # zero part of the manifest store itself
    result = ProvenanceSignal().evaluate(SignalInput(media=bytes(signed)))
    text = "\n".join(result.evidence) + (result.error or "")
    assert result.error is not None or "c2pa_invalid" in result.labels
    assert "Traceback" not in text


def test_stripped_copy_of_a_signed_image_is_no_evidence(stripped_jpeg: bytes) -> None:
    score, labels, evidence = _evaluate(stripped_jpeg)
    assert score == 0.0 and labels == set()
    assert evidence == NO_EVIDENCE
