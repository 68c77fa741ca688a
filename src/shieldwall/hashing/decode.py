"""Safe image decoding: bytes from an untrusted user in, RGB pixels as a viewer sees them out.

Every file here may be hostile. The decoder therefore:

* refuses empty files and files over ``DecodeLimits.max_bytes`` before parsing;
* opens only the formats Shieldwall supports (JPEG, PNG, WebP, GIF, BMP, TIFF,
  HEIC/HEIF), so Pillow's rarer plugins (EPS, which runs Ghostscript, among
  them) never see user bytes;
* reads the pixel count from the header and refuses decompression bombs
  *before* decoding, and keeps Pillow's own bomb guard switched on as a second
  line in case a code path slips past the header check;
* turns every failure into a :class:`~shieldwall.errors.ImageError` subclass
  with a stable code: no Pillow, numpy or struct exception escapes;
* applies the EXIF orientation, so a phone photo stored sideways is hashed the
  way it is displayed (PDQ is not rotation invariant);
* converts 16-bit, CMYK, palette and alpha images to 8-bit RGB (alpha is
  dropped, as Pillow and Meta's hasher do, so hashes match partners' hashes).

The fast path (``exact=False``) decodes less: a JPEG is decoded with libjpeg's
DCT scaling (Pillow ``draft``) and any other format is box-reduced once, both
to no less than ``FAST_MIN_SIDE`` pixels on the short side; a large progressive
JPEG is decoded at 1/8 from its DC scans alone (``DC_MIN_SIDE``, :mod:`.jpeg_dc`),
which skips the AC scans that dominate its decoding. The reduction is
recorded in :class:`DecodedImage` so that PDQ can weigh the reduced pixels as
the full-resolution ones would have been (see :mod:`shieldwall.hashing.pdq`).
"""

from __future__ import annotations

import io
import struct
import threading
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import (
    BmpImagePlugin,
    GifImagePlugin,
    Image,
    ImageFile,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

from shieldwall.errors import (
    CorruptImageError,
    DecompressionBombError,
    EmptyFileError,
    FileTooLargeError,
    ImageError,
    NotAnImageError,
    TruncatedImageError,
    UnsupportedFormatError,
)
from shieldwall.hashing.jpeg_dc import dc_scans_only
from shieldwall.hashing.pdq import AxisMap

__all__ = ["FAST_MIN_SIDE", "DecodeLimits", "DecodedImage", "decode_image"]

FAST_MIN_SIDE = 512
"""The fast path never decodes the short side below this many pixels (but see DC_MIN_SIDE)."""

DC_MIN_SIDE = 256
"""A progressive JPEG is decoded from its DC scans alone (1/8 scale, :mod:`.jpeg_dc`) when
that keeps its short side at least this long: measured on the benchmark photos, its PDQ
stays within 2 bits of the full-resolution hash, for a fraction of the decode."""

SUPPORTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF", "HEIF")
"""Pillow format names accepted. MPO is the multi-picture JPEG many cameras write."""

# Importing the plugins registers them with Pillow without loading all the others.
_PLUGINS = (
    BmpImagePlugin,
    GifImagePlugin,
    JpegImagePlugin,
    MpoImagePlugin,
    PngImagePlugin,
    TiffImagePlugin,
    WebPImagePlugin,
)

_PILLOW_GUARD_PIXELS = 100_000_000
"""Pillow's own bomb guard (it raises at twice this): set once, never disabled."""


@dataclass(frozen=True, slots=True)
class DecodeLimits:
    """Refuse inputs above these sizes (see ``max_image_pixels`` and ``max_upload_bytes``)."""

    max_pixels: int = 100_000_000
    max_bytes: int = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class DecodedImage:
    """An image as a viewer sees it: EXIF orientation applied, 8-bit RGB (``HxWx3``), or
    its luma plane alone (``HxW``) when decoded with ``luma=True`` (a JPEG, or a grey image).

    ``original_width``/``original_height`` are the full-resolution size after
    orientation; ``pixels`` may be smaller on the fast path, in which case
    ``rows``/``cols`` say how each axis was reduced. ``frames`` is more than 1
    for animations (only the first frame is decoded).
    """

    pixels: npt.NDArray[np.uint8]
    original_width: int
    original_height: int
    format: str
    frames: int
    rows: AxisMap
    cols: AxisMap

    @property
    def reduced(self) -> bool:
        return self.rows.scale > 1 or self.cols.scale > 1

    @property
    def is_luma(self) -> bool:
        """Whether ``pixels`` is the grey luma plane (``HxW``) rather than RGB."""
        return self.pixels.ndim == 2


# EXIF orientation -> (Pillow transpose, oriented rows come from stored columns?,
# oriented rows reversed?, oriented cols reversed?).
_ORIENTATIONS: dict[int, tuple[Image.Transpose, bool, bool, bool]] = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT, False, False, True),
    3: (Image.Transpose.ROTATE_180, False, True, True),
    4: (Image.Transpose.FLIP_TOP_BOTTOM, False, True, False),
    5: (Image.Transpose.TRANSPOSE, True, False, False),
    6: (Image.Transpose.ROTATE_270, True, False, True),
    7: (Image.Transpose.TRANSVERSE, True, True, True),
    8: (Image.Transpose.ROTATE_90, True, True, False),
}

_heif_lock = threading.Lock()
_heif_registered = False


def _ensure_heif_opener() -> bool:
    """Register pillow-heif's opener the first time a HEIF file shows up."""
    global _heif_registered
    with _heif_lock:
        if not _heif_registered:
            try:
                import pillow_heif
            except ImportError:
                return False
            pillow_heif.register_heif_opener()
            _heif_registered = True
    return True


def _install_pillow_guard() -> None:
    if Image.MAX_IMAGE_PIXELS is None or Image.MAX_IMAGE_PIXELS > _PILLOW_GUARD_PIXELS:
        Image.MAX_IMAGE_PIXELS = _PILLOW_GUARD_PIXELS


_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1")


def _sniff(data: bytes) -> tuple[str | None, bool]:
    """(format name from the magic bytes, whether Shieldwall supports it)."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG", True
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG", True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP", True
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF", True
    if head.startswith(b"BM"):
        return "BMP", True
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF", True
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _HEIF_BRANDS:
            return "HEIF", True
        if brand in (b"avif", b"avis"):
            return "AVIF", False
        return "ISO-BMFF", False
    others = {
        b"8BPS": "PSD",
        b"%PDF": "PDF",
        b"%!PS": "PostScript",
        b"\x00\x00\x01\x00": "ICO",
        b"qoif": "QOI",
        b"DDS ": "DDS",
        b"icns": "ICNS",
        b"\xff\x0a": "JPEG XL",
        b"\x00\x00\x00\x0cjP": "JPEG 2000",
        b"\x00\x00\x00\x0cJXL": "JPEG XL",
        b"\xff\x4f\xff\x51": "JPEG 2000",
    }
    for magic, name in others.items():
        if head.startswith(magic):
            return name, False
    stripped = head.lstrip()
    if stripped.startswith((b"<svg", b"<?xml")):
        return "SVG", False
    if head[:2] in (b"P1", b"P2", b"P3", b"P4", b"P5", b"P6") and len(head) > 2:
        return "PNM", False
    return None, False


_TRUNCATION_HINTS = ("truncated", "unpack requires", "end of file", "not enough data", "eof")


def _is_truncation(exc: BaseException) -> bool:
    if isinstance(exc, EOFError):
        return True
    text = str(exc).lower()
    return any(hint in text for hint in _TRUNCATION_HINTS)


def _header_error(data: bytes, fmt: str) -> ImageError:
    """Why a file that starts like ``fmt`` has no readable header: truncated or corrupt."""
    opener = Image.OPEN.get(fmt)
    if opener is not None:
        try:
            opener[0](io.BytesIO(data), "")
        except Exception as exc:  # any parser failure is classified, never re-raised
            if _is_truncation(exc) or isinstance(exc, struct.error):
                return TruncatedImageError(
                    f"{fmt} file ends before its header is complete ({len(data)} bytes)",
                    value=str(exc),
                )
            return CorruptImageError(f"{fmt} header cannot be read", value=str(exc))
    return CorruptImageError(f"{fmt} header cannot be read ({len(data)} bytes)")


def _open(data: bytes) -> Image.Image:
    fmt, supported = _sniff(data)
    if fmt == "HEIF" and not _ensure_heif_opener():
        raise UnsupportedFormatError("HEIF support needs the pillow-heif package", value=fmt)
    if fmt is not None and not supported:
        raise UnsupportedFormatError(
            f"{fmt} images are not supported; use JPEG, PNG, WebP, GIF, BMP, TIFF or HEIF",
            value=fmt,
        )
    try:
        formats = [name for name in SUPPORTED_FORMATS if name in Image.OPEN]
        return Image.open(io.BytesIO(data), formats=formats)
    except Image.DecompressionBombError as exc:
        raise DecompressionBombError(str(exc)) from exc
    except Exception as exc:
        if fmt is not None:
            raise _header_error(data, fmt) from exc
        raise NotAnImageError(
            "not an image: the content matches no supported image format",
            value=data[:16].hex(),
        ) from exc


def _check_png_chunks(data: bytes) -> None:
    """Verify every PNG chunk's CRC: Pillow does not check image data chunks,
    and a damaged zlib stream can otherwise decode quietly into a black image."""
    offset = 8
    while offset + 12 <= len(data):
        (length,) = struct.unpack_from(">I", data, offset)
        end = offset + 12 + length
        if end > len(data):
            return  # truncated: the decoder reports it as such
        kind = data[offset + 4 : offset + 8]
        (expected,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(data[offset + 4 : end - 4]) != expected:
            raise CorruptImageError(
                f"PNG chunk {kind.decode('latin-1')!r} at byte {offset} fails its CRC check",
                value=kind.decode("latin-1"),
            )
        if kind == b"IEND":
            return
        offset = end


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block must not stop the hash; show it as stored
        return 1
    return value if isinstance(value, int) and value in _ORIENTATIONS else 1


def _frame_count(image: Image.Image) -> int:
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # later frames damaged: the first one still hashes
        return 1


def _fast_scale(image: Image.Image, exact: bool) -> int:
    """Largest reduction that keeps the short side >= FAST_MIN_SIDE (1 = full resolution)."""
    if exact:
        return 1
    short = min(image.size)
    return max(1, short // FAST_MIN_SIDE)


def _luma_mode(image: Image.Image, luma: bool) -> str:
    """The mode to ask libjpeg for: ``L`` (its luma plane, Y) for a colour JPEG when only the
    luma is wanted, else the file's own mode."""
    if luma and image.format in ("JPEG", "MPO") and image.mode == "RGB":
        return "L"
    return image.mode


def _draft(image: Image.Image, scale: int, mode: str) -> int:
    """Ask libjpeg for a 1/2, 1/4 or 1/8 scaled decode (in ``mode``); returns the scale it
    chose."""
    if image.format not in ("JPEG", "MPO"):
        return 1
    if scale < 2:
        if mode != image.mode:
            image.draft(mode, image.size)  # the luma plane at full size
        return 1
    w, h = image.size
    target = (-(-w // scale), -(-h // scale))
    chosen = image.draft(mode, target)
    if chosen is None:
        return 1
    got = max(1, round(w / image.size[0]))
    # The PDQ weights assume the reduced size is ceil(full / scale); anything
    # else (an exotic subsampling) falls back to treating pixels as given.
    if image.size != (-(-w // got), -(-h // got)):
        return 0
    return got


def _to_rgb(image: Image.Image) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I;16") or mode in ("I", "F"):
        # Pillow clips these to 0..255 when converting; scale the full range instead.
        values = np.asarray(image)
        if mode == "F":
            top = 1.0 if values.size and float(np.nanmax(values)) <= 1.0 else 255.0
            eight = np.clip(np.nan_to_num(values) * (255.0 / top), 0, 255)
        else:
            eight = np.clip(values.astype(np.int64), 0, 65535) / 257.0
        gray = Image.fromarray(np.rint(eight).astype(np.uint8))
        return gray.convert("RGB")
    return image.convert("RGB")


def decode_image(
    data: bytes, *, limits: DecodeLimits = DecodeLimits(), exact: bool = False, luma: bool = False
) -> DecodedImage:
    """Decode untrusted bytes into RGB pixels, safely; see the module docstring.

    ``luma=True`` is for callers that only hash (PDQ reads luma alone): a colour JPEG is
    then decoded to its Y plane, which libjpeg gives without upsampling the chroma or
    converting colours (about 2x faster decode and hash on a 1 MP photo), and ``pixels``
    is ``HxW``; so is a grey image of any format. JPEG's Y uses PDQ's own luma weights
    (BT.601), so the hash is that of the RGB decode up to rounding (on the 126 benchmark
    photos: 0.19 bits apart on average, at most 2, at 1 MP; 0.22 and at most 4 for the
    full-size originals on the reduced fast path). Colour images of other formats still
    come back as RGB, and so does everything with ``exact=True``: bit for bit the
    reference hasher's input.

    Raises an :class:`~shieldwall.errors.ImageError` subclass for anything that
    is not a decodable, supported image within ``limits``.
    """
    if len(data) == 0:
        raise EmptyFileError("the file is empty (0 bytes)")
    if len(data) > limits.max_bytes:
        raise FileTooLargeError(
            f"file is {len(data)} bytes; the limit is {limits.max_bytes} bytes",
            value=len(data),
        )
    _install_pillow_guard()
    image = _open(data)
    fmt = "JPEG" if image.format == "MPO" else str(image.format)
    width, height = image.size
    if width <= 0 or height <= 0:
        raise CorruptImageError(f"{fmt} header declares an empty {width}x{height} image")
    if width * height > limits.max_pixels:
        raise DecompressionBombError(
            f"{fmt} image declares {width}x{height} = {width * height} pixels; "
            f"the limit is {limits.max_pixels}",
            value=f"{width}x{height}",
        )
    if fmt == "PNG":
        _check_png_chunks(data)
    try:
        return _decode(image, data, fmt, width, height, exact, luma and not exact)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise DecompressionBombError(str(exc)) from exc
    except MemoryError as exc:
        raise DecompressionBombError(f"{fmt} image needs more memory than is available") from exc
    except Exception as exc:  # every decoder failure becomes a typed, coded error
        if _is_truncation(exc):
            raise TruncatedImageError(
                f"{fmt} file is truncated: the image data ends early", value=str(exc)
            ) from exc
        if isinstance(exc, zlib.error):
            raise CorruptImageError(f"{fmt} compressed data is corrupt", value=str(exc)) from exc
        raise CorruptImageError(f"{fmt} image data is corrupt", value=str(exc)) from exc


def _dc_image(image: Image.Image, data: bytes, frames: int, luma: bool) -> Image.Image | None:
    """A large progressive JPEG opened from its DC scans, drafted to exactly 1/8, or None.

    Only where 1/8 keeps the short side >= DC_MIN_SIDE (see :mod:`~.jpeg_dc`)."""
    progressive = image.info.get("progressive") or image.info.get("progression")
    w, h = image.size
    if image.format != "JPEG" or frames > 1 or not progressive or min(w, h) < 8 * DC_MIN_SIDE:
        return None
    stripped = dc_scans_only(data)
    if stripped is None:
        return None
    try:
        dc = Image.open(io.BytesIO(stripped), formats=["JPEG"])
        dc.draft(_luma_mode(dc, luma), (w // 8, h // 8))
    except Exception:  # anything odd: decode the whole file as usual
        return None
    if dc.size != (-(-w // 8), -(-h // 8)):
        return None
    return dc


def _decode(
    image: Image.Image, data: bytes, fmt: str, width: int, height: int, exact: bool, luma: bool
) -> DecodedImage:
    frames = _frame_count(image)
    if frames > 1:
        image.seek(0)
    want = _fast_scale(image, exact)
    dc = None if exact else _dc_image(image, data, frames, luma)
    if dc is not None:
        image, want, scale = dc, 8, 8
    else:
        scale = _draft(image, want, _luma_mode(image, luma))
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        # Someone in this process told Pillow to paint truncated images grey;
        # a hash of a half-grey image would be wrong, so refuse instead.
        raise TruncatedImageError("refusing to decode while LOAD_TRUNCATED_IMAGES is enabled")
    image.load()
    # Read after loading: Pillow turns a TIFF by its orientation tag while loading and then
    # drops the tag, so reading it earlier turned such TIFFs twice.
    orientation = _orientation(image)
    rgb = image if image.mode == "L" and luma else _to_rgb(image)
    if scale == 1 and want > 1:
        rgb = rgb.reduce(want)
        scale = want
    stored_rows = AxisMap(height, max(scale, 1))
    stored_cols = AxisMap(width, max(scale, 1))
    if scale == 0:  # draft gave an unexpected size: hash the pixels as they are
        stored_rows, stored_cols = AxisMap(rgb.size[1]), AxisMap(rgb.size[0])
    rows, cols = stored_rows, stored_cols
    if orientation in _ORIENTATIONS:
        method, swap, rev_rows, rev_cols = _ORIENTATIONS[orientation]
        rgb = rgb.transpose(method)
        src_rows, src_cols = (stored_cols, stored_rows) if swap else (stored_rows, stored_cols)
        rows = AxisMap(src_rows.length, src_rows.scale, rev_rows)
        cols = AxisMap(src_cols.length, src_cols.scale, rev_cols)
    pixels = np.asarray(rgb, dtype=np.uint8)
    oriented_w, oriented_h = (height, width) if orientation >= 5 else (width, height)
    return DecodedImage(
        pixels=pixels,
        original_width=oriented_w,
        original_height=oriented_h,
        format=fmt,
        frames=frames,
        rows=rows,
        cols=cols,
    )
