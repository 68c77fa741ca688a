"""Robust matching: the extra PDQ hashes that catch flipped, rotated, cropped, padded and
captioned copies of a banked image.

Why variants and not a different hash: victims submit one plain PDQ hash per
image from their own device, and partner banks hold plain PDQ too, so the bank
side cannot change. A transformed copy (mirrored, letterboxed, inside a
screenshot) hashes as far from the original as an unrelated image (~128 bits),
so the *query* side undoes the likely transforms and searches every resulting
hash in one batch (:class:`shieldwall.pipeline.matcher.Query` ``variants``);
the matcher reports the name of the variant that hit, which the decision
evidence shows to a moderator ("matched after horizontal flip").

What each family costs and buys (measured in ``bench/robustness``; see
docs/robust-matching.md):

* the 8 rotations and flips come from one hash (PDQ's dihedral property);
* plain borders, letterboxing and blurred fill are trimmed
  (:func:`~shieldwall.hashing.borders.find_flat_borders`), a picture inside a
  plain frame is cut out (:func:`~shieldwall.hashing.borders.find_frame`),
  caption bands are removed or painted over
  (:func:`~shieldwall.hashing.borders.find_caption_bands`), a tilted copy on a
  plain canvas is straightened (:func:`~shieldwall.hashing.borders.find_tilt`);
* what an edit removes (a crop, a caption painted over the picture, a sticker)
  cannot be restored from the upload: the query is extended back to
  hypothetical full sizes ("uncrop", weak but works with a plain bank), and when
  the submitter also stores :func:`bank_variants` (hashes of the
  :data:`BANK_WINDOWS` regions of the original: central crops, sides,
  quarters), grids of the query's own regions land on the window the edit left
  untouched. :func:`compatible` lets a query region meet only the same region
  of the original, which keeps those ~100 extra probes from adding false
  matches.

Every variant is hashed from a grey copy at most ``WORK_SIDE`` pixels on its
long side (regions sliced from it, not resampled; the grids together through
:func:`~shieldwall.hashing.pdq.pdq_dihedral_of_regions`), so that the ~120
probes of one upload cost ~30 ms on one core. Variants of quality below
``quality_min`` are dropped: flat regions match too easily.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from shieldwall.hashing import borders, views
from shieldwall.hashing.borders import Box
from shieldwall.hashing.decode import DecodedImage
from shieldwall.hashing.local_features import describe_local_match
from shieldwall.hashing.pdq import (
    DIHEDRAL_NAMES,
    _bits_to_hex,
    _dct16,
    _dihedral_coefficients,
    _grid,
    _quality,
    pdq_dihedral_from_pixels,
    pdq_dihedral_of_regions,
    pdq_dihedral_of_uncrops,
    pdq_from_pixels,
    pdq_from_reduced,
)

# The dihedral hashes of the exact (full-resolution-weighted) grid: these helpers
# are private to pdq.py but are exactly the steps needed, and re-implementing
# them here would be a second PDQ to keep bit-identical.
from shieldwall.hashing.values import MatchedVariant
from shieldwall.types import DEFAULT_QUALITY_THRESHOLD

__all__ = [
    "BANK_CROPS",
    "BANK_WINDOWS",
    "MAX_BANK_VARIANTS",
    "QUERY_CROPS",
    "UNCROP_HYPOTHESES",
    "WORK_SIDE",
    "Variant",
    "Window",
    "bank_variants",
    "compatible",
    "describe_variant",
    "matcher_variants",
    "meets_windows",
    "plain_and_variants",
    "query_variants",
]

WORK_SIDE = 512
"""Long side of the grey copy that regions are found in and hashed from."""
QUERY_CROPS = (98, 96, 94, 92, 90, 88)
"""Central crops of the query (percent of each side kept): steps of 2% land within PDQ's
tolerance (~1-2% of the side) of a bank crop for any crop of the original from 0 to 30%."""
BANK_CROPS = (90, 80, 70)
"""Central crops a submitter may store besides the plain hash (percent of each side kept)."""
MAX_BANK_VARIANTS = 16
"""Most extra hashes one bank entry may carry (the matcher numbers them 0..15 per entry)."""
UNCROP_HYPOTHESES = (95, 90, 85)
"""Query assumed to be this central share of the original; the rest is filled by repeating
the edge pixels (the best of the fills tried: reflection and least-squares did worse)."""
CROP_ORIENTATIONS = ("original", "flip_horizontal")
"""Crop and uncrop variants are also searched mirrored: "flip then crop" is a common edit."""

_PHRASES = {
    "original": "as submitted",
    "rotate90": "90° rotation",
    "rotate180": "180° rotation",
    "rotate270": "270° rotation",
    "flip_horizontal": "horizontal flip",
    "flip_vertical": "vertical flip",
    "flip_diagonal": "diagonal flip",
    "flip_antidiagonal": "anti-diagonal flip",
}

PixelArray = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class Variant:
    """One PDQ hash of a transformed copy: ``name`` says which transform, readable by people.

    Names: the dihedral names (``"flip_horizontal"``, ``"rotate90"``...),
    ``"border_removed(12%)"``, ``"frame_removed"``, ``"caption_removed(bottom,15%)"``,
    ``"caption_filled(bottom,15%)"``, ``"straightened(5°)"``, ``"crop(center,90%)"``,
    ``"uncrop(center,90%)"``, joined with ``+`` when combined
    (``"crop(center,94%)+flip_horizontal"``).
    """

    name: str
    pdq: str
    quality: int


@dataclass(frozen=True, slots=True)
class Window:
    """A named region of an image, as fractions of its width and height (0..1).

    Bank-side variants are the PDQ hashes of these regions of the original; the
    browser hasher reads the same list (the portal page carries it as JSON), so
    Python and the browser always hash the same regions."""

    name: str
    left: float
    top: float
    right: float
    bottom: float

    def as_box(self) -> Box:
        return Box(self.left, self.top, self.right, self.bottom)


SIDES = ("top", "bottom", "left", "right")
QUADRANTS = ("top-left", "top-right", "bottom-left", "bottom-right")
BANK_SIDE_KEEPS = (75, 60)
"""Share of the picture kept by the bank's side windows: a caption, banner or sticker over
up to a quarter of one side leaves the opposite window untouched."""
QUERY_SIDE_KEEPS = (95, 90, 85, 83, 80, 75, 70, 67, 65, 60)
"""Side windows of the query: a copy cropped on one side by c lands within PDQ's tolerance
of a bank window at keep k * (1 - c) for one of these (c from 0 to ~25%)."""
_MIRROR = {
    "left": "right",
    "right": "left",
    "top-left": "top-right",
    "top-right": "top-left",
    "bottom-left": "bottom-right",
    "bottom-right": "bottom-left",
}


def _side_window(side: str, keep: int) -> Window:
    g = keep / 100
    box = {
        "top": (0.0, 0.0, 1.0, g),
        "bottom": (0.0, 1.0 - g, 1.0, 1.0),
        "left": (0.0, 0.0, g, 1.0),
        "right": (1.0 - g, 0.0, 1.0, 1.0),
    }[side]
    return Window(f"window({side},{keep}%)", *box)


def _quadrant(corner: str) -> Window:
    vertical, horizontal = corner.split("-")
    top = 0.0 if vertical == "top" else 0.5
    left = 0.0 if horizontal == "left" else 0.5
    return Window(f"window({corner},50%)", left, top, left + 0.5, top + 0.5)


def _center_window(keep: int) -> Window:
    m = (1 - keep / 100) / 2
    return Window(f"crop(center,{keep}%)", m, m, 1 - m, 1 - m)


BANK_WINDOWS: tuple[Window, ...] = (
    tuple(_center_window(keep) for keep in BANK_CROPS)
    + tuple(_side_window(side, keep) for keep in BANK_SIDE_KEEPS for side in SIDES)
    + tuple(_quadrant(corner) for corner in QUADRANTS)
)
"""The regions a submitter may hash besides the whole image (see :func:`bank_variants`):
3 central crops (border crops), the top/bottom/left/right 75% and 60% (captions, banners,
one-sided crops) and the four quarters (a sticker or logo in a corner spoils at most one
or two of them). Chosen from measurements on 40 photos (docs/robust-matching.md)."""


def _pct(fraction: float) -> int:
    return round(100 * fraction)


def describe_variant(name: str | None) -> str:
    """A phrase for decision evidence: ``"matched after horizontal flip"``.

    A hit on a bank-side variant (a :class:`MatchedVariant` with a ``bank`` side) tells
    both sides: ``"matched after horizontal flip, against the
    submitter's hash of crop(center,80%)"``.
    """
    local = None if name is None else describe_local_match(name)
    if local is not None:
        return local
    seen = MatchedVariant.parse(name)
    if seen.bank is not None:
        against = f"against the submitter's hash of {seen.bank}"
        phrase = describe_variant(seen.query)
        return f"{phrase} {against}" if phrase == "matched as submitted" else f"{phrase}, {against}"
    if name is None or name == "original":
        return "matched as submitted"
    parts = []
    for step in name.split("+"):
        if step in _PHRASES:
            parts.append(_PHRASES[step])
        elif step.startswith("border_removed(") and step.endswith(",even)"):
            parts.append(f"removing even plain borders ({step[15:-6]} of each side)")
        elif step.startswith("border_removed("):
            parts.append(f"removing plain borders ({step[15:-1]} of a side)")
        elif step == "frame_removed":
            parts.append("cutting the picture out of a surrounding frame")
        elif step.startswith("caption_removed("):
            parts.append(f"removing a caption strip ({step[16:-1]})")
        elif step.startswith("caption_filled("):
            parts.append(f"painting over a caption strip ({step[15:-1]})")
        elif step.startswith("tile("):
            parts.append(f"taking one tile of a multi-image grid ({step[5:-1]})")
        elif step == "perspective_undone":
            parts.append("undoing a perspective (a photo of a screen)")
        elif step.startswith("straightened("):
            parts.append(f"straightening a tilt of {step[13:-1]}")
        elif step.startswith("window("):
            where, _, keep = step[7:-1].partition(",")
            parts.append(f"taking the {where} {keep} of the picture")
        elif step.startswith("crop("):
            parts.append(f"cropping to the {step[5:-1].replace(',', ' ')}")
        elif step.startswith("uncrop("):
            parts.append(f"assuming a border crop (kept {step[7:-1].split(',')[-1]})")
        else:
            parts.append(step)
    return "matched after " + " and ".join(parts)


def _window_part(name: str) -> tuple[str, str, bool] | None:
    """``("window", "left", flipped)`` / ``("crop", "center", flipped)`` for window probes."""
    first, _, rest = name.partition("+")
    kind, _, args = first.partition("(")
    if kind not in ("window", "crop") or rest not in ("", "flip_horizontal"):
        return None
    return kind, args.split(",")[0], rest == "flip_horizontal"


def compatible(query_variant: str | None, bank_variant: str | None) -> bool:
    """Whether a hit of this query variant on this stored hash can be the same picture.

    Every probe is searched against every stored hash at once (one index), but a
    window of the query can only be a copy of the *same* window of the original: a
    left-side window of a mirrored copy is the original's right side, a central crop
    is a central window. Keeping only those pairs is what keeps ~100 probes against
    16 stored hashes from multiplying false matches (measured: 1.33M pairs of different
    images, docs/robust-matching.md). ``None`` is the plain hash on either side.

    * against the plain hash: every probe except the window/crop grids, which exist only
      to line up with stored windows;
    * against a stored window: the query as submitted and its exact flips/rotations (the
      upload may itself be that region), and window/crop probes of the same region;
    * stored hashes with names this version does not know (another submitter's
      tool): only the query as submitted and its flips/rotations.
    """
    q = query_variant or "original"
    probe = _window_part(q)
    if bank_variant is None:
        return probe is None
    if q in DIHEDRAL_NAMES:
        return True
    stored = _window_part(bank_variant)
    if probe is None or stored is None or stored[2] or probe[0] != stored[0]:
        return False
    region = _MIRROR.get(probe[1], probe[1]) if probe[2] else probe[1]
    return region == stored[1]


def meets_windows(query_variant: str | None) -> bool:
    """Whether this probe can meet any stored window (so the matcher searches the windows
    index with it): the upload as it is, its flips and rotations, and the window grids."""
    q = query_variant or "original"
    return q in DIHEDRAL_NAMES or _window_part(q) is not None


def matcher_variants(variants: Iterable[Variant]) -> tuple[tuple[str, str], ...]:
    """The ``(name, pdq)`` pairs for :class:`~shieldwall.pipeline.matcher.Query`, without the
    plain hash (the matcher searches that as ``Query.pdq``)."""
    return tuple((v.name, v.pdq) for v in variants if v.name != "original")


def plain_and_variants(
    image: DecodedImage, *, robust: bool = True, windows: bool = True
) -> tuple[str, int, tuple[tuple[str, str], ...]]:
    """The plain PDQ hash, its quality and (when ``robust``) the matcher's variants of one
    decoded upload: what every path that hashes an image to search for it needs.

    With ``robust`` the plain hash is the first variant, so the pixels are read once for
    both; ``windows=False`` leaves out the window grids (see :func:`query_variants`)."""
    if not robust:
        pdq, quality = pdq_from_reduced(image.pixels, image.rows, image.cols)
        return pdq, quality, ()
    found = query_variants(image, windows=windows)
    return found[0].pdq, found[0].quality, matcher_variants(found)


# -- pixels ------------------------------------------------------------------------------------


def _rgb(image: DecodedImage | PixelArray) -> PixelArray:
    pixels = image.pixels if isinstance(image, DecodedImage) else image
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
        raise ValueError("pixels must be a uint8 array of shape HxW or HxWx3")
    return pixels


def _exact_dihedral(image: DecodedImage | PixelArray) -> dict[str, tuple[str, int]]:
    """All 8 dihedral hashes of the image as submitted, with the decoder's full-resolution
    weights when it was decoded reduced (so ``original`` equals the plain hash)."""
    if not isinstance(image, DecodedImage) or not image.reduced:
        return pdq_dihedral_from_pixels(_rgb(image))
    if min(image.original_width, image.original_height) < 5:
        return pdq_dihedral_from_pixels(image.pixels)
    grid = _grid(np.ascontiguousarray(image.pixels), image.rows.weights(), image.cols.weights())
    quality = _quality(grid)
    coefficients = _dihedral_coefficients(_dct16(grid))
    return {name: (_bits_to_hex(coefficients[name]), quality) for name in DIHEDRAL_NAMES}


def _work_image(pixels: PixelArray) -> Image.Image:
    """Grey copy (PDQ's own luma weights, as Pillow's "L") at most WORK_SIDE on its long side."""
    mode = "L" if pixels.ndim == 2 else "RGB"
    image = Image.fromarray(np.ascontiguousarray(pixels), mode).convert("L")
    w, h = image.size
    scale = WORK_SIDE / max(w, h)
    if scale < 1:
        image = image.resize(
            (max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.BOX
        )
    return image


def _hash_box(work: Image.Image, box: Box) -> dict[str, tuple[str, int]]:
    """Dihedral hashes of one region of the work image, at its own resolution.

    Regions are sliced, never resampled: resampling to a fixed square moved
    hashes by 6-17 bits on average (PDQ's blur window depends on each side's
    length), a third of the match threshold, while a new side length only
    costs a cached ~0.4 ms filter."""
    luma = np.asarray(work)
    top, bottom, left, right = _pixel_bounds(luma, box)
    return pdq_dihedral_from_pixels(np.ascontiguousarray(luma[top:bottom, left:right]))


def _pixel_bounds(luma: PixelArray, box: Box) -> tuple[int, int, int, int]:
    """``(top, bottom, left, right)`` of a box in pixels (Python's rounding; the browser
    hasher rounds the same way, so both slice the same pixels)."""
    h, w = luma.shape
    return round(box.top * h), round(box.bottom * h), round(box.left * w), round(box.right * w)


def _hash_array(luma: PixelArray) -> dict[str, tuple[str, int]]:
    return pdq_dihedral_from_pixels(np.ascontiguousarray(luma))


def _uncrop_pad(luma: PixelArray, keep: float) -> tuple[int, int]:
    """Rows and columns added on each side to make the query the central ``keep`` of a
    larger canvas (filled by repeating the edge pixels outward)."""
    h, w = luma.shape
    return round(h * (1 / keep - 1) / 2), round(w * (1 / keep - 1) / 2)


def _evened(box: Box) -> list[Box]:
    """The trim made even: the thinnest side on all four sides, and on each opposite pair."""
    right, bottom = 1.0 - box.right, 1.0 - box.bottom
    every = min(box.left, box.top, right, bottom)
    across, down = min(box.left, right), min(box.top, bottom)
    out = []
    if every >= borders.MIN_TRIM:
        out.append(Box(every, every, 1.0 - every, 1.0 - every))
    out.append(Box(across, down, 1.0 - across, 1.0 - down))
    return [b for b in out if not b.near(box) and not b.is_whole()]


def _caption_filled(luma: PixelArray, side: str, fraction: float) -> PixelArray:
    """The image with a caption band painted over: the nearest clean row, fading linearly
    into the median grey of the rest across the band.

    An overlaid caption hides picture that is gone; of the fills measured (caption 15% /
    25% / top 10%, 40 photos) this fade was best: 0.48 / 0.30 / 0.90, against 0.40 / 0.25 /
    0.80 for repeating the clean row, 0.40 / 0.25 / 0.80 for a flat median, 0.20 / 0.08 /
    0.75 for a mirror of the rows above, and 0.00 for cropping, stretched back or not."""
    rows = luma if side == "bottom" else luma[::-1]
    h = rows.shape[0]
    band = min(h - 1, round(h * fraction) + 1)
    clean = rows[: h - band]
    level = float(np.median(clean))
    ramp = np.linspace(0.0, 1.0, band)[:, None]
    out = rows.astype(np.float64)
    out[h - band :] = clean[-1] * (1.0 - ramp) + level * ramp
    filled = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return filled if side == "bottom" else np.ascontiguousarray(filled[::-1])


def _straightened(work: Image.Image, angle: float) -> tuple[Image.Image, Box] | None:
    luma = np.asarray(work)
    level = int(np.median(np.concatenate([luma[0], luma[-1]])))
    turned = work.rotate(angle, Image.Resampling.BILINEAR, expand=True, fillcolor=level)
    box = borders.find_flat_borders(np.asarray(turned))
    if box is None:
        return None
    return turned, box


def _unrotated(work: Image.Image, turned: borders.Rotation) -> dict[str, tuple[str, int]]:
    """Hashes of a turned picture turned back, cut out of its canvas at its own size.

    The canvas keeps its size and centre when turned back, so the picture sits centred in it;
    one pixel more is trimmed on each side, where resampling mixed it with the fill."""
    back = work.rotate(turned.angle, Image.Resampling.BILINEAR)
    w, h = back.size
    pw, ph = turned.width * w, turned.height * h
    left, top = round((w - pw) / 2) + 1, round((h - ph) / 2) + 1
    right, bottom = round((w + pw) / 2) - 1, round((h + ph) / 2) - 1
    return _hash_array(np.asarray(back)[top:bottom, left:right])


# -- variants ----------------------------------------------------------------------------------


class _Collector:
    """Keeps variants in order, drops duplicates and low-quality ones."""

    def __init__(self, quality_min: int) -> None:
        self.quality_min = quality_min
        self.seen: set[str] = set()
        self.out: list[Variant] = []

    def add(self, name: str, pdq: str, quality: int, *, keep_low: bool = False) -> None:
        if pdq in self.seen or (quality < self.quality_min and not keep_low):
            return
        self.seen.add(pdq)
        self.out.append(Variant(name, pdq, quality))

    def add_all(
        self, prefix: str, hashes: dict[str, tuple[str, int]], names: Sequence[str]
    ) -> None:
        for n in names:
            pdq, quality = hashes[n]
            self.add(prefix if n == "original" else f"{prefix}+{n}", pdq, quality)


def query_variants(
    image: DecodedImage | PixelArray,
    *,
    quality_min: int = DEFAULT_QUALITY_THRESHOLD,
    crops: bool = True,
    windows: bool = True,
) -> list[Variant]:
    """Every PDQ hash to search for one uploaded image, the image as submitted first.

    ``windows=False`` leaves out the window grids (central crops, sides, quarters: ~100
    probes that only ever meet stored windows, see :func:`compatible`), which is right
    when no bank entry carries :func:`bank_variants` and saves about half the cost;
    ``crops=False`` also leaves out the uncrop guesses; see the module docstring.
    The first variant is always ``"original"`` (the plain hash, kept whatever
    its quality); pass :func:`matcher_variants` of the result to the matcher.
    """
    found = _Collector(quality_min)
    dihedral = _exact_dihedral(image)
    found.add("original", *dihedral["original"], keep_low=True)
    for name in DIHEDRAL_NAMES[1:]:
        # Exact transforms of the plain hash share its quality: keep them whenever it is kept.
        found.add(name, *dihedral[name], keep_low=True)

    work = _work_image(_rgb(image))
    luma = np.asarray(work)
    # Regions that probably hold the original picture, each searched in all 8 orientations
    # (a letterboxed copy of a rotated phone video frame is common).
    regions: list[tuple[str, Box]] = []
    flat = borders.find_flat_borders(luma)
    if flat is not None:
        regions.append((f"border_removed({_pct(flat.trimmed)}%)", flat))
    frame = borders.find_frame(luma)
    if frame is not None and not any(frame.near(b) for _, b in regions):
        regions.append(("frame_removed", frame))
    for name, box in regions:
        hashes = _hash_box(work, box)
        # The quarter turns from really turned pixels: on fine textures (brick, grass,
        # newsprint) the DCT shortcut is up to ~50 bits off, the turned region 16-28.
        # Measured: rotate_90 + white pad 10% 0.97 -> 0.99 (126 photos); 2 hashes a region.
        top, bottom, left, right = _pixel_bounds(luma, box)
        region = luma[top:bottom, left:right]
        for turn, k in (("rotate90", 1), ("rotate270", -1)):
            hashes[turn] = _hash_array(np.rot90(region, k))["original"]
        found.add_all(name, hashes, DIHEDRAL_NAMES)
    if flat is not None:
        # A picture whose own edge is flat (sky, a wall) loses that edge to the trim too, on
        # one side only. Padding is usually added evenly, the same share of every side (or of
        # the two opposite sides), so the thinnest trimmed side is the better guess.
        for even in _evened(flat):
            if not any(even.near(b) for _, b in regions):
                label = f"border_removed({_pct(even.trimmed)}%,even)"
                regions.append((label, even))
                found.add_all(label, _hash_box(work, even), CROP_ORIENTATIONS)

    for side, fraction in borders.find_caption_bands(luma):
        label = f"{side},{_pct(fraction)}%"
        kept = Box(0.0, fraction, 1.0, 1.0) if side == "top" else Box(0.0, 0.0, 1.0, 1 - fraction)
        found.add_all(f"caption_removed({label})", _hash_box(work, kept), CROP_ORIENTATIONS)
        filled = _hash_array(_caption_filled(luma, side, fraction))
        found.add_all(f"caption_filled({label})", filled, CROP_ORIENTATIONS)

    rotation = borders.find_rotation(luma)
    if rotation is not None:
        # Exact geometry from the corner triangles; the older slope estimate only runs when
        # this finds nothing (it was 0.1-0.8 recall at 2-10 degrees).
        found.add_all(
            f"straightened({abs(rotation.angle):g}°)",
            _unrotated(work, rotation),
            CROP_ORIENTATIONS,
        )
    for angle in borders.find_tilt(luma) if rotation is None else ():
        straight = _straightened(work, angle)
        if straight is not None:
            turned, box = straight
            found.add_all(
                f"straightened({abs(angle):.0f}°)", _hash_box(turned, box), CROP_ORIENTATIONS
            )

    _add_views(found, luma)
    if crops and windows:
        grid = [_center_window(keep) for keep in QUERY_CROPS]
        grid += [_side_window(side, keep) for side in SIDES for keep in QUERY_SIDE_KEEPS]
        grid += [_quadrant(corner) for corner in QUADRANTS]
        bounds = [_pixel_bounds(luma, w.as_box()) for w in grid]
        hashed = pdq_dihedral_of_regions(luma, bounds, CROP_ORIENTATIONS)
        for window, hashes in zip(grid, hashed, strict=True):
            found.add_all(window.name, hashes, CROP_ORIENTATIONS)
    if crops:
        pads = [_uncrop_pad(luma, keep / 100) for keep in UNCROP_HYPOTHESES]
        hashed = pdq_dihedral_of_uncrops(luma, pads, CROP_ORIENTATIONS)
        for keep, hashes in zip(UNCROP_HYPOTHESES, hashed, strict=True):
            found.add_all(f"uncrop(center,{keep}%)", hashes, CROP_ORIENTATIONS)
    return found.out


def _add_views(found: _Collector, luma: PixelArray) -> None:
    """Collage tiles and a perspective undone (:mod:`shieldwall.hashing.views`), each
    as found (no flips: a tile or a photographed screen is rarely also mirrored)."""
    for tile in views.collage_tiles(luma):
        top, bottom, left, right = _pixel_bounds(luma, tile.box)
        found.add(tile.name, *pdq_from_pixels(np.ascontiguousarray(luma[top:bottom, left:right])))
    corners = views.perspective_quad(luma)
    if corners is not None:
        flat = views.unwarp(luma, corners)
        found.add("perspective_undone", *pdq_from_pixels(flat))
        # A screen's bezel or a frame inside the warped quadrilateral.
        trim = borders.find_flat_borders(flat) or borders.find_frame(flat)
        if trim is not None:
            top, bottom, left, right = _pixel_bounds(flat, trim)
            inner = np.ascontiguousarray(flat[top:bottom, left:right])
            found.add("perspective_undone+border_removed", *pdq_from_pixels(inner))


def bank_variants(
    image: DecodedImage | PixelArray,
    *,
    windows: Sequence[Window] = BANK_WINDOWS,
    quality_min: int = DEFAULT_QUALITY_THRESHOLD,
) -> list[Variant]:
    """Extra hashes a submitter can store with the plain one: regions of the original.

    A copy cropped at the borders then matches one of these through the
    query's crop grid. The plain hash is not included (it is the entry itself).
    """
    found = _Collector(quality_min)
    found.seen.add(_exact_dihedral(image)["original"][0])
    work = _work_image(_rgb(image))
    for window in windows[:MAX_BANK_VARIANTS]:
        pdq, quality = _hash_box(work, window.as_box())["original"]
        found.add(window.name, pdq, quality)
    return found.out
