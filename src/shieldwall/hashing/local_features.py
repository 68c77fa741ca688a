"""Local features (ORB) and their geometric verification: the optional second matching stage.

Why: PDQ is one global hash of the whole picture, so edits that *remove* picture (an
off-centre crop, a small turn cropped to the upright rectangle, a skew) or that make the
picture a small part of the upload (a screenshot of a web page, a photo over another
photo, a story frame) move it as far as an unrelated image. Local features survive both:
a few hundred corners, each with a 256-bit binary descriptor, and a match is accepted only
when enough of them agree on *one* plane-to-plane mapping (RANSAC homography), which
unrelated photos almost never do. The cost is size (~36 bytes a keypoint, a few hundred
keypoints an entry, against PDQ's 32 bytes an entry) and CPU, so this stage is only for
bank entries added from an image (``bank add``; a partner's plain hash has no image) and
only runs when the PDQ stage found nothing. Measured in ``bench/robustness``
(bench/RESULTS.md, "ORB + RANSAC second stage").

This module is pure: pixels in, :class:`LocalFeatures` out; :func:`verify` compares two
sets and says how many keypoints agree. The descriptor index that proposes candidates
lives in :mod:`shieldwall.index.local_features`; the matcher glues them.

Hostile input: a flat image has no keypoints (empty features, never an error), a tiny one
too; a noise image is capped at ``max_features`` keypoints by ORB itself, and the working
copy is reduced to ``max_side`` pixels first, so time is bounded whatever is uploaded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from shieldwall.errors import InvalidRecordError

__all__ = [
    "BANK_FEATURES",
    "MAX_STORED_KEYPOINTS",
    "QUERY_FEATURES",
    "QUERY_SIDE",
    "LocalFeatures",
    "Verification",
    "VerifyParams",
    "describe_local_match",
    "extract_local_features",
    "local_match_variant",
    "verify",
]

FORMAT_VERSION = 1
"""First byte of :meth:`LocalFeatures.to_bytes`; a stored blob of another version is
re-extracted rather than misread."""
MAX_SIDE = 640
"""The bank image's working copy, long side in pixels: enough corners on a phone photo,
and the extraction stays near 10 ms on one core."""
QUERY_SIDE = 1024
"""The upload's working copy: larger than the bank's because the picture may be a small
part of the upload (a web page, a story frame). Chosen on the bench's tuning half:
``web_screenshot`` 0.50 → 0.71 over 640 px, for ~4 ms more extraction."""
BANK_FEATURES = 500
"""Keypoints kept per bank entry (the strongest by ORB's Harris score)."""
QUERY_FEATURES = 1000
"""Keypoints per upload: more than the bank's, because the picture may be a small part of
the upload and its corners then compete with the rest of the page."""
MAX_STORED_KEYPOINTS = 1000
"""The most keypoints the store accepts with one entry (the bank side's cost bound)."""
_COORD_SCALE = 32.0
"""Coordinates are stored as uint16 in 1/32 pixel (working copy ≤ 2047 px a side)."""
_HEADER = struct.Struct("<BHHI")
"""version, width, height, keypoint count."""


@dataclass(frozen=True, slots=True)
class LocalFeatures:
    """Keypoints of one image: positions in its working copy and their ORB descriptors.

    ``points`` is ``(n, 2)`` float32 (x, y) in a ``width`` x ``height`` frame;
    ``descriptors`` is ``(n, 32)`` uint8 (256 bits each). ``n`` may be 0.
    """

    width: int
    height: int
    points: npt.NDArray[np.float32]
    descriptors: npt.NDArray[np.uint8]

    def __len__(self) -> int:
        return int(self.descriptors.shape[0])

    def to_bytes(self) -> bytes:
        """Compact storage form: a 9-byte header, then per keypoint 4 bytes of position and
        32 of descriptor (about 18 KB for 500 keypoints)."""
        coords = np.round(self.points * _COORD_SCALE).clip(0, 65535).astype("<u2")
        return (
            _HEADER.pack(FORMAT_VERSION, self.width, self.height, len(self))
            + coords.tobytes()
            + np.ascontiguousarray(self.descriptors, dtype=np.uint8).tobytes()
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> LocalFeatures:
        """Parse :meth:`to_bytes`; a blob of the wrong version or length is an
        :class:`InvalidRecordError` (the store holds it, so a corrupt row must say so)."""
        if len(data) < _HEADER.size:
            raise InvalidRecordError("local features blob is too short", value=len(data))
        version, width, height, count = _HEADER.unpack_from(data)
        if version != FORMAT_VERSION:
            raise InvalidRecordError("local features blob of an unknown version", value=version)
        if len(data) != _HEADER.size + 36 * count:
            raise InvalidRecordError("local features blob has the wrong length", value=len(data))
        start = _HEADER.size
        coords = np.frombuffer(data, "<u2", count * 2, start).reshape(count, 2)
        descriptors = np.frombuffer(data, np.uint8, count * 32, start + 4 * count)
        return cls(
            width,
            height,
            (coords.astype(np.float32) / _COORD_SCALE),
            descriptors.reshape(count, 32).copy(),
        )


def _grey(pixels: npt.NDArray[np.uint8], max_side: int) -> npt.NDArray[np.uint8]:
    """The working copy: grey, long side reduced to ``max_side`` (area averaging)."""
    grey = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels[..., :3], cv2.COLOR_RGB2GRAY)
    h, w = grey.shape[:2]
    scale = max_side / max(h, w)
    if scale < 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(grey, dtype=np.uint8)


def extract_local_features(
    pixels: npt.NDArray[np.uint8],
    *,
    max_features: int = BANK_FEATURES,
    max_side: int = MAX_SIDE,
) -> LocalFeatures:
    """ORB keypoints of an RGB (or grey) image, on a working copy of ``max_side`` pixels.

    ORB rather than SIFT: binary descriptors (32 bytes, Hamming distance, indexable by
    faiss's binary indexes) and several times faster; its lack of mirror invariance does
    not matter because flips are already caught by the PDQ stage's dihedral hashes.
    """
    grey = _grey(pixels, min(max_side, 2047))
    h, w = grey.shape
    empty = LocalFeatures(w, h, np.zeros((0, 2), np.float32), np.zeros((0, 32), np.uint8))
    if min(h, w) < 48:  # smaller than ORB's patch plus its pyramid border: nothing to find
        return empty
    orb = cv2.ORB.create(nfeatures=max_features, scaleFactor=1.2, nlevels=8, fastThreshold=12)
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    if descriptors is None or not keypoints:
        return empty
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32).reshape(-1, 2)
    return LocalFeatures(w, h, points, np.ascontiguousarray(descriptors, dtype=np.uint8))


@dataclass(frozen=True, slots=True)
class VerifyParams:
    """What counts as the same picture. Tuned on the bench's tuning half and its
    distinct-photo pairs only (bench/RESULTS.md)."""

    ratio: float = 0.8
    """Lowe's ratio test: a keypoint's best match must be clearly better than its second."""
    max_hamming: int = 64
    """A descriptor match farther than this (of 256 bits) is ignored."""
    min_inliers: int = 20
    """Keypoints that must agree on one homography."""
    reprojection_px: float = 5.0
    """RANSAC's inlier distance, in the query's working-copy pixels."""
    min_spread: float = 0.02
    """The inliers' convex hull must cover this share of the bank image, so that one small
    textured patch (a logo, a line of text) cannot carry a match."""
    scale_range: tuple[float, float] = (0.05, 20.0)
    """The mapping's area scale (bank → query) must lie in this range."""


DEFAULT_VERIFY = VerifyParams()


@dataclass(frozen=True, slots=True)
class Verification:
    """The outcome of :func:`verify`: inlier count, whether it is a match, and why not."""

    inliers: int
    matched: bool
    reason: str


def _rejected(inliers: int, reason: str) -> Verification:
    return Verification(inliers, False, reason)


def _hull_share(points: npt.NDArray[np.float32], width: int, height: int) -> float:
    if len(points) < 3:
        return 0.0
    hull = cv2.convexHull(points.reshape(-1, 1, 2))
    return float(cv2.contourArea(hull)) / float(max(1, width * height))


def verify(
    query: LocalFeatures, entry: LocalFeatures, params: VerifyParams = DEFAULT_VERIFY
) -> Verification:
    """Do ``query`` and ``entry`` show the same picture, up to a plane-to-plane mapping?

    Mutual-ratio descriptor matches, then a RANSAC homography from the entry's frame to
    the query's; accepted when at least ``min_inliers`` agree and the mapping is sane: it
    keeps the entry's rectangle convex and not mirrored, its scale is plausible, and the
    inliers spread over the entry rather than one small patch.
    """
    if len(query) < 2 or len(entry) < params.min_inliers:
        return _rejected(0, "too few keypoints")
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(query.descriptors, entry.descriptors, k=2)
    good = [
        p[0]
        for p in pairs
        if len(p) == 2
        and p[0].distance <= params.max_hamming
        and p[0].distance < params.ratio * p[1].distance
    ]
    if len(good) < params.min_inliers:
        return _rejected(len(good), "too few descriptor matches")
    src = entry.points[[m.trainIdx for m in good]].reshape(-1, 1, 2)
    dst = query.points[[m.queryIdx for m in good]].reshape(-1, 1, 2)
    homography, mask = cv2.findHomography(
        src, dst, cv2.RANSAC, params.reprojection_px, maxIters=2000, confidence=0.995
    )
    if homography is None or mask is None:
        return _rejected(0, "no homography")
    keep = mask.ravel().astype(bool)
    inliers = int(keep.sum())
    if inliers < params.min_inliers:
        return _rejected(inliers, "too few inliers")
    scale = float(np.linalg.det(homography[:2, :2]))
    low, high = params.scale_range
    if not low <= scale <= high:
        return _rejected(inliers, "implausible scale or mirrored")
    w, h = entry.width, entry.height
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32).reshape(-1, 1, 2)
    projected = cv2.perspectiveTransform(corners, homography)
    if not np.isfinite(projected).all() or not cv2.isContourConvex(projected):
        return _rejected(inliers, "degenerate mapping")
    if _hull_share(src.reshape(-1, 2)[keep], w, h) < params.min_spread:
        return _rejected(inliers, "inliers bunched in one patch")
    return Verification(inliers, True, "same picture")


_VARIANT_PREFIX = "local_features("


def local_match_variant(inliers: int) -> str:
    """What ``Match.variant`` holds for a match found by this stage: ``local_features(37)``."""
    return f"{_VARIANT_PREFIX}{inliers})"


def describe_local_match(variant: str) -> str | None:
    """The moderator's phrase for a :func:`local_match_variant`, else ``None``."""
    if variant.startswith(_VARIANT_PREFIX) and variant.endswith(")"):
        return f"matched via local features ({variant[len(_VARIANT_PREFIX) : -1]} inliers)"
    return None
