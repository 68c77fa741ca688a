"""``FaceSignal``: does an image show a human face, and how prominently?

A face is what makes an intimate image identifiable, so the policy combines this signal with
``nudity`` to route possible intimate images of real people to review (see ``intimate``).

Detector: OpenCV's Haar cascades, which ship inside the ``opencv-python-headless`` wheel
(``cv2.data``) and need no download. MediaPipe's BlazeFace would be more accurate, but
``mediapipe==0.10.21`` (the last release that ships the models in its wheel) requires
numpy < 2, which Shieldwall cannot take; OpenCV 5 no longer ships the cascades, hence
``opencv-python-headless < 5``. A frontal-face cascade proposes faces on a grayscale copy at
most 480 pixels wide; each proposal's confidence (0-1) adds up independent checks, because a
single cascade fires on coins, fruit and the moon:

* a second cascade (``alt2``) agrees around the same box: 0.40;
* an eye is found in the upper part of the box: 0.25;
* skin-coloured pixels (YCrCb range) cover at least 30% of the box, colour images only: 0.15;
* the first cascade's own level weight, scaled: up to 0.20.

Score: the highest face confidence (0 when none). Label ``face_present`` when it is >= 0.5.
Evidence: "2 faces, largest 18% of the image". Profile and small faces (< 4% of the shorter
side) are missed; this is a routing signal, not an identifier, and it never recognises anyone.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from shieldwall.signals.base import Availability, ItemMemo, SignalInput, Subject
from shieldwall.types import SignalResult

if TYPE_CHECKING:
    from shieldwall.signals.registry import SignalContext

INSTALL_HINT = "pip install 'opencv-python-headless>=4.8,<5'"
FACE_THRESHOLD = 0.5
WORK_SIZE = 480
"""Longest side of the grayscale copy the cascades scan (speed over tiny faces)."""

MAX_DECODE_PIXELS = 100_000_000
"""Media larger than this is refused before decoding, like the hashing decoder does."""

_MIN_FACE_FRACTION = 0.04

Pixels = npt.NDArray[np.uint8]


def pixels_of(item: SignalInput, *, max_side: int = 1024) -> Pixels:
    """The item's RGB pixels: ``item.pixels`` when given, else ``item.media`` decoded.

    Decoding here is a fallback for callers that did not decode (the scan pipeline passes
    pixels). JPEGs are decoded at reduced size (``draft``) since image signals look at
    <= 1024 pixels anyway; EXIF orientation is applied. Raises ``ValueError`` with a reason a
    person can read when there is nothing decodable.
    """
    if item.pixels is not None:
        return to_rgb(item.pixels)
    if not item.media:
        raise ValueError("no image given: neither pixels nor file bytes")
    try:
        with Image.open(io.BytesIO(item.media)) as image:
            if image.width * image.height > MAX_DECODE_PIXELS:
                raise ValueError(f"image has {image.width}x{image.height} pixels: too large")
            image.draft("RGB", (max_side, max_side))
            oriented = ImageOps.exif_transpose(image).convert("RGB")
            oriented.thumbnail((max_side, max_side), Image.Resampling.BILINEAR)
            return np.asarray(oriented, dtype=np.uint8)
    except (OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValueError(f"file could not be decoded as an image: {exc}") from exc


def to_rgb(pixels: npt.NDArray[Any]) -> Pixels:
    """Any HxW, HxWx1, HxWx3 or HxWx4 array as HxWx3 uint8 (grayscale repeated, alpha dropped)."""
    array = np.asarray(pixels)
    if array.dtype != np.uint8:
        array = np.clip(array, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[0] == 0 or array.shape[1] == 0:
        raise ValueError(f"pixels must be an HxW or HxWxC image, got shape {array.shape}")
    channels = array.shape[2]
    if channels == 1:
        return np.repeat(array, 3, axis=2)
    if channels in (3, 4):
        return np.ascontiguousarray(array[:, :, :3])
    raise ValueError(f"pixels must have 1, 3 or 4 channels, got {channels}")


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face: its box in the image given, and a 0-1 confidence."""

    x: int
    y: int
    width: int
    height: int
    confidence: float

    def area_fraction(self, image_width: int, image_height: int) -> float:
        return (self.width * self.height) / max(1, image_width * image_height)


class _Cascades:
    """The three cascades, loaded once. OpenCV cascades are not thread-safe: use the lock."""

    def __init__(self) -> None:
        cv2: Any = importlib.import_module("cv2")
        root = str(cv2.data.haarcascades)
        self.cv2 = cv2
        self.face = cv2.CascadeClassifier(root + "haarcascade_frontalface_default.xml")
        self.alt = cv2.CascadeClassifier(root + "haarcascade_frontalface_alt2.xml")
        self.eye = cv2.CascadeClassifier(root + "haarcascade_eye.xml")
        if self.face.empty() or self.alt.empty() or self.eye.empty():
            raise RuntimeError(f"OpenCV Haar cascades are missing under {root}")
        self.lock = threading.Lock()


def detect_faces(pixels: Pixels, cascades: _Cascades) -> list[Face]:
    """Faces in an RGB image, boxes in that image's coordinates, highest confidence first."""
    cv2 = cascades.cv2
    height, width = pixels.shape[:2]
    scale = min(1.0, WORK_SIZE / max(height, width))
    small = pixels
    if scale < 1.0:
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR))
    gray = cv2.equalizeHist(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY))
    is_colour = bool(np.ptp(small.astype(np.int16)[:, :, :3] - small[:, :, :1], axis=None) > 8)
    ycrcb = cv2.cvtColor(small, cv2.COLOR_RGB2YCrCb) if is_colour else None
    side = min(gray.shape)
    min_face = max(20, int(side * _MIN_FACE_FRACTION))
    if side < min_face:
        return []
    faces: list[Face] = []
    with cascades.lock:
        boxes, _, weights = cascades.face.detectMultiScale3(
            gray, scaleFactor=1.15, minNeighbors=4, minSize=(min_face, min_face),
            outputRejectLevels=True,
        )  # fmt: skip
        for (x, y, w, h), weight in zip(boxes, np.ravel(weights), strict=False):
            confidence = min(0.2, max(0.0, (float(weight) - 3.0) / 6.0) * 0.2)
            pad_x, pad_y = w // 4, h // 4
            around = gray[max(0, y - pad_y) : y + h + pad_y, max(0, x - pad_x) : x + w + pad_x]
            if len(cascades.alt.detectMultiScale(around, 1.1, 3, minSize=(w // 2, h // 2))):
                confidence += 0.40
            upper = gray[y : y + int(h * 0.6), x : x + w]
            eye_size = max(5, w // 8)
            if len(cascades.eye.detectMultiScale(upper, 1.1, 3, minSize=(eye_size, eye_size))):
                confidence += 0.25
            if ycrcb is not None:
                box = ycrcb[y : y + h, x : x + w]
                skin = (box[:, :, 1] >= 133) & (box[:, :, 1] <= 173) & (box[:, :, 2] >= 77)
                skin &= box[:, :, 2] <= 127
                if skin.mean() >= 0.3:
                    confidence += 0.15
            faces.append(
                Face(
                    x=round(x / scale), y=round(y / scale),
                    width=round(w / scale), height=round(h / scale),
                    confidence=round(min(confidence, 1.0), 3),
                )
            )  # fmt: skip
    faces.sort(key=lambda f: f.confidence, reverse=True)
    return faces


class FaceSignal:
    """Face presence and prominence from OpenCV Haar cascades; see the module docstring."""

    name = "faces"
    version = "1"
    heavy = True
    applies_to = frozenset({Subject.IMAGE})
    description = "Human faces in an image (OpenCV Haar cascades): count, size, confidence"

    def __init__(self, *, threshold: float = FACE_THRESHOLD) -> None:
        self.threshold = threshold
        self._cascades: _Cascades | None = None
        self._load_lock = threading.Lock()
        self._memo = ItemMemo()

    def availability(self) -> Availability:
        if importlib.util.find_spec("cv2") is None:
            return Availability(
                usable=False, reason="OpenCV is not installed", install_hint=INSTALL_HINT
            )
        return Availability(usable=True)

    def _loaded(self) -> _Cascades:
        with self._load_lock:
            if self._cascades is None:
                self._cascades = _Cascades()
            return self._cascades

    def warm_up(self) -> None:
        """Load the cascades now rather than on the first image."""
        self._loaded()

    def faces(self, pixels: Pixels) -> list[Face]:
        """All candidate faces in RGB ``pixels`` (including those below the threshold)."""
        return detect_faces(to_rgb(pixels), self._loaded())

    def faces_item(self, item: SignalInput) -> tuple[list[Face], tuple[int, int]]:
        """Candidate faces and the (height, width) they were found in, once per item."""

        def run() -> tuple[list[Face], tuple[int, int]]:
            pixels = pixels_of(item)
            return self.faces(pixels), (int(pixels.shape[0]), int(pixels.shape[1]))

        return self._memo.get(item, run)

    def evaluate(self, item: SignalInput) -> SignalResult:
        began = time.perf_counter()
        faces, (height, width) = self.faces_item(item)
        kept = [f for f in faces if f.confidence >= self.threshold]
        score = faces[0].confidence if faces else 0.0
        if kept:
            largest = max(f.area_fraction(width, height) for f in kept)
            noun = "face" if len(kept) == 1 else "faces"
            evidence = [
                f"{len(kept)} {noun}, largest {largest:.0%} of the image "
                f"(confidence {kept[0].confidence:.2f})"
            ]
        else:
            evidence = ["no face found"]
        weak = len(faces) - len(kept)
        if weak:
            evidence.append(f"{weak} face-like region(s) below confidence {self.threshold:g}")
        return SignalResult(
            signal=self.name,
            version=self.version,
            score=score,
            labels=("face_present",) if kept else (),
            evidence=tuple(evidence),
            elapsed_ms=(time.perf_counter() - began) * 1000,
        )


_shared: FaceSignal | None = None
_shared_lock = threading.Lock()


def shared_faces() -> FaceSignal:
    """The process-wide instance, so ``faces`` and ``intimate_real_person`` share cascades."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = FaceSignal()
        return _shared


def builtin_signals(context: SignalContext) -> list[FaceSignal]:
    """The registry's entry point: the shared ``faces`` signal."""
    return [shared_faces()]
