"""The Stable Diffusion reference watermark: found when embedded, absent from ordinary photos."""

from __future__ import annotations

import io
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

from shieldwall.signals import SignalInput
from shieldwall.signals.watermark import (
    KNOWN_WATERMARKS,
    LABEL_THRESHOLD,
    WatermarkSignal,
    block_bits,
    decode_bits,
    score_from_chance,
)

SIGNAL = WatermarkSignal()


def _rgb(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.uint8)


def _embed(module: ModuleType, rgb: np.ndarray, bits: tuple[int, ...]) -> np.ndarray:
    """What the SD reference scripts do: RGB -> BGR, imwatermark dwtDct encode, back to RGB."""
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    encoded = module.EmbedMaxDct(watermarks=list(bits), wmLen=len(bits)).encode(bgr)
    return np.ascontiguousarray(encoded[:, :, ::-1])


def _png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def astronaut(photo_paths: list[Path]) -> np.ndarray:
    return _rgb(next(p for p in photo_paths if p.name == "skimage__astronaut.png"))


@pytest.mark.parametrize("watermark", KNOWN_WATERMARKS, ids=lambda w: w.key)
def test_embedded_watermark_is_found_in_a_png_copy(
    imwatermark_embedder: ModuleType, astronaut: np.ndarray, watermark: object
) -> None:
    bits = watermark.bits  # type: ignore[attr-defined]
    marked = _png(_embed(imwatermark_embedder, astronaut, bits))
    result = SIGNAL.evaluate(SignalInput(media=marked))
    assert result.error is None
    assert result.score is not None and result.score >= LABEL_THRESHOLD
    key = watermark.key  # type: ignore[attr-defined]
    assert set(result.labels) == {"sd_watermark", f"{key}_watermark", "synthetic"}
    assert result.evidence[0].startswith(watermark.description)  # type: ignore[attr-defined]
    assert f"{len(bits)} of {len(bits)} bits agree" in result.evidence[0]


def test_pixels_work_when_no_file_is_given(
    imwatermark_embedder: ModuleType, astronaut: np.ndarray
) -> None:
    marked = _embed(imwatermark_embedder, astronaut, KNOWN_WATERMARKS[2].bits)
    result = SIGNAL.evaluate(SignalInput(pixels=marked))
    assert "sdxl_watermark" in result.labels


def test_ordinary_photos_show_no_watermark(photo_paths: list[Path]) -> None:
    for path in photo_paths:
        result = SIGNAL.evaluate(SignalInput(media=path.read_bytes()))
        assert result.error is None, path.name
        assert result.score is not None and result.score < LABEL_THRESHOLD, path.name
        assert result.labels == (), path.name


def test_decoder_matches_imwatermark_bit_for_bit(
    imwatermark_embedder: ModuleType, photo_paths: list[Path]
) -> None:
    images = [_rgb(p) for p in photo_paths if p.suffix == ".png"]
    # The four smallest that imwatermark accepts keep this quick (its decoder loops in Python).
    usable = sorted((i for i in images if i.shape[0] * i.shape[1] >= 256 * 256), key=np.size)
    for rgb in usable[:4]:
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        per_block = block_bits(bgr)
        for watermark in KNOWN_WATERMARKS:
            length = len(watermark.bits)
            theirs = imwatermark_embedder.EmbedMaxDct(watermarks=[], wmLen=length).decode(bgr)
            assert np.array_equal(decode_bits(per_block, length), np.asarray(theirs))


def test_small_images_cannot_carry_the_watermark() -> None:
    tiny = np.zeros((100, 120, 3), dtype=np.uint8)
    result = SIGNAL.evaluate(SignalInput(pixels=tiny))
    assert result.score == 0.0 and "too small" in result.evidence[0]


def test_unreadable_image_raises_for_the_runner_to_isolate() -> None:
    from shieldwall.signals import run_signals

    (result,) = run_signals([SIGNAL], SignalInput(media=b"\x89PNG\r\n\x1a\n broken"))
    assert result.error is not None and result.score is None


def test_score_grows_as_chance_shrinks() -> None:
    chances = [1.0, 0.1, 1e-3, 1e-4, 1e-6, 1e-8, 1e-12, 0.0]
    scores = [score_from_chance(c) for c in chances]
    assert scores == sorted(scores)
    assert scores[0] == 0.0 and scores[3] == pytest.approx(0.5) and scores[-1] == 1.0
