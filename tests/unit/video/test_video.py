"""Video hashing and matching: re-encoded copies, trimmed clips and clips inside longer videos.

The test videos are slideshows of the benign test photos with a slow pan, made
with PyAV in memory: each photo is shown for 2 s at 10 fps while the view slides
across it, so consecutive seconds differ a little (like real footage) and
different photos differ completely.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from shieldwall.hashing.video import VideoError, VideoHashes, hash_video, match_videos
from shieldwall.pipeline.video_index import VideoIndex

FPS = 10
SECONDS_PER_PHOTO = 2
SIZE = (160, 120)


def _pan_frames(photo: Path) -> list[npt.NDArray[np.uint8]]:
    """Frames that pan slowly across one photo."""
    image = Image.open(photo).convert("RGB")
    image = image.resize((240, 180), Image.Resampling.BILINEAR)
    count = FPS * SECONDS_PER_PHOTO
    frames = []
    for i in range(count):
        x = round(60 * i / count)
        frames.append(np.asarray(image.crop((x, 30, x + SIZE[0], 30 + SIZE[1]))))
    return frames


def _encode(
    frames: Sequence[npt.NDArray[np.uint8]], *, crf: int = 23, codec: str = "mpeg4"
) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="mp4") as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        if codec == "mpeg4":
            stream.options = {"qscale": str(max(1, crf // 4))}
        for array in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(array, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


@pytest.fixture(scope="module")
def photo_frames(photo_paths: list[Path]) -> list[list[npt.NDArray[np.uint8]]]:
    # Textured photos only: flat ones (moon, hubble) have low-quality hashes.
    names = (
        "astronaut",
        "chelsea",
        "coffee",
        "motorcycle",
        "rocket",
        "castle",
        "bridge",
        "citrus",
        "bee",
        "chameleon",
        "brick",
        "camera",
    )
    chosen = [p for p in photo_paths if any(n in p.name for n in names)]
    return [_pan_frames(p) for p in chosen]


def _video(blocks: Sequence[list[npt.NDArray[np.uint8]]], **kw: object) -> bytes:
    return _encode([f for block in blocks for f in block], **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def original(photo_frames: list[list[npt.NDArray[np.uint8]]]) -> tuple[bytes, VideoHashes]:
    data = _video(photo_frames[:5])
    return data, hash_video(data)


def test_hashes_one_frame_per_second_with_digests(original: tuple[bytes, VideoHashes]) -> None:
    data, hashes = original
    assert len(hashes.frames) == 5 * SECONDS_PER_PHOTO
    assert [round(f.timestamp_s) for f in hashes.frames] == list(range(10))
    assert hashes.duration == pytest.approx(10.0, abs=0.2)
    assert all(len(f.pdq) == 64 and f.quality >= 50 for f in hashes.frames)
    import hashlib

    assert hashes.md5 == hashlib.md5(data).hexdigest()
    assert hashes.sha256 == hashlib.sha256(data).hexdigest()


def test_a_video_matches_itself_fully(original: tuple[bytes, VideoHashes]) -> None:
    _, hashes = original
    assert match_videos(hashes, hashes) == match_videos(hashes, hashes)
    m = match_videos(hashes, hashes)
    assert (m.query_pct, m.target_pct) == (100.0, 100.0)


def test_reencoded_copy_matches_both_ways(
    photo_frames: list[list[npt.NDArray[np.uint8]]], original: tuple[bytes, VideoHashes]
) -> None:
    copy = hash_video(_video(photo_frames[:5], crf=60))
    m = match_videos(copy, original[1])
    assert m.query_pct >= 90 and m.target_pct >= 90


def test_trimmed_clip_is_all_in_the_original_but_covers_part_of_it(
    photo_frames: list[list[npt.NDArray[np.uint8]]], original: tuple[bytes, VideoHashes]
) -> None:
    clip = hash_video(_video(photo_frames[1:3]))
    m = match_videos(clip, original[1])
    assert m.query_pct >= 90
    assert 30 <= m.target_pct <= 50  # 2 of the 5 photos


def test_clip_embedded_in_a_longer_video_is_found(
    photo_frames: list[list[npt.NDArray[np.uint8]]], original: tuple[bytes, VideoHashes]
) -> None:
    longer = hash_video(_video(photo_frames[6:9] + photo_frames[0:5] + photo_frames[9:12]))
    m = match_videos(original[1], longer)
    assert m.query_pct >= 90
    assert 30 <= m.target_pct <= 55  # 5 of the 11 photos


def test_unrelated_videos_do_not_match(
    photo_frames: list[list[npt.NDArray[np.uint8]]], original: tuple[bytes, VideoHashes]
) -> None:
    other = hash_video(_video(photo_frames[6:11]))
    m = match_videos(other, original[1])
    assert m.query_pct == 0 and m.target_pct == 0


def test_index_ranks_videos_by_match_percentage(
    photo_frames: list[list[npt.NDArray[np.uint8]]], original: tuple[bytes, VideoHashes]
) -> None:
    index = VideoIndex()
    index.add(1, original[1])  # photos 0-4
    index.add(2, hash_video(_video(photo_frames[3:8])))  # shares photos 3 and 4
    index.add(3, hash_video(_video(photo_frames[8:12])))  # shares nothing
    assert len(index) == 3
    hits = index.search(hash_video(_video(photo_frames[0:5], crf=50)))
    assert [h.video_id for h in hits] == [1, 2]
    assert hits[0].query_pct >= 90 and hits[0].target_pct >= 90
    assert 30 <= hits[1].query_pct <= 50
    with pytest.raises(ValueError):
        index.add(1, original[1])


def test_animated_gif_and_webp_are_hashed_as_video(
    photo_frames: list[list[npt.NDArray[np.uint8]]], original: tuple[bytes, VideoHashes]
) -> None:
    frames = [Image.fromarray(f) for block in photo_frames[:5] for f in block]
    for fmt in ("GIF", "WEBP"):
        out = io.BytesIO()
        frames[0].save(out, fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
        hashes = hash_video(out.getvalue())
        assert len(hashes.frames) == 10
        m = match_videos(hashes, original[1])
        assert m.query_pct >= 80 and m.target_pct >= 80, fmt


def test_garbage_is_a_video_error() -> None:
    with pytest.raises(VideoError) as info:
        hash_video(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)
    assert info.value.code == "video_error"
