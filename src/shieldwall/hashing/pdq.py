"""PDQ perceptual hashes computed with a few matrix products instead of pixel loops.

PDQ (Meta's photo hash) turns an image into luma, blurs it with two passes of
a box filter in each direction (the "Jarosz" tent filter), samples a 64x64 grid,
takes 16x16 low-frequency DCT coefficients and sets each bit when a coefficient
is above their median. Every step up to the median is linear, so the blur and
the sampling of one axis collapse into a single 64xN matrix. The 64x64 grid is
then ``rows @ luma @ cols.T``: one BLAS product over the pixels instead of four
sequential passes over a float copy of the image, which is what makes
``pdqhash.compute`` cost ~6 ms on a 512x512 image.

The matrices follow the reference C++ (``pdq/cpp/hashing/pdqhashing.cpp`` and
``downscaling.cpp`` in facebook/ThreatExchange) exactly: window size
``(n + 127) // 128``, the asymmetric box window of ``box1DFloat``, the
``int((i + 0.5) * n / 64)`` sampling, the same DCT matrix, the torben (lower)
median, the same quality metric and the same zero hash below 5 pixels. The
results are bit-identical to ``pdqhash.compute`` on the test photos; the only
difference is rounding (float64 sums here, float32 running sums there), which
could flip a bit whose coefficient ties the median to within ~1e-5.

Because the filter is a matrix over full-resolution pixel positions, it can be
summed over blocks: :func:`pdq_from_reduced` hashes an image that was decoded
at 1/s scale (JPEG DCT scaling, or a box reduction) with the weights the
full-resolution image would have used, so the fast path reproduces the
full-resolution hash (mean 0.05 bits apart on the 126 benchmark photos)
instead of hashing a different, smaller image.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

__all__ = [
    "DIHEDRAL_NAMES",
    "AxisMap",
    "pdq_dihedral_from_pixels",
    "pdq_dihedral_of_regions",
    "pdq_dihedral_of_uncrops",
    "pdq_float_from_pixels",
    "pdq_from_pixels",
    "pdq_from_reduced",
]

_GRID = 64
_MIN_HASHABLE_DIM = 5
"""The reference refuses to hash anything narrower: zero hash, quality 0."""

_LUMA = np.array([0.299, 0.587, 0.114])
_DCT = np.sqrt(2.0 / _GRID) * np.cos(
    np.pi / 2.0 / _GRID * np.outer(np.arange(1, 17), 2 * np.arange(_GRID) + 1)
)
"""16x64 DCT-II rows 1..16 (the DC term is skipped), as in ``dct_matrix_64``."""

_ZERO_HASH = "0" * 64

FloatArray = npt.NDArray[np.float64]


@lru_cache(maxsize=512)
def _axis_filter(n: int) -> FloatArray:
    """64xN weights: two box passes along one axis, then the 64-point decimation."""
    window = (n + 2 * _GRID - 1) // (2 * _GRID)
    half = (window + 2) // 2
    # box1DFloat's window reaches half-1 samples ahead and window-half behind,
    # shrinking at both ends (it averages only what is inside the image).
    ahead, behind = half - 1, window - half
    t = np.arange(n)
    lo = np.maximum(0, t - behind)
    hi = np.minimum(n - 1, t + ahead)
    count = (hi - lo + 1).astype(np.float64)
    samples = (((np.arange(_GRID) + 0.5) * n) / _GRID).astype(np.int64)
    # Second pass evaluated only at the sampled positions: output k averages the
    # first-pass boxes centred on lo..hi of its sample, each a box itself.
    spans = hi[samples] - lo[samples] + 1
    ks = np.repeat(np.arange(_GRID), spans)
    starts = np.repeat(lo[samples], spans)
    ts = starts + (np.arange(int(spans.sum())) - np.repeat(np.cumsum(spans) - spans, spans))
    weight = 1.0 / (count[samples][ks] * count[ts])
    edges = np.zeros((_GRID, n + 1))
    np.add.at(edges, (ks, lo[ts]), weight)
    np.add.at(edges, (ks, hi[ts] + 1), -weight)
    out = np.cumsum(edges, axis=1)[:, :n]
    out.setflags(write=False)
    return out


class AxisMap:
    """How one axis of a reduced, oriented image relates to the full-resolution image.

    ``length`` is the full-resolution length of this axis as the viewer sees it;
    ``scale`` is the reduction factor (each reduced pixel averages ``scale``
    full pixels, blocks counted from the start of the *stored* axis, so the
    partial block is at the far end); ``reversed`` is true when EXIF orientation
    reversed the stored axis to show it.
    """

    __slots__ = ("length", "reversed", "scale")

    def __init__(self, length: int, scale: int = 1, reversed: bool = False) -> None:
        self.length = length
        self.scale = scale
        self.reversed = reversed

    def weights(self) -> FloatArray:
        full = _axis_filter(self.length)
        if self.scale == 1:
            return full
        stored = full[:, ::-1] if self.reversed else full
        summed = np.add.reduceat(stored, np.arange(0, self.length, self.scale), axis=1)
        return summed[:, ::-1] if self.reversed else summed


def _grid(pixels: npt.NDArray[np.uint8], rows: FloatArray, cols: FloatArray) -> FloatArray:
    """The 64x64 blurred, decimated luma grid of an HxWx3 (or HxW luma) image."""
    h, w = pixels.shape[0], pixels.shape[1]
    if pixels.ndim == 3:
        # Fold the luma weights into the column matrix so the pixels are read once.
        right = (cols.T[:, None, :] * _LUMA[None, :, None]).reshape(3 * w, _GRID)
        flat = pixels.reshape(h, 3 * w)
    else:
        right, flat = cols.T, pixels
    # float32 for the big product (its rounding is far below a quantum of luma);
    # float64 for the small one.
    partial = flat.astype(np.float32) @ right.astype(np.float32)
    grid: FloatArray = rows @ partial.astype(np.float64)
    return grid


def _quality(grid: FloatArray) -> int:
    """PDQ's gradient-sum quality, with the reference's float32 arithmetic and truncation."""
    g = grid.astype(np.float32)
    scale, norm = np.float32(100), np.float32(255)
    down = np.trunc((g[:-1] - g[1:]) * scale / norm)
    across = np.trunc((g[:, :-1] - g[:, 1:]) * scale / norm)
    total = int(np.abs(down).sum(dtype=np.int64) + np.abs(across).sum(dtype=np.int64))
    return min(100, total // 90)


def _dct16(grid: FloatArray) -> FloatArray:
    out: FloatArray = _DCT @ grid @ _DCT.T
    return out


def _bits_to_hex(coefficients: FloatArray) -> str:
    """Bit k (row-major over 16x16) is set when coefficient k exceeds the lower median."""
    flat = coefficients.ravel()
    median = np.partition(flat, 127)[127]
    bits = (flat > median)[::-1]
    return bytes(np.packbits(bits)).hex()


def _check_pixels(pixels: npt.NDArray[np.uint8]) -> None:
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
        raise ValueError("pixels must be a uint8 array of shape HxW or HxWx3")
    if pixels.ndim == 3 and pixels.shape[2] != 3:
        raise ValueError("pixels must have 3 channels (RGB)")


def pdq_from_reduced(
    pixels: npt.NDArray[np.uint8], rows: AxisMap, cols: AxisMap
) -> tuple[str, int]:
    """PDQ of a full-resolution image, given a reduced copy of it and how it was reduced."""
    _check_pixels(pixels)
    if rows.length < _MIN_HASHABLE_DIM or cols.length < _MIN_HASHABLE_DIM:
        return _ZERO_HASH, 0
    r, c = rows.weights(), cols.weights()
    if r.shape[1] != pixels.shape[0] or c.shape[1] != pixels.shape[1]:
        raise ValueError(
            f"reduced image {pixels.shape[1]}x{pixels.shape[0]} does not match "
            f"{cols.length}x{rows.length} at scale {cols.scale}x{rows.scale}"
        )
    grid = _grid(np.ascontiguousarray(pixels), r, c)
    return _bits_to_hex(_dct16(grid)), _quality(grid)


def pdq_from_pixels(pixels: npt.NDArray[np.uint8]) -> tuple[str, int]:
    """PDQ hash (64 hex characters) and quality (0-100) of an RGB uint8 HxWx3 image.

    Same result as ``pdqhash.compute`` on the same pixels, several times faster.
    """
    _check_pixels(pixels)
    return pdq_from_reduced(pixels, AxisMap(pixels.shape[0]), AxisMap(pixels.shape[1]))


def pdq_float_from_pixels(pixels: npt.NDArray[np.uint8]) -> tuple[FloatArray, int]:
    """The 16x16 DCT coefficients a PDQ hash thresholds, and the quality.

    Like ``pdqhash.compute_float`` (which returns them flattened and reversed);
    useful for checking how close a coefficient is to the median.
    """
    _check_pixels(pixels)
    h, w = pixels.shape[0], pixels.shape[1]
    if h < _MIN_HASHABLE_DIM or w < _MIN_HASHABLE_DIM:
        return np.zeros((16, 16)), 0
    grid = _grid(np.ascontiguousarray(pixels), _axis_filter(h), _axis_filter(w))
    return _dct16(grid), _quality(grid)


DIHEDRAL_NAMES = (
    "original",
    "rotate90",
    "rotate180",
    "rotate270",
    "flip_horizontal",
    "flip_vertical",
    "flip_diagonal",
    "flip_antidiagonal",
)
"""The eight rotations and flips (pdqhash's ``compute_dihedral`` returns the same
eight in this order except that its ``FlipX`` is our ``flip_vertical`` (rows
reversed, mirrored about the x axis) and its ``FlipY`` our ``flip_horizontal``)."""


def _dihedral_coefficients(b: FloatArray) -> dict[str, FloatArray]:
    """The DCT of each transformed image, from the original's (sign changes and transposes).

    Mirrors ``dct16OriginalTo*`` in the reference: a flip negates the odd
    frequencies of its axis (index 0 here is frequency 1), a rotation is a flip
    plus a transpose.
    """
    i = np.arange(16)
    even_row = (i % 2 == 0)[:, None]  # frequency odd along rows
    even_col = (i % 2 == 0)[None, :]
    checker = ((i[:, None] + i[None, :]) % 2) == 1
    return {
        "original": b,
        "rotate90": np.where(even_col, -b, b).T,
        "rotate180": np.where(checker, -b, b),
        "rotate270": np.where(even_row, -b, b).T,
        "flip_horizontal": np.where(even_col, -b, b),
        "flip_vertical": np.where(even_row, -b, b),
        "flip_diagonal": b.T,
        "flip_antidiagonal": np.where(checker, -b, b).T,
    }


def pdq_dihedral_from_pixels(pixels: npt.NDArray[np.uint8]) -> dict[str, tuple[str, int]]:
    """PDQ of the image and of its seven rotations and flips, from one pass over the pixels.

    Uses PDQ's dihedral property (pdqhash's ``compute_dihedral``): the DCT of a
    rotated or flipped image is the original's with some signs changed and
    possibly transposed, so this costs one hash. Names follow
    :data:`DIHEDRAL_NAMES`; the quality is the same for all eight.
    """
    _check_pixels(pixels)
    h, w = pixels.shape[0], pixels.shape[1]
    if h < _MIN_HASHABLE_DIM or w < _MIN_HASHABLE_DIM:
        return {name: (_ZERO_HASH, 0) for name in DIHEDRAL_NAMES}
    grid = _grid(np.ascontiguousarray(pixels), _axis_filter(h), _axis_filter(w))
    quality = _quality(grid)
    coefficients = _dihedral_coefficients(_dct16(grid))
    return {name: (_bits_to_hex(coefficients[name]), quality) for name in DIHEDRAL_NAMES}


def _hashes_of(grid: FloatArray, names: Sequence[str]) -> dict[str, tuple[str, int]]:
    quality = _quality(grid)
    coefficients = _dihedral_coefficients(_dct16(grid))
    return {name: (_bits_to_hex(coefficients[name]), quality) for name in names}


def pdq_dihedral_of_regions(
    luma: npt.NDArray[np.uint8],
    boxes: Sequence[tuple[int, int, int, int]],
    names: Sequence[str] = DIHEDRAL_NAMES,
) -> list[dict[str, tuple[str, int]]]:
    """:func:`pdq_dihedral_from_pixels` of many regions ``(top, bottom, left, right)`` of one
    grey image, sharing the big matrix product between regions that span a whole axis.

    Why: robust matching hashes ~50 windows of each upload, most of them full-width
    (top/bottom) or full-height (left/right) strips. The grid is ``rows @ luma @ cols.T``;
    for a full-width strip the ``luma @ cols.T`` product of the whole image already holds
    the strip's rows, and for a full-height strip ``rows @ luma`` holds its columns, so
    each strip costs a 64-wide product instead of a pass over its pixels (measured: the
    window part of a query went from ~25 to ~8 ms). Full-width strips are bit-identical
    to hashing the slice; full-height ones multiply in the other order, which can move a
    coefficient by float rounding (~1e-6), far inside PDQ's tolerance. ``names`` picks
    which of the eight orientations to return (each costs a median and a bit pack).
    """
    if luma.dtype != np.uint8 or luma.ndim != 2:
        raise ValueError("luma must be a uint8 array of shape HxW")
    h, w = luma.shape
    flat = np.ascontiguousarray(luma).astype(np.float32)
    across: npt.NDArray[np.float32] | None = None  # flat @ cols(w).T: H x 64
    down: npt.NDArray[np.float32] | None = None  # rows(h) @ flat: 64 x W
    out: list[dict[str, tuple[str, int]]] = []
    for top, bottom, left, right in boxes:
        if not (0 <= top <= bottom <= h and 0 <= left <= right <= w):
            raise ValueError(f"region {(top, bottom, left, right)} is outside {h}x{w}")
        rh, rw = bottom - top, right - left
        if rh < _MIN_HASHABLE_DIM or rw < _MIN_HASHABLE_DIM:
            # Too small to hash, empty included (a window of a 1-pixel-high strip rounds
            # to no rows): the zero-quality hash, which never matches, as for tiny images.
            out.append({name: (_ZERO_HASH, 0) for name in names})
            continue
        if left == 0 and right == w:
            if across is None:
                across = flat @ _axis_filter(w).T.astype(np.float32)
            grid: FloatArray = _axis_filter(rh) @ across[top:bottom].astype(np.float64)
        elif top == 0 and bottom == h:
            if down is None:
                down = _axis_filter(h).astype(np.float32) @ flat
            grid = down[:, left:right].astype(np.float64) @ _axis_filter(rw).T
        else:
            region = np.ascontiguousarray(luma[top:bottom, left:right])
            grid = _grid(region, _axis_filter(rh), _axis_filter(rw))
        out.append(_hashes_of(grid, names))
    return out


def _edge_padded(n: int, pad: int) -> FloatArray:
    """64xN weights of an axis padded by ``pad`` repeated edge pixels on both ends.

    Padding by repetition is linear (each padded position copies one original), so the
    padded axis's filter folds onto the original positions: the repeated copies' columns
    are summed into the first and last."""
    full = _axis_filter(n + 2 * pad)
    out = full[:, pad : pad + n].copy()
    out[:, 0] += full[:, :pad].sum(axis=1)
    out[:, -1] += full[:, pad + n :].sum(axis=1)
    return out


def pdq_dihedral_of_uncrops(
    luma: npt.NDArray[np.uint8],
    pads: Sequence[tuple[int, int]],
    names: Sequence[str] = DIHEDRAL_NAMES,
) -> list[dict[str, tuple[str, int]]]:
    """:func:`pdq_dihedral_from_pixels` of ``luma`` padded by ``(rows, columns)`` repeated
    edge pixels on each side, for each pair in ``pads``, without building the padded images.

    Why: the "uncrop" guesses of robust matching hash the upload as the centre of a larger
    canvas; padding and hashing each costs a copy and a pass over more pixels than the
    upload has. Folded into the filter matrices (:func:`_edge_padded`), all the guesses
    share one product over the upload's pixels. The sums run in another order than over a
    padded copy, which can move a coefficient by float rounding (~1e-6), far inside PDQ's
    tolerance (measured: 0 bits apart on the test photos)."""
    if luma.dtype != np.uint8 or luma.ndim != 2:
        raise ValueError("luma must be a uint8 array of shape HxW")
    h, w = luma.shape
    if any(ph < 0 or pw < 0 for ph, pw in pads):
        raise ValueError("padding must not be negative")
    if not pads:
        return []
    if h == 0 or w == 0:
        return [{name: (_ZERO_HASH, 0) for name in names} for _ in pads]
    right = np.concatenate([_edge_padded(w, pw).T for _, pw in pads], axis=1)
    partial = np.ascontiguousarray(luma).astype(np.float32) @ right.astype(np.float32)
    out: list[dict[str, tuple[str, int]]] = []
    for k, (ph, pw) in enumerate(pads):
        if h + 2 * ph < _MIN_HASHABLE_DIM or w + 2 * pw < _MIN_HASHABLE_DIM:
            out.append({name: (_ZERO_HASH, 0) for name in names})
            continue
        block = partial[:, k * _GRID : (k + 1) * _GRID].astype(np.float64)
        out.append(_hashes_of(_edge_padded(h, ph) @ block, names))
    return out
