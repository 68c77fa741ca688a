"""Finding the picture inside a picture: padding, letterboxing, frames, caption strips, tilt.

Re-shared copies of an image are often the image plus something around it: black
or white bars (letterboxing), a blurred copy of itself as fill, a screenshot's
app frame, a caption band of text on a plain background, or a slightly rotated
copy on a plain canvas. PDQ hashes the whole canvas, so each of these moves the
hash as far as an unrelated image. The functions here look at a small grey
(luma) copy of the upload and return rectangles (as fractions of the width and
height) that probably hold the original picture; :mod:`shieldwall.hashing.robust`
hashes those regions as extra query variants.

Everything is a guess that costs one extra index probe when wrong, so the
detectors prefer finding a region that is slightly off over missing one, and
never return a region smaller than ``MIN_KEEP`` of either side.

All functions take ``luma``: a 2-D ``uint8`` array (the analysis copy, a few
hundred pixels per side) and are pure numpy.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "MIN_KEEP",
    "MIN_TRIM",
    "Box",
    "Rotation",
    "find_caption_bands",
    "find_flat_borders",
    "find_frame",
    "find_rotation",
    "find_tilt",
]

MIN_KEEP = 0.35
"""A detected picture must keep at least this fraction of the width and of the height."""

MIN_TRIM = 0.015
"""Trims below this fraction of a side are noise (JPEG ringing), not a border."""

_FLAT_ABS = 1.6
"""Mean absolute neighbour difference (grey levels) below which a row is fill, not picture.

Measured on the benchmark photos: uniform fills re-encoded as JPEG sit below 0.8,
blurred-copy fills (Gaussian radius ~4% of the side) below 1.5, while rows of
real photographs are typically 3-20 (flat skies can go lower; the cost of
trimming one is an extra probe, not a missed match)."""

LumaArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Box:
    """A region as fractions of the canvas: left, top, right, bottom, each in [0, 1]."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top

    @property
    def trimmed(self) -> float:
        """The largest fraction removed from any one side."""
        return max(self.left, self.top, 1.0 - self.right, 1.0 - self.bottom)

    def is_whole(self) -> bool:
        return self.trimmed < MIN_TRIM

    def is_sane(self) -> bool:
        return self.width >= MIN_KEEP and self.height >= MIN_KEEP

    def near(self, other: Box, tolerance: float = 0.01) -> bool:
        return (
            abs(self.left - other.left) <= tolerance
            and abs(self.top - other.top) <= tolerance
            and abs(self.right - other.right) <= tolerance
            and abs(self.bottom - other.bottom) <= tolerance
        )


def _flat_run(activity: npt.NDArray[np.float64], limit: float) -> int:
    """How many leading entries of ``activity`` are below ``limit`` (a border's thickness)."""
    above = np.flatnonzero(activity >= limit)
    return int(above[0]) if above.size else activity.size


def find_flat_borders(luma: LumaArray) -> Box | None:
    """Trim near-constant or blurred bands from each side (padding, letterboxing, blurred fill).

    A row belongs to the border when its pixels barely change along it (mean
    absolute neighbour difference below ``_FLAT_ABS``) and it is not far from
    the edge row's own level pattern; the scan runs inward from each side and
    stops at the first row with detail. Columns likewise. ``None`` when nothing
    is trimmed.
    """
    # int16 holds every neighbour difference exactly; the means come out as float64 as
    # before, at a quarter of the memory traffic of a float64 copy.
    f = luma.astype(np.int16)
    h, w = f.shape
    if h < 8 or w < 8:
        return None
    # Activity of each row along x, and of each column along y.
    row_act = np.abs(np.diff(f, axis=1)).mean(axis=1)
    col_act = np.abs(np.diff(f, axis=0)).mean(axis=0)
    top = _flat_run(row_act, _FLAT_ABS)
    bottom = _flat_run(row_act[::-1], _FLAT_ABS)
    left = _flat_run(col_act, _FLAT_ABS)
    right = _flat_run(col_act[::-1], _FLAT_ABS)
    if top + bottom >= h or left + right >= w:
        return None  # a flat image: nothing to find
    # The column activity was measured over the whole height, including the top
    # and bottom bars, which dilutes it; measure again inside the kept rows.
    inner = f[top : h - bottom]
    if inner.shape[0] >= 4:
        col_act = np.abs(np.diff(inner, axis=0)).mean(axis=0)
        left = _flat_run(col_act, _FLAT_ABS)
        right = _flat_run(col_act[::-1], _FLAT_ABS)
        if left + right >= w:
            return None
    box = Box(left / w, top / h, 1.0 - right / w, 1.0 - bottom / h)
    if box.is_whole() or not box.is_sane():
        return None
    return box


_FRAME_TOL = 8
"""Grey levels from the frame colour beyond which a pixel is content, not frame.

Tight on purpose: a frame is drawn flat, while a picture's pale sky or dark shadow
next to it is usually a few levels off. At 16 the box of 28 of 126 letterboxed photos
ended inside the picture (a pale or dark edge read as frame); at 8, 2 did. JPEG ringing
around a q70 picture widens the box by 2-4 pixels of ~450, well within PDQ's tolerance
(dropping faint end rows as ringing cut as many pale picture edges as it fixed boxes)."""

_BLANK_SHARE = 0.01
"""A row (column) with at most this share of content pixels is frame: it separates blocks."""


def _heaviest_block(share: npt.NDArray[np.float64]) -> tuple[int, int]:
    """(start, stop) of the run of non-blank entries holding the most content.

    Runs are separated by blank entries (share <= ``_BLANK_SHARE``). The picture is
    the heaviest run: a status bar is full but thin, a line of text is long but sparse.
    (0, 0) when every entry is blank."""
    on = np.concatenate(([False], share > _BLANK_SHARE, [False]))
    edges = np.flatnonzero(np.diff(on.astype(np.int8)))
    starts, stops = edges[0::2], edges[1::2]
    if starts.size == 0:
        return 0, 0
    total = np.concatenate(([0.0], np.cumsum(share)))
    mass = total[stops] - total[starts]
    best = int(np.argmax(mass))
    return int(starts[best]), int(stops[best])


def _background(luma: npt.NDArray[np.float64]) -> float | None:
    """The frame colour: the median of the outermost ring, when that ring is mostly one colour."""
    ring = np.concatenate([luma[0], luma[-1], luma[:, 0], luma[:, -1]])
    level = float(np.median(ring))
    if np.mean(np.abs(ring - level) <= 12) < 0.6:
        return None
    return level


def find_frame(luma: LumaArray) -> Box | None:
    """The picture inside a plain frame (screenshots, app frames, letterboxing), if any.

    Pixels more than ``_FRAME_TOL`` grey levels from the frame colour are
    content. Rows with (almost) no content are frame; they cut the rows into
    blocks (status bar, a line of text, the picture, a row of buttons), and
    the block holding the most content is the picture; its columns are cut the
    same way. A picture row is kept whenever any of it differs from the frame,
    so a picture with a pale sky or a dark shadow at its edge keeps that edge
    (the earlier rule, rows covered over 60% of the densest row's share, cut
    such pictures short: 12 of 126 screenshot copies, 34 letterboxed ones).

    ``None`` when the border is not mostly one colour, when the frame is not on
    two opposite sides (one flat side is a plain border or a picture's own
    flat edge: a sky tile read as a frame 7 times as often without this), or
    when the picture would be too small.
    """
    f = luma.astype(np.float64)
    h, w = f.shape
    if h < 16 or w < 16:
        return None
    level = _background(f)
    if level is None:
        return None
    content = np.abs(f - level) > _FRAME_TOL
    r0, r1 = _heaviest_block(content.mean(axis=1))
    if r1 - r0 < MIN_KEEP * h:
        return None
    c0, c1 = _heaviest_block(content[r0:r1].mean(axis=0))
    box = Box(c0 / w, r0 / h, c1 / w, r1 / h)
    if box.is_whole() or not box.is_sane():
        return None
    framed_rows = box.top >= MIN_TRIM and 1.0 - box.bottom >= MIN_TRIM
    framed_cols = box.left >= MIN_TRIM and 1.0 - box.right >= MIN_TRIM
    if not (framed_rows or framed_cols):
        return None
    return box


def find_caption_bands(luma: LumaArray) -> list[tuple[str, float]]:
    """Top or bottom bands of plain background with sparse text: ``[(side, fraction)]``.

    A caption band is a run of rows, from the edge inward, in which many pixels
    (>= 40%: big caption fonts cover the rest) share the edge row's dominant grey
    level, i.e. a plain strip with text on it. Bands under 4% or over 40% of the height are ignored.
    """
    h = luma.shape[0]
    if h < 16:
        return []
    # Only the rows a band may cover are read: a run longer than 40% is refused anyway, so
    # it is enough to know that it is longer.
    reach = min(h, int(0.40 * h) + 1)
    found: list[tuple[str, float]] = []
    for side, rows in (("top", luma[:reach]), ("bottom", luma[::-1][:reach])):
        edge = rows[: max(1, h // 100)]
        level = float(np.median(edge))
        share = np.mean(np.abs(rows.astype(np.int16) - level) <= 14, axis=1)
        run = _flat_run(-share, -0.4)  # leading rows whose share is >= 0.4
        # Rows of text are mostly background too, so the run covers the whole band.
        fraction = run / h
        if 0.04 <= fraction <= 0.40:
            found.append((side, fraction))
    return found


def find_tilt(luma: LumaArray) -> list[float]:
    """Candidate angles (degrees, counter-clockwise) that would straighten a tilted picture.

    A picture rotated on a plain canvas leaves plain triangles in the corners;
    the content's topmost and leftmost points are two corners of the rotated
    rectangle, and the slope between them is the tilt. Candidates for both directions
    (which side is the top depends on the direction; either may qualify), limited to 1-20
    degrees; Pillow's ``rotate(angle)`` with a returned angle straightens the picture.
    """
    f = luma.astype(np.float64)
    h, w = f.shape
    if h < 16 or w < 16:
        return []
    corners = np.concatenate(
        [f[:2, :2].ravel(), f[:2, -2:].ravel(), f[-2:, :2].ravel(), f[-2:, -2:].ravel()]
    )
    level = float(np.median(corners))
    if np.ptp(corners) > 24:
        return []  # corners are not one plain colour: not a tilted copy on a canvas
    content = np.abs(f - level) > 20
    ys, xs = np.nonzero(content)
    if ys.size < 0.3 * h * w:
        return []
    top_y = int(ys.min())
    top_x = float(xs[ys <= top_y + 1].mean())
    left_x = int(xs.min())
    left_y = float(ys[xs <= left_x + 1].mean())
    right_x = int(xs.max())
    right_y = float(ys[xs >= right_x - 1].mean())
    angles: list[float] = []
    # Tilted counter-clockwise: the edge from the leftmost corner up to the
    # topmost one is the picture's top side, rising by the tilt; straighten
    # by turning clockwise (negative angle).
    ccw = math.degrees(math.atan2(left_y - top_y, max(top_x - left_x, 1e-9)))
    if 1.0 <= ccw <= 20.0:
        angles.append(-ccw)
    # Tilted clockwise: the edge from the topmost corner down to the rightmost one.
    cw = math.degrees(math.atan2(right_y - top_y, max(right_x - top_x, 1e-9)))
    if 1.0 <= cw <= 20.0:
        angles.append(cw)
    # Deduplicate angles within half a degree of each other.
    unique: list[float] = []
    for a in angles:
        if all(abs(a - b) > 0.5 for b in unique):
            unique.append(a)
    return unique


@dataclass(frozen=True, slots=True)
class Rotation:
    """A picture turned on a canvas that grew to hold it (a rotation "with expand").

    ``angle``: degrees to pass to Pillow's ``rotate`` to straighten it (the applied
    rotation with the opposite sign); ``width``/``height``: the picture's own size as
    fractions of the canvas width and height, centred on the canvas.
    """

    angle: float
    width: float
    height: float


_ROTATION_SIDE = 160
"""Long side (pixels) of the copy that angle hypotheses are scored on (coarse pass)."""


@functools.lru_cache(maxsize=8)
def _centred_grid(hh: int, ww: int) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Pixel coordinates relative to the canvas centre (cached: a few shapes recur)."""
    ys, xs = np.mgrid[0:hh, 0:ww].astype(np.float32)
    return xs - np.float32((ww - 1) / 2), ys - np.float32((hh - 1) / 2)


def _rotation_fit(
    fill: npt.NDArray[np.bool_], angle: float
) -> tuple[float, float, float, float] | None:
    """How well "the canvas outside a picture turned by ``angle`` is fill" explains ``fill``.

    Returns (score, outside fill share, width, height) or ``None`` when no picture of
    positive size gives this canvas. The picture size follows from the canvas and the angle
    (canvas = |cos| w + |sin| h by |sin| w + |cos| h). The score rewards fill pixels outside
    the picture and content pixels along the inside of its edge, and punishes content
    outside four times as hard: larger angles than the true one cut into the picture.
    """
    hh, ww = fill.shape
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    det = c * c - s * s
    if det <= 0.05:
        return None
    wo = (c * ww - abs(s) * hh) / det
    ho = (c * hh - abs(s) * ww) / det
    if wo < MIN_KEEP * ww or ho < MIN_KEEP * hh:
        return None
    x, y = _centred_grid(hh, ww)
    # Pillow's rotate(a) turns counter-clockwise on screen (y down): a picture point
    # (u, v) lands at (u cos a + v sin a, -u sin a + v cos a); invert that.
    u = x * np.float32(c) - y * np.float32(s)
    v = x * np.float32(s) + y * np.float32(c)
    du = wo / 2 - np.abs(u)
    dv = ho / 2 - np.abs(v)
    outside = (du < 0) | (dv < 0)
    edge = ~outside & (np.minimum(du, dv) < 2)
    n_out = int(outside.sum())
    if n_out < 0.003 * hh * ww or not edge.any():
        return None
    fill_out = int((fill & outside).sum())
    fill_edge = int((fill & edge).sum())
    n_edge = int(edge.sum())
    score = fill_out - 4 * (n_out - fill_out) + (n_edge - fill_edge) - fill_edge
    return float(score), fill_out / n_out, wo / ww, ho / hh


def find_rotation(luma: LumaArray) -> Rotation | None:
    """The rotation that turned a picture by 0.5-20 degrees on a plain canvas, if any.

    A rotation "with expand" (what editors and Pillow do) keeps every pixel and
    leaves four plain triangles in the corners, whose size fixes the angle and the
    picture's own size exactly; undoing it recovers the original up to
    resampling. Each hypothesised angle predicts where the triangles are; the
    best-explained hypothesis (coarse 0.5 degree steps, then 0.1 around the best)
    wins when its triangles are at least 90% fill and the picture's inner edge is
    mostly not. ``None`` when the corners are not one plain colour or the picture touches
    fewer than two sides of the canvas (a straight picture on a plain canvas).
    """
    f = luma.astype(np.float64)
    h, w = f.shape
    if h < 32 or w < 32:
        return None
    corners = np.concatenate(
        [f[:2, :2].ravel(), f[:2, -2:].ravel(), f[-2:, :2].ravel(), f[-2:, -2:].ravel()]
    )
    if np.ptp(corners) > 24:
        return None  # corners are not one plain colour: not a turned copy on a canvas
    level = float(np.median(corners))
    # The turned picture's four corners touch the four sides of a canvas grown to hold it;
    # a straight picture on a plain canvas (padding) touches none. A dark or pale corner of
    # the picture itself can pass for fill, so two touched sides are enough.
    near_edge = np.abs(f - level) > 16
    touched = (
        near_edge[:2].any(),
        near_edge[-2:].any(),
        near_edge[:, :2].any(),
        near_edge[:, -2:].any(),
    )
    if sum(touched) < 2:
        return None

    def fill_at(side: int) -> npt.NDArray[np.bool_]:
        step = max(1, round(max(h, w) / side))
        return np.abs(f[::step, ::step] - level) <= 16

    coarse = fill_at(_ROTATION_SIDE)
    fits = [
        (fit[0], a)
        for a in (*np.arange(0.5, 20.01, 0.5), *np.arange(-0.5, -20.01, -0.5))
        if (fit := _rotation_fit(coarse, float(a))) is not None
    ]
    if not fits:
        return None
    best_angle = max(fits)[1]
    fine = fill_at(2 * _ROTATION_SIDE)
    refined = [
        (fit, float(a))
        for a in np.arange(best_angle - 0.5, best_angle + 0.51, 0.1)
        if abs(a) >= 0.4 and (fit := _rotation_fit(fine, float(a))) is not None
    ]
    if not refined:
        return None
    (score, share, width, height), angle = max(refined)
    if score <= 0 or share < 0.9:
        return None
    return Rotation(-round(angle, 1), width, height)
