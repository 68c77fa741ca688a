"""The photo the robust-matching tests edit: a benign castle photo, 640 px on its long side."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image


@pytest.fixture(scope="module")
def photo(photo_paths: list[Path]) -> Image.Image:
    source = next(p for p in photo_paths if "castle" in p.name)
    image = Image.open(source).convert("RGB")
    image.thumbnail((640, 640))
    return image
