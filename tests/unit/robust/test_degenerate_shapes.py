"""Images too small or too thin for some regions: those regions are skipped, never an error.

A 1x1 pixel, a 4000x2 banner or an 8x4000 strip round some query windows to no pixels at
all. Before, ``pdq_dihedral_of_regions`` raised on the empty region and ``/v1/scan``
answered 500 for such uploads; now the region gets the zero-quality hash that never matches.
"""

from __future__ import annotations

import numpy as np
import pytest

from shieldwall.hashing.pdq import pdq_dihedral_of_regions
from shieldwall.hashing.robust import bank_variants, matcher_variants, query_variants

SHAPES = [(1, 1), (2, 2), (4000, 2), (2, 4000), (8, 4000), (4000, 8), (1, 5000), (5000, 1)]


@pytest.mark.parametrize(("width", "height"), SHAPES)
def test_query_variants_of_a_degenerate_shape_are_computed(width: int, height: int) -> None:
    rng = np.random.default_rng(width * 7919 + height)
    pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    for windows in (False, True):
        variants = matcher_variants(query_variants(pixels, windows=windows))
        assert isinstance(variants, tuple | list)
    bank_variants(pixels)


def test_an_empty_region_is_the_zero_quality_hash() -> None:
    luma = np.full((1, 512), 128, dtype=np.uint8)
    [hashes] = pdq_dihedral_of_regions(luma, [(0, 0, 0, 256)], ("original",))
    assert hashes["original"][1] == 0


def test_a_region_outside_the_image_is_still_refused() -> None:
    luma = np.full((10, 10), 128, dtype=np.uint8)
    with pytest.raises(ValueError, match="outside"):
        pdq_dihedral_of_regions(luma, [(0, 11, 0, 5)], ("original",))
