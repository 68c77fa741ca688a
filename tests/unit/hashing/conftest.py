"""Fixtures for the hashing tests: real photos prepared in the sizes the fast path cares about."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from .imagefactory import encode


@pytest.fixture(scope="session")
def big_jpeg(photo_paths: list[Path]) -> bytes:
    """A real photo scaled to 2400 px wide, so the fast path really decodes at reduced size."""
    source = next(p for p in photo_paths if p.name.startswith("palapeli__cincinnati"))
    photo = Image.open(source).convert("RGB")
    w, h = photo.size
    resized = photo.resize((2400, round(h * 2400 / w)), Image.Resampling.LANCZOS)
    return encode(resized, "JPEG", quality=92)
