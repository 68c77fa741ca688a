"""Short benign test videos made from the test photos with PyAV (no files shipped).

Each photo becomes a 2 s block at 10 fps that pans slowly across it, so consecutive seconds
differ a little (like footage) and different photos differ completely. Shared by the video
integration and e2e tests.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
from PIL import Image

FPS = 10
SECONDS_PER_PHOTO = 2
SIZE = (160, 120)
# Textured photos only: flat ones (moon, hubble) have low-quality hashes.
TEXTURED = (
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

Block = list[npt.NDArray[np.uint8]]


def pan_block(photo: Path) -> Block:
    image = Image.open(photo).convert("RGB").resize((240, 180), Image.Resampling.BILINEAR)
    count = FPS * SECONDS_PER_PHOTO
    return [
        np.asarray(image.crop((x, 30, x + SIZE[0], 30 + SIZE[1])))
        for x in (round(60 * i / count) for i in range(count))
    ]


def encode(
    blocks: Sequence[Block],
    *,
    codec: str = "mpeg4",
    size: tuple[int, int] = SIZE,
    bit_rate: int = 400_000,
    fmt: str = "mp4",
) -> bytes:
    """A video of the blocks in order, scaled to ``size`` and encoded at ``bit_rate``."""
    out = io.BytesIO()
    with av.open(out, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.bit_rate = bit_rate
        for block in blocks:
            for array in block:
                frame = av.VideoFrame.from_ndarray(array, format="rgb24")
                if size != SIZE:
                    frame = frame.reformat(width=size[0], height=size[1])
                for packet in stream.encode(frame):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


@dataclass(frozen=True)
class Clips:
    """The test videos, written to a folder."""

    original: Path
    """Photos 0-4 (10 s): the one that gets banked."""
    reencoded: Path
    """The same footage as a smaller, low bit-rate VP8 WebM: different bytes, same frames."""
    trimmed: Path
    """Photos 1-2 only (4 s): a clip cut out of the original."""
    compilation: Path
    """Photos 6-8, then the whole original, then 9-11 (22 s)."""
    unrelated: Path
    """Photos 6-10: nothing in common with the original."""


def make_clips(photo_paths: Sequence[Path], folder: Path) -> Clips:
    chosen = [p for p in photo_paths if any(n in p.name for n in TEXTURED)]
    blocks = [pan_block(p) for p in chosen]
    folder.mkdir(parents=True, exist_ok=True)
    made = {
        "original": encode(blocks[0:5]),
        # Another codec, container, size and bit rate: every byte differs, the pictures do not.
        "reencoded": encode(
            blocks[0:5], codec="libvpx", size=(128, 96), bit_rate=80_000, fmt="webm"
        ),
        "trimmed": encode(blocks[1:3]),
        "compilation": encode(blocks[6:9] + blocks[0:5] + blocks[9:12]),
        "unrelated": encode(blocks[6:11]),
    }
    paths = {}
    for name, data in made.items():
        paths[name] = folder / f"{name}.{'webm' if name == 'reencoded' else 'mp4'}"
        paths[name].write_bytes(data)
    return Clips(**paths)
