"""Video hashing and matching, vPDQ-style: one PDQ per second of video, matched as sets.

Why per-frame PDQ (Meta's vPDQ) and not one hash per video: a re-shared video
is re-encoded, trimmed, or cut into a longer compilation; the frames survive
all of that, so matching compares *which frames* of one video appear in the
other. :func:`match_videos` reports two percentages, as vpdq does: the share of
the query's frames that match some target frame within the threshold, and the
share of the target's frames matched by some query frame. A clip cut out of a
longer banked video scores ~100% query / low target; a copy of the whole video
~100% both ways.

Frames are decoded with PyAV (the ``av`` package, FFmpeg bindings; optional
extra ``[video]``) at about one per second (the first decoded frame at or after
each whole second); animated GIF and WebP are read with Pillow and treated as
video the same way. :class:`VideoIndex` puts every frame hash of many videos
into one :class:`~shieldwall.index.MihPdqIndex` (frame ids map back to videos)
and ranks videos by match percentage.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageSequence

from shieldwall.errors import DecompressionBombError, ImageError
from shieldwall.hashing.pdq import pdq_from_pixels
from shieldwall.types import DEFAULT_PDQ_THRESHOLD, DEFAULT_QUALITY_THRESHOLD

__all__ = [
    "FrameHash",
    "VideoError",
    "VideoHashes",
    "VideoMatch",
    "frames_of",
    "hash_video",
    "match_videos",
    "usable_frames",
]

FRAME_INTERVAL_S = 1.0
"""One frame hashed per this many seconds of video."""
MAX_FRAMES = 7200
"""Stop after two hours of frames: a bound on work for one hostile upload."""
_FRAME_SIDE = 512
"""Frames are reduced to at most this long side before hashing (PDQ barely moves)."""
MAX_FRAME_PIXELS = 36_000_000
"""Default largest frame (a little over 8K UHD). A 395 KB 16384x8192 video took 2.8 GB to
decode before frames had a limit; the size is read from the stream header, before decoding."""


class VideoError(ImageError):
    """A video that cannot be decoded (corrupt, unsupported codec, no frames)."""

    code = "video_error"


@dataclass(frozen=True, slots=True)
class FrameHash:
    timestamp_s: float
    pdq: str
    quality: int


@dataclass(frozen=True, slots=True)
class VideoHashes:
    """Per-second frame hashes of one video, plus exact digests of the file."""

    frames: tuple[FrameHash, ...]
    md5: str
    sha256: str
    duration: float


@dataclass(frozen=True, slots=True)
class VideoMatch:
    """How much of each video appears in the other, in percent (vpdq's two numbers)."""

    query_pct: float
    target_pct: float

    def matches(self, query_min: float = 80.0, target_min: float = 0.0) -> bool:
        return self.query_pct >= query_min and self.target_pct >= target_min


def _reduce(image: Image.Image) -> npt.NDArray[np.uint8]:
    rgb = image.convert("RGB")
    if max(rgb.size) > _FRAME_SIDE:
        rgb.thumbnail((_FRAME_SIDE, _FRAME_SIDE), Image.Resampling.BOX)
    return np.asarray(rgb)


def _check_frame_size(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise DecompressionBombError(
            f"video frames of {width}x{height} exceed the limit of {max_pixels} pixels",
            value=f"{width}x{height}",
        )


def _pyav_frames(data: bytes, max_pixels: int) -> Iterator[tuple[float, Image.Image]]:
    try:
        import av
    except ImportError as exc:  # the [video] extra is not installed
        raise VideoError("video support needs the 'av' package (PyAV)") from exc
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            stream = container.streams.video[0]
            # The declared size, before a single frame is decoded.
            ctx = stream.codec_context
            _check_frame_size(int(ctx.width or 0), int(ctx.height or 0), max_pixels)
            stream.thread_type = "AUTO"
            next_at = 0.0
            for frame in container.decode(stream):
                # A stream may change size mid-way; each decoded frame is checked too.
                _check_frame_size(frame.width, frame.height, max_pixels)
                if frame.time is None:
                    continue
                t = float(frame.time)
                if t + 1e-6 < next_at:
                    continue
                yield t, frame.to_image()  # type: ignore[no-untyped-call]  # PyAV stub
                next_at = (int(t / FRAME_INTERVAL_S + 1e-6) + 1) * FRAME_INTERVAL_S
    except (VideoError, DecompressionBombError):
        raise
    except Exception as exc:  # every FFmpeg failure becomes one typed error
        raise VideoError("the video cannot be decoded", value=str(exc)) from exc


def _animation_frames(image: Image.Image) -> Iterator[tuple[float, Image.Image]]:
    t = 0.0
    next_at = 0.0
    for frame in ImageSequence.Iterator(image):
        if t + 1e-6 >= next_at:
            yield t, frame.copy()
            next_at = (int(t / FRAME_INTERVAL_S + 1e-6) + 1) * FRAME_INTERVAL_S
        t += max(int(frame.info.get("duration", 100) or 100), 20) / 1000.0


def _animated(data: bytes, max_pixels: int) -> Image.Image | None:
    """An animated GIF or WebP, opened with Pillow; None for anything else."""
    if not (data[:6] in (b"GIF87a", b"GIF89a") or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")):
        return None
    try:
        image = Image.open(io.BytesIO(data), formats=["GIF", "WEBP"])
    except Exception as exc:
        raise VideoError("the animation cannot be decoded", value=str(exc)) from exc
    try:
        _check_frame_size(image.width, image.height, max_pixels)
    except DecompressionBombError:
        image.close()
        raise
    return image


def hash_video(source: Path | str | bytes, *, max_pixels: int = MAX_FRAME_PIXELS) -> VideoHashes:
    """Frame hashes (about one per second) and MD5/SHA-256 of a video or an animated image.

    Frames larger than ``max_pixels`` are refused (:class:`DecompressionBombError`) from
    the stream header, before any frame is decoded.
    """
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    animation = _animated(data, max_pixels)
    frames_iter = _animation_frames(animation) if animation else _pyav_frames(data, max_pixels)
    frames: list[FrameHash] = []
    last = 0.0
    try:
        for t, image in frames_iter:
            pdq, quality = pdq_from_pixels(_reduce(image))
            frames.append(FrameHash(round(t, 3), pdq, quality))
            last = t
            if len(frames) >= MAX_FRAMES:
                break
    except (VideoError, DecompressionBombError):
        raise
    except Exception as exc:
        raise VideoError("a frame of the video cannot be decoded", value=str(exc)) from exc
    finally:
        if animation is not None:
            animation.close()
    if not frames:
        raise VideoError("the video has no decodable frames")
    return VideoHashes(
        frames=tuple(frames),
        md5=hashlib.md5(data).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
        duration=round(last + FRAME_INTERVAL_S, 3),
    )


def usable_frames(video: VideoHashes, quality_min: int) -> npt.NDArray[np.uint8]:
    """The distinct frame hashes of good quality, as bytes (vpdq also drops repeats)."""
    hexes = sorted({f.pdq for f in video.frames if f.quality >= quality_min})
    if not hexes:
        return np.empty((0, 32), np.uint8)
    return np.frombuffer(b"".join(bytes.fromhex(h) for h in hexes), np.uint8).reshape(-1, 32)


def _distances(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    a64, b64 = a.view(np.uint64), b.view(np.uint64)
    total = np.zeros((a64.shape[0], b64.shape[0]), np.int64)
    for w in range(4):
        total += np.bitwise_count(a64[:, w, None] ^ b64[None, :, w])
    return total


def match_videos(
    query: VideoHashes,
    target: VideoHashes,
    threshold: int = DEFAULT_PDQ_THRESHOLD,
    quality_min: int = DEFAULT_QUALITY_THRESHOLD,
) -> VideoMatch:
    """vpdq's comparison: the percentage of (distinct, good-quality) query frames within
    ``threshold`` of some target frame, and the same the other way round."""
    q, t = usable_frames(query, quality_min), usable_frames(target, quality_min)
    if not len(q) or not len(t):
        return VideoMatch(0.0, 0.0)
    close = _distances(q, t) <= threshold
    return VideoMatch(
        query_pct=100.0 * float(close.any(axis=1).mean()),
        target_pct=100.0 * float(close.any(axis=0).mean()),
    )


def frames_of(video: VideoHashes) -> Sequence[tuple[float, str, int]]:
    """The frames as plain ``(timestamp_s, pdq, quality)`` tuples (for JSON and the CLI)."""
    return [(f.timestamp_s, f.pdq, f.quality) for f in video.frames]
