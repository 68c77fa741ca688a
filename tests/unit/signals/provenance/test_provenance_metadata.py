"""Unsigned provenance metadata: XMP DigitalSourceType, PNG generator settings, EXIF, damage."""

from __future__ import annotations

import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, PngImagePlugin
from tests.unit.signals.provenance.conftest import IPTC

from shieldwall.signals import SignalInput
from shieldwall.signals.provenance import NO_EVIDENCE, ProvenanceSignal
from shieldwall.types import SignalResult

SIGNAL = ProvenanceSignal()

XMP = """<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
 Iptc4xmpExt:DigitalSourceType="{source}"/>
</rdf:RDF></x:xmpmeta><?xpacket end="w"?>"""

A1111 = (
    "portrait of Jane Example at the beach\nNegative prompt: blurry\n"
    "Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 512x512, "
    "Model hash: abcdef, Model: demo-model-v1"
)


def _run(media: bytes) -> SignalResult:
    return SIGNAL.evaluate(SignalInput(media=media))


def _with_xmp_app1(jpeg: bytes, packet: bytes) -> bytes:
    body = b"http://ns.adobe.com/xap/1.0/\x00" + packet
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body + jpeg[2:]


def _png(stripped_png: bytes, info: PngImagePlugin.PngInfo) -> bytes:
    with Image.open(io.BytesIO(stripped_png)) as image:
        out = io.BytesIO()
        image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


def test_stripped_photo_is_no_evidence(stripped_jpeg: bytes, stripped_png: bytes) -> None:
    for media in (stripped_jpeg, stripped_png):
        result = _run(media)
        assert result.error is None and result.score == 0.0 and result.labels == ()
        assert result.evidence[0] == NO_EVIDENCE


def test_none_of_the_benign_test_photos_looks_synthetic(photo_paths: list[Path]) -> None:
    for path in photo_paths:
        result = _run(path.read_bytes())
        assert result.error is None, (path.name, result.error)
        assert result.score == 0.0 and "synthetic" not in result.labels, path.name


@pytest.mark.parametrize(
    ("code", "labels", "score"),
    [
        ("trainedAlgorithmicMedia", {"ai_generated", "synthetic"}, 0.8),
        ("compositeWithTrainedAlgorithmicMedia", {"ai_composite", "synthetic"}, 0.8),
        ("digitalCapture", set(), 0.0),
    ],
)
def test_xmp_digital_source_type_in_jpeg(
    stripped_jpeg: bytes, code: str, labels: set[str], score: float
) -> None:
    packet = XMP.format(source=IPTC + code).encode()
    result = _run(_with_xmp_app1(stripped_jpeg, packet))
    assert set(result.labels) == labels and result.score == pytest.approx(score)
    assert f"XMP Iptc4xmpExt:DigitalSourceType is {code}" in result.evidence[0]


def test_xmp_digital_source_type_in_png_itxt(stripped_png: bytes) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", XMP.format(source=IPTC + "trainedAlgorithmicMedia"))
    result = _run(_png(stripped_png, info))
    assert "ai_generated" in result.labels and result.score == pytest.approx(0.8)


def test_stable_diffusion_parameters_chunk_is_reported_without_the_prompt(
    stripped_png: bytes,
) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", A1111)
    result = _run(_png(stripped_png, info))
    assert {"ai_generated", "synthetic", "generator_settings"} <= set(result.labels)
    assert result.score == pytest.approx(0.85)
    (line,) = result.evidence
    assert "Steps, Sampler, CFG scale, Seed" in line and "model 'demo-model-v1'" in line
    assert "Jane" not in line and "beach" not in line


def test_comfyui_graph_in_compressed_text_chunk(stripped_png: bytes) -> None:
    graph = {
        "3": {"class_type": "KSampler", "inputs": {"seed": 5}},
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a private prompt"}},
    }
    info = PngImagePlugin.PngInfo()
    info.add_text("prompt", json.dumps(graph), zip=True)
    result = _run(_png(stripped_png, info))
    assert "generator_settings" in result.labels
    assert "ComfyUI node graph (3 nodes" in result.evidence[0]
    assert "private prompt" not in result.evidence[0]


def test_exif_software_and_user_comment(photo: Path) -> None:
    with Image.open(photo) as image:
        exif = Image.Exif()
        exif[0x0131] = "Stable Diffusion web UI"
        exif[0x8769] = {0x9286: b"UNICODE\x00" + A1111.encode("utf-16-be")}
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", exif=exif.tobytes())
    result = _run(out.getvalue())
    evidence = "\n".join(result.evidence)
    assert "EXIF Software names the image generator 'stable diffusion'" in evidence
    assert "EXIF UserComment holds Stable Diffusion generation settings" in evidence
    assert "Jane" not in evidence


def test_a_word_like_seed_in_a_caption_is_not_generator_settings(stripped_png: bytes) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Seed: sunflower, photographed in June")
    assert _run(_png(stripped_png, info)).score == 0.0


def test_xmp_with_entity_declarations_is_refused(stripped_jpeg: bytes) -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    result = _run(_with_xmp_app1(stripped_jpeg, bomb))
    assert result.score == 0.0 and "declares XML entities" in result.evidence[0]


def test_malformed_xmp_is_explained(stripped_jpeg: bytes) -> None:
    result = _run(_with_xmp_app1(stripped_jpeg, b"<x:xmpmeta><unclosed>"))
    assert result.error is None and "not well-formed XML" in result.evidence[0]


def test_truncated_png_metadata_is_a_clean_error(stripped_png: bytes) -> None:
    # A chunk whose declared length runs past the end of the file, before any metadata.
    damaged = stripped_png[:8] + struct.pack(">I4s", 10_000_000, b"tEXt") + b"short"
    result = _run(damaged)
    assert result.score is None
    assert result.error is not None and "runs past the end of the file" in result.error


def test_corrupt_compressed_text_is_reported(stripped_png: bytes) -> None:
    body = b"parameters\x00\x00" + b"not zlib data"
    chunk = struct.pack(">I", len(body)) + b"zTXt" + body
    chunk += struct.pack(">I", zlib.crc32(b"zTXt" + body))
    damaged = stripped_png[:33] + chunk + stripped_png[33:]  # after the 25-byte IHDR chunk
    result = _run(damaged)
    assert result.error is not None and "compressed text is corrupt" in result.error


@pytest.mark.parametrize("media", [b"", b"not an image at all", b"\x00" * 64])
def test_non_images_are_errors_not_crashes(media: bytes) -> None:
    result = _run(media)
    assert result.score is None and result.error


@pytest.fixture(scope="module")
def tagged_png(stripped_png: bytes) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("parameters", A1111)
    info.add_itxt("XML:com.adobe.xmp", XMP.format(source=IPTC + "trainedAlgorithmicMedia"))
    return _png(stripped_png, info)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0, max_value=3000), noise=st.binary(max_size=64))
def test_damaged_files_never_raise(tagged_png: bytes, cut: int, noise: bytes) -> None:
    result = _run(tagged_png[: 8 + cut] + noise)
    assert (result.error is None) == (result.score is not None)
