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

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from shieldwall.hashing.borders import Box, find_flat_borders

__all__ = [
    "COLLAGE_LAYOUTS",
    "Tile",
    "collage_tiles",
    "perspective_quad",
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


def _diffs(luma: npt.NDArray[np.float32], axis: int) -> npt.NDArray[np.float32]:
    """Absolute difference between neighbouring lines (axis 1: columns, 0: rows)."""
    return np.abs(np.diff(luma, axis=axis))


def _is_divider(luma: npt.NDArray[np.float32], at: int, axis: int) -> bool:
    """Whether line ``at`` (a column when axis is 1) is a gutter or a seam, within 2 px."""
    lines = luma if axis == 1 else luma.T  # columns as the second axis
    width = lines.shape[1]
    if not 8 <= at <= width - 8:
        return False
    # Gutter: a plain line (low variation along it) near ``at``.
    for x in range(at - 2, at + 3):
        column = lines[:, x]
        deviation = np.abs(column - np.median(column))
        if np.mean(deviation < _GUTTER_STD) >= _LINE_SHARE and np.std(column) < 2 * _GUTTER_STD:
            return True
    # Seam: the jump across the line is large along most of it, compared with nearby lines.
    cross = _diffs(lines, 1)  # cross[:, x] is between x and x + 1
    near = cross[:, max(0, at - 12) : min(width - 1, at + 12)]
    base = float(np.median(near)) + 1.0
    for x in range(at - 2, at + 2):
        if np.mean(cross[:, x] > _SEAM_RATIO * base) >= _LINE_SHARE * 0.7:
            return True
    return False


def collage_tiles(luma: LumaArray) -> list[Tile]:
    """The cells of every :data:`COLLAGE_LAYOUTS` grid whose inner lines are all dividers.

    Each cell is returned with its own plain borders (the gutters around it) trimmed.
    An ordinary photograph returns nothing (see the module docstring)."""
    h, w = luma.shape
    grey = luma.astype(np.float32)
    out: list[Tile] = []
    for rows, cols in COLLAGE_LAYOUTS:
        if h / rows < _MIN_TILE_PX or w / cols < _MIN_TILE_PX:
            continue
        xs = [round(w * k / cols) for k in range(1, cols)]
        ys = [round(h * k / rows) for k in range(1, rows)]
        if not all(_is_divider(grey, x, 1) for x in xs):
            continue
        if not all(_is_divider(grey, y, 0) for y in ys):
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
        [corners[np.argmin(s)], corners[np.argmax(d)], corners[np.argmax(s)], corners[np.argmin(d)]],
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
    mask = (np.abs(luma.astype(np.int16) - level) > _BACKGROUND_DELTA).astype(np.uint8)
    # Opening removes thin lines over the canvas (moiré stripes, a screen's reflections).
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((7, 7), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8), iterations=2)
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
    # An upright rectangle (within a few pixels) is a plain border: nothing to undo.
    tl, tr, br, bl = corners
    skew = max(abs(tl[0] - bl[0]) / w, abs(tr[0] - br[0]) / w, abs(tl[1] - tr[1]) / h, abs(bl[1] - br[1]) / h)
    if skew < _MIN_SKEW:
        return None
    return corners


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
