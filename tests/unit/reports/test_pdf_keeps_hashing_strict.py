"""Printing a PDF report must not loosen image decoding for the rest of the process.

WeasyPrint turns on Pillow's LOAD_TRUNCATED_IMAGES when imported; a worker that
printed one report would then refuse (or, worse, mis-hash) every truncated upload.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import ImageFile

from shieldwall.errors import ImageError
from shieldwall.hashing import hash_image_bytes
from shieldwall.reports.render import _weasyprint


def test_loading_weasyprint_leaves_pillow_strict(photo_paths: list[Path]) -> None:
    _weasyprint()
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    data = photo_paths[0].read_bytes()
    assert len(hash_image_bytes(data).pdq) == 64
    with pytest.raises(ImageError):
        hash_image_bytes(data[: len(data) // 2])
