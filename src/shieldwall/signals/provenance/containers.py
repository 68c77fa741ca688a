"""Read the metadata blocks of an image file (JPEG, PNG, WebP) without decoding any pixels.

Provenance lives in the file's container, not in its pixels: XMP packets (JPEG APP1, PNG iTXt
``XML:com.adobe.xmp``, WebP ``XMP ``), PNG text chunks where Stable Diffusion front ends write
their generation settings, EXIF, and the JUMBF boxes that hold C2PA manifests. This module walks
the container's structure itself rather than asking Pillow, so that chunks after the image data
are seen too, nothing is decoded, and a damaged block is reported as a problem instead of
stopping the scan.

Every length read from the file is checked against what is left of it, and compressed text is
inflated with a cap, so hostile metadata cannot make this allocate more than a few megabytes.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

MAX_TEXT_BYTES = 4 * 1024 * 1024
"""Largest inflated PNG text chunk read; a longer one is cut (real ones are a few kB)."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_XMP_JPEG_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_PNG_KEY = "XML:com.adobe.xmp"


@dataclass
class ContainerMetadata:
    """The metadata blocks found in one file, and the problems met while reading them."""

    container: str
    """``jpeg``, ``png``, ``webp``, or another sniffed format whose metadata is not read."""
    xmp: list[bytes] = field(default_factory=list)
    text: list[tuple[str, str]] = field(default_factory=list)
    """PNG text chunks as (keyword, text), in file order (keywords may repeat)."""
    exif: list[bytes] = field(default_factory=list)
    has_jumbf: bool = False
    """A JUMBF box (where C2PA manifests are stored) is present."""
    problems: list[str] = field(default_factory=list)
    """Damaged or unreadable blocks, in words a moderator can read."""


def sniff_container(data: bytes) -> str | None:
    """The container format of ``data`` from its magic bytes, or None if it is not an image."""
    if data.startswith(_PNG_SIGNATURE):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if len(data) >= 12 and data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"avif", b"avis"):
            return "avif"
        return "heif"
    return None


MEDIA_TYPES = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "avif": "image/avif",
    "heif": "image/heif",
}


def read_container(data: bytes) -> ContainerMetadata | None:
    """The metadata blocks of ``data``; None when ``data`` is not a recognised image file."""
    kind = sniff_container(data)
    if kind is None:
        return None
    meta = ContainerMetadata(container=kind)
    if kind == "png":
        _read_png(data, meta)
    elif kind == "jpeg":
        _read_jpeg(data, meta)
    elif kind == "webp":
        _read_webp(data, meta)
    return meta


def _inflate(payload: bytes, what: str, meta: ContainerMetadata) -> bytes | None:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(payload, MAX_TEXT_BYTES)
    except zlib.error as exc:
        meta.problems.append(f"{what}: compressed text is corrupt ({exc})")
        return None
    if inflater.unconsumed_tail:
        meta.problems.append(f"{what}: text longer than {MAX_TEXT_BYTES} bytes, cut")
    return out


def _read_png(data: bytes, meta: ContainerMetadata) -> None:
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(data):
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        name = ctype.decode("latin-1")
        body_end = pos + 8 + length
        if body_end + 4 > len(data):
            meta.problems.append(
                f"PNG chunk {name!r} at byte {pos} runs past the end of the file; "
                "later metadata not read"
            )
            return
        body = data[pos + 8 : body_end]
        if ctype == b"tEXt":
            _png_text(body, meta, compressed=False)
        elif ctype == b"zTXt":
            _png_text(body, meta, compressed=True)
        elif ctype == b"iTXt":
            _png_itxt(body, meta)
        elif ctype == b"eXIf":
            meta.exif.append(body)
        elif ctype == b"caBX":
            meta.has_jumbf = True
        elif ctype == b"IEND":
            return
        pos = body_end + 4


def _png_text(body: bytes, meta: ContainerMetadata, *, compressed: bool) -> None:
    key, sep, rest = body.partition(b"\x00")
    if not sep:
        meta.problems.append("PNG text chunk without a keyword separator, skipped")
        return
    keyword = key.decode("latin-1")
    if compressed:
        inflated = _inflate(rest[1:], f"PNG zTXt chunk {keyword!r}", meta)
        if inflated is None:
            return
        rest = inflated
    meta.text.append((keyword, rest.decode("latin-1")))


def _png_itxt(body: bytes, meta: ContainerMetadata) -> None:
    key, sep, rest = body.partition(b"\x00")
    if not sep or len(rest) < 2:
        meta.problems.append("PNG iTXt chunk is malformed, skipped")
        return
    keyword = key.decode("latin-1")
    flag = rest[0]
    _lang, _, rest = rest[2:].partition(b"\x00")
    _translated, _, text = rest.partition(b"\x00")
    if flag:
        inflated = _inflate(text, f"PNG iTXt chunk {keyword!r}", meta)
        if inflated is None:
            return
        text = inflated
    if keyword == _XMP_PNG_KEY:
        meta.xmp.append(text)
    else:
        meta.text.append((keyword, text.decode("utf-8", errors="replace")))


# JPEG markers that stand alone (no length field).
_STANDALONE = {0x01, *range(0xD0, 0xD8)}


def _read_jpeg(data: bytes, meta: ContainerMetadata) -> None:
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            meta.problems.append(f"JPEG marker expected at byte {pos}; later metadata not read")
            return
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _STANDALONE:
            pos += 2
            continue
        if marker in (0xDA, 0xD9):  # start of scan / end of image: no metadata after this
            return
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        end = pos + 2 + length
        if length < 2 or end > len(data):
            meta.problems.append(
                f"JPEG segment 0x{marker:02X} at byte {pos} runs past the end of the file; "
                "later metadata not read"
            )
            return
        body = data[pos + 4 : end]
        if marker == 0xE1 and body.startswith(_XMP_JPEG_PREFIX):
            meta.xmp.append(body[len(_XMP_JPEG_PREFIX) :])
        elif marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            meta.exif.append(body)
        elif marker == 0xEB and body[:2] == b"JP":  # APP11 JUMBF (C2PA)
            meta.has_jumbf = True
        pos = end


def _read_webp(data: bytes, meta: ContainerMetadata) -> None:
    pos = 12
    while pos + 8 <= len(data):
        ctype, length = struct.unpack("<4sI", data[pos : pos + 8])
        end = pos + 8 + length
        if end > len(data):
            meta.problems.append(
                f"WebP chunk {ctype.decode('latin-1')!r} runs past the end of the file; "
                "later metadata not read"
            )
            return
        body = data[pos + 8 : end]
        if ctype == b"XMP ":
            meta.xmp.append(body)
        elif ctype == b"EXIF":
            meta.exif.append(body)
        elif ctype == b"C2PA":
            meta.has_jumbf = True
        pos = end + (length & 1)  # chunks are padded to an even size
