"""More normalised views of an upload: collage tiles and a perspective undone.

Why these two: a victim's photo is often reposted as one tile of a multi-image post
(side by side, stacked, 2x2, 3x3 grids) or photographed off a screen at an angle,
and both move the plain PDQ hash as far as an unrelated image. Banks that hold one
plain PDQ per image (StopNCII-style) cannot help, so the query side looks for the
picture inside the upload (:func:`shieldwall.hashing.robust.query_variants` hashes
each view found here like its other regions). Measured in ``bench/robustness``
(bench/RESULTS.md, "Robust matching generalised").

* :func:`collage_tiles`: the cells of a regular grid, kept only where every inner
  dividing line of the grid is visibly a gutter (a plain line) or a seam (a jump
  in brightness along the whole line). Requiring the evidence on *every* line keeps
  ordinary photographs (whose halves are not pictures of their own) from adding
  probes, which is what keeps the false-match count at plain PDQ's.
* :func:`perspective_quad`: the picture is a convex quadrilateral on a plain
  canvas (a photo of a screen, a skewed or perspective-warped copy); its corners are
  found on the foreground mask and the quadrilateral is warped back to a rectangle
  whose sides are the quadrilateral's mean side lengths.

Pure functions of the grey analysis copy (``luma``, a 2-D ``uint8`` array of a few
hundred pixels a side); OpenCV (already a dependency for video) does the contour
and warp work. Nothing here keeps state.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from shieldwall.hashing.borders import Box, find_flat_borders
from shieldwall.hashing.pdq import DIHEDRAL_NAMES

__all__ = [
    "COLLAGE_LAYOUTS",
    "MAX_SEEN_VIEWS",
    "Tile",
    "collage_tiles",
    "perspective_quad",
    "seen_views",
    "unwarp",
]

LumaArray = npt.NDArray[np.uint8]

COLLAGE_LAYOUTS: tuple[tuple[int, int], ...] = ((1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (3, 3))
"""(rows, columns) of the multi-image layouts looked for: the ones social apps offer."""

_SEAM_RATIO = 3.0
"""A seam's cross-line difference must exceed this multiple of the median difference of
the lines around it (a photograph's own edges rarely run the whole width that sharply)."""
_GUTTER_STD = 4.0
"""A gutter line's grey levels vary by less than this along the line (JPEG noise)."""
_LINE_SHARE = 0.9
"""Share of a dividing line that must show the seam or the gutter, so that one object's
edge crossing the picture there does not count."""
_MIN_TILE_PX = 48
"""Tiles smaller than this on a side (in the analysis copy) are not hashed: PDQ on a few
dozen pixels is mostly noise."""


@dataclass(frozen=True, slots=True)
class Tile:
    """One cell of a detected grid, named for evidence: ``tile(2x2,r1c0)``."""

    name: str
    box: Box


def _median_rows(values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Each row's median (as ``np.median(axis=1)``): a sort of contiguous rows is ~5x
    faster than the median's partition of strided columns, and exact on these integer
    grey levels."""
    ordered = np.sort(values, axis=1)
    n = values.shape[1]
    if n % 2:
        return ordered[:, n // 2]
    middle: npt.NDArray[np.float32] = (ordered[:, n // 2 - 1] + ordered[:, n // 2]) * np.float32(
        0.5
    )
    return middle


def _line_marks(lines: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """For every column: whether it is a gutter (plain along the line) or a seam (a jump to
    the next column along most of the line, against the columns around it)."""
    width = lines.shape[1]
    along = np.ascontiguousarray(lines.T)  # one row per column: each line read contiguously
    deviation = np.abs(along - _median_rows(along)[:, None])
    plain = (np.mean(deviation < _GUTTER_STD, axis=1) >= _LINE_SHARE) & (
        np.std(along, axis=1) < 2 * _GUTTER_STD
    )
    cross = np.abs(np.diff(along, axis=0))  # cross[x] is between x and x + 1
    typical = _median_rows(cross)
    # The typical jump of the 25 columns around each one (a sliding median).
    padded = np.pad(typical, 12, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 25)
    base = np.median(windows, axis=1) + 1.0
    seam = np.mean(cross > _SEAM_RATIO * base[:, None], axis=1) >= _LINE_SHARE * 0.7
    marks: npt.NDArray[np.bool_] = plain.copy()
    marks[: width - 1] |= seam
    return marks


_MARK_CONTEXT = 14
"""Columns on each side that a column's mark depends on: 12 for the sliding median of the
typical jump, 1 for its own jump to the next column, 1 for the jump before the window."""


class _Marks:
    """The gutter-or-seam marks of one orientation's lines, worked out only where asked.

    Most uploads are not collages: the candidate dividing lines (a half, a third) have no
    mark near them, which a few dozen columns around each line settle. The marks of every
    column (for the "only one around it" rule) are computed only when a line has one,
    so an ordinary photo costs ~a tenth of marking every column. Both answers are exactly
    those of :func:`_line_marks` over the whole image (tested)."""

    def __init__(self, luma: LumaArray) -> None:
        self.luma = luma
        self._every: npt.NDArray[np.bool_] | None = None
        self._near: dict[int, bool] = {}  # a half is a candidate line of several layouts

    @property
    def width(self) -> int:
        return int(self.luma.shape[1])

    def near(self, at: int) -> bool:
        """Whether column ``at`` or one within 2 of it is marked."""
        if at not in self._near:
            if self._every is not None:
                self._near[at] = bool(self._every[at - 2 : at + 3].any())
            else:
                lo = max(0, at - 2 - _MARK_CONTEXT)
                hi = min(self.width, at + 3 + _MARK_CONTEXT)
                local = _line_marks(self.luma[:, lo:hi].astype(np.float32))
                self._near[at] = bool(local[at - 2 - lo : at + 3 - lo].any())
        return self._near[at]

    def every(self) -> npt.NDArray[np.bool_]:
        if self._every is None:
            self._every = _line_marks(self.luma.astype(np.float32))
        return self._every


def _is_divider(marks: _Marks, at: int) -> bool:
    """Whether line ``at`` is a gutter or a seam, within 2 px, and the only one around it:
    a texture of regular lines (bricks, tiles, a fence) has many."""
    width = marks.width
    if not 8 <= at <= width - 8:
        return False
    if not marks.near(at):
        return False
    every = marks.every()
    reach = max(12, width // 6)
    lo, hi = max(1, at - reach), min(width - 1, at + reach)
    around = np.concatenate([every[lo : at - 6], every[at + 7 : hi]])
    return not bool(around.any())


def collage_tiles(luma: LumaArray) -> list[Tile]:
    """The cells of every :data:`COLLAGE_LAYOUTS` grid whose inner lines are all dividers.

    Each cell is returned with its own plain borders (the gutters around it) trimmed.
    An ordinary photograph returns nothing (see the module docstring)."""
    h, w = luma.shape
    if min(h, w) < _MIN_TILE_PX:
        return []  # no layout fits (and a line or two of pixels has no lines to compare)
    columns, rows_marks = _Marks(luma), _Marks(np.ascontiguousarray(luma.T))
    out: list[Tile] = []
    for rows, cols in COLLAGE_LAYOUTS:
        if h / rows < _MIN_TILE_PX or w / cols < _MIN_TILE_PX:
            continue
        xs = [round(w * k / cols) for k in range(1, cols)]
        ys = [round(h * k / rows) for k in range(1, rows)]
        if not all(_is_divider(columns, x) for x in xs):
            continue
        if not all(_is_divider(rows_marks, y) for y in ys):
            continue
        for r in range(rows):
            for c in range(cols):
                cell = Box(c / cols, r / rows, (c + 1) / cols, (r + 1) / rows)
                top, bottom = round(cell.top * h), round(cell.bottom * h)
                left, right = round(cell.left * w), round(cell.right * w)
                trim = find_flat_borders(np.ascontiguousarray(luma[top:bottom, left:right]))
                if trim is not None:
                    cw, ch = cell.right - cell.left, cell.bottom - cell.top
                    cell = Box(
                        cell.left + trim.left * cw,
                        cell.top + trim.top * ch,
                        cell.left + trim.right * cw,
                        cell.top + trim.bottom * ch,
                    )
                out.append(Tile(f"tile({rows}x{cols},r{r}c{c})", cell))
    return out


_MIN_QUAD_AREA = 0.3
"""The quadrilateral must cover at least this share of the canvas."""
_MAX_QUAD_AREA = 0.97
"""...and leave at least this much canvas around it (else there is nothing to undo)."""
_BACKGROUND_DELTA = 18
"""Grey levels from the canvas colour (read on the outer ring) that count as picture."""
_PLAIN_RING = 0.4
"""Share of the outermost ring of pixels that must be plain canvas."""
_MIN_SKEW = 0.015
"""Corner offsets below this share of the side are an upright rectangle: nothing to undo
(the plain border trim handles those)."""


def _order(corners: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Top-left, top-right, bottom-right, bottom-left."""
    s = corners.sum(axis=1)
    d = corners[:, 0] - corners[:, 1]
    return np.array(
        [
            corners[np.argmin(s)],
            corners[np.argmax(d)],
            corners[np.argmax(s)],
            corners[np.argmin(d)],
        ],
        dtype=np.float32,
    )


def perspective_quad(luma: LumaArray) -> npt.NDArray[np.float32] | None:
    """The four corners (x, y pixels, ordered clockwise from top-left) of a tilted
    quadrilateral picture on a plain canvas, or ``None``."""
    h, w = luma.shape
    if min(h, w) < 32:
        return None
    ring = np.concatenate([luma[0], luma[-1], luma[:, 0], luma[:, -1]]).astype(np.int16)
    level = int(np.median(ring))
    if np.mean(np.abs(ring - level) <= _BACKGROUND_DELTA) < _PLAIN_RING:
        return None  # too little plain canvas at the edge: no canvas around a picture
    found = (np.abs(luma.astype(np.int16) - level) > _BACKGROUND_DELTA).astype(np.uint8)
    # Opening removes thin lines over the canvas (moiré stripes, a screen's reflections).
    opened = cv2.morphologyEx(found, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    mask = cv2.morphologyEx(opened, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8), iterations=2)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    hull = cv2.convexHull(max(contours, key=cv2.contourArea))
    area = cv2.contourArea(hull) / (h * w)
    if not _MIN_QUAD_AREA <= area <= _MAX_QUAD_AREA:
        return None
    # The coarsest fit that is a quadrilateral: a picture clipped by the canvas edge has a
    # fifth or sixth corner, which the looser fits cut off (a guess, one probe if wrong).
    perimeter = cv2.arcLength(hull, True)
    for epsilon in (0.02, 0.04, 0.07):
        quad = cv2.approxPolyDP(hull, epsilon * perimeter, True)
        if len(quad) <= 4:
            break
    if len(quad) != 4:
        return None
    corners = _order(quad.reshape(4, 2).astype(np.float32))
    if not _rectangle_seen_at_an_angle(corners):
        return None
    # An upright rectangle (within a few pixels) is a plain border: nothing to undo.
    tl, tr, br, bl = corners
    skew = max(
        abs(tl[0] - bl[0]) / w,
        abs(tr[0] - br[0]) / w,
        abs(tl[1] - tr[1]) / h,
        abs(bl[1] - br[1]) / h,
    )
    if skew < _MIN_SKEW:
        return None
    return corners


_MAX_ANGLE_OFF = 20.0
"""Degrees a corner of the quadrilateral may differ from a right angle: a screen or print
photographed at the angles people do keeps its corners near square; an object's outline
(a cat on a plain floor) rarely does."""
_MAX_SIDE_RATIO = 1.3
"""Opposite sides of the quadrilateral may differ in length by at most this factor."""


def _rectangle_seen_at_an_angle(corners: npt.NDArray[np.float32]) -> bool:
    for k in range(4):
        a, b, c = corners[k - 1], corners[k], corners[(k + 1) % 4]
        u, v = a - b, c - b
        cosine = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if abs(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))) - 90.0) > _MAX_ANGLE_OFF:
            return False
    sides = [float(np.linalg.norm(corners[(k + 1) % 4] - corners[k])) for k in range(4)]
    for one, other in ((sides[0], sides[2]), (sides[1], sides[3])):
        if max(one, other) > _MAX_SIDE_RATIO * max(1e-9, min(one, other)):
            return False
    return True


def unwarp(luma: LumaArray, corners: npt.NDArray[np.float32]) -> LumaArray:
    """The quadrilateral warped back to a rectangle of its mean side lengths, one pixel
    trimmed on each side (where the warp mixed picture and canvas)."""
    tl, tr, br, bl = corners
    width = (np.linalg.norm(tr - tl) + np.linalg.norm(br - bl)) / 2
    height = (np.linalg.norm(bl - tl) + np.linalg.norm(br - tr)) / 2
    ww, hh = max(8, round(float(width))), max(8, round(float(height)))
    target = np.array([[0, 0], [ww - 1, 0], [ww - 1, hh - 1], [0, hh - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    flat = cv2.warpPerspective(luma, matrix, (ww, hh), flags=cv2.INTER_LINEAR)
    return np.ascontiguousarray(flat[2:-2, 2:-2])


MAX_SEEN_VIEWS = 16
"""Most views one stored item keeps for retro-hunts (16 x 64 hex characters a row)."""
_ORIENTATIONS = frozenset(DIHEDRAL_NAMES[1:])
_GRID_PREFIXES = ("uncrop(", "window(", "crop(")


def seen_views(variants: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """The query variants worth keeping with a stored item, so that a bank entry added
    later finds this upload even though it was edited (a retro-hunt).

    Kept: the upload's exact flips and rotations, and each region that undoes an edit
    (border, frame, caption, tilt, collage tile, perspective) as found and mirrored (a
    mirrored, letterboxed repost is common). Left out: the crop/window grids and uncrop
    guesses (many weak probes that only the matcher's compatibility rules keep from false
    matches) and the regions' other orientations. The first :data:`MAX_SEEN_VIEWS` in the
    matcher's order."""
    out: list[tuple[str, str]] = []
    for name, pdq in variants:
        if len(name) > 64 or not _is_pdq(pdq):
            continue  # a lookup's caller names its own variants: keep only sane ones
        if name in _ORIENTATIONS:
            out.append((name, pdq))
        elif name != "original" and not name.startswith(_GRID_PREFIXES):
            suffix = name.partition("+")[2]
            if suffix == "flip_horizontal" or suffix not in _ORIENTATIONS:
                out.append((name, pdq))
        if len(out) == MAX_SEEN_VIEWS:
            break
    return tuple(out)


def _is_pdq(value: str) -> bool:
    if len(value) != 64:
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return True
