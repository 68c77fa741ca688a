"""Hostile inputs, generated on the fly (nothing large is committed).

Each :class:`Hostile` is a file an abusive uploader could send: truncations and bit flips of
every supported image format, lying headers and content types, pixel, frame and XML bombs,
polyglots, odd pixel modes, every EXIF orientation, degenerate sizes. The generators are
deterministic (seeded), so a failure names an input that can be rebuilt.

Also the hostile *strings* (NUL, control characters, over-long values, odd Unicode) that every
text field must refuse or store cleanly, and deeply nested JSON.
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from PIL import Image

FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
    "BMP": ("bmp", "image/bmp"),
    "TIFF": ("tiff", "image/tiff"),
}


@dataclass(frozen=True)
class Hostile:
    """One hostile file: a name that says what it is, its bytes and the content type sent."""

    name: str
    data: bytes
    content_type: str
    decodable: bool = False
    """True when a correct decoder must hash it (odd but valid images)."""


def base_image(width: int = 96, height: int = 64) -> Image.Image:
    """A synthetic, benign RGB picture with enough structure for PDQ (no photo needed)."""
    y, x = np.mgrid[0:height, 0:width]
    r = (x * 255 // max(width - 1, 1)).astype(np.uint8)
    g = (y * 255 // max(height - 1, 1)).astype(np.uint8)
    b = (((x // 8 + y // 8) % 2) * 200).astype(np.uint8)
    return Image.fromarray(np.dstack([r, g, b]), "RGB")


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def valid_files() -> list[Hostile]:
    image = base_image()
    return [
        Hostile(f"valid.{ext}", encode(image, fmt), ctype, decodable=True)
        for fmt, (ext, ctype) in FORMATS.items()
    ]


def truncations() -> list[Hostile]:
    found = []
    for file in valid_files():
        size = len(file.data)
        for cut in sorted({1, 2, 8, 16, 33, size // 4, size // 2, size - 2}):
            found.append(
                Hostile(f"truncated-{cut}-{file.name}", file.data[:cut], file.content_type)
            )
    return found


def bit_flips(per_format: int = 8, seed: int = 13) -> list[Hostile]:
    rng = random.Random(seed)
    found = []
    for file in valid_files():
        for n in range(per_format):
            data = bytearray(file.data)
            # Half the flips hit the header, where parsers trust lengths and sizes.
            span = min(len(data), 64) if n % 2 == 0 else len(data)
            for _ in range(1 + n % 4):
                pos = rng.randrange(span)
                data[pos] ^= 1 << rng.randrange(8)
            found.append(Hostile(f"bitflip-{n}-{file.name}", bytes(data), file.content_type))
    return found


def lying_headers() -> list[Hostile]:
    png = encode(base_image(), "PNG")
    jpeg = encode(base_image(), "JPEG")
    return [
        Hostile("png-sent-as-jpeg.jpg", png, "image/jpeg", decodable=True),
        Hostile("jpeg-sent-as-gif.gif", jpeg, "image/gif", decodable=True),
        Hostile("jpeg-sent-as-text.txt", jpeg, "text/plain", decodable=True),
        Hostile("text-as-png.png", b"hello, this is not an image\n" * 10, "image/png"),
        Hostile("html-as-jpeg.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg"),
        Hostile("pdf-as-png.png", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "image/png"),
        Hostile("eps-magic.png", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 1 1\n", "image/png"),
        Hostile("empty.jpg", b"", "image/jpeg"),
        Hostile("zeros.png", bytes(4096), "image/png"),
        Hostile("magic-only.png", b"\x89PNG\r\n\x1a\n", "image/png"),
        Hostile("magic-only.jpg", b"\xff\xd8\xff", "image/jpeg"),
        Hostile("gif-magic-only.gif", b"GIF89a", "image/gif"),
    ]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_bomb(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (grey) over a few bytes of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png_real_bomb(side: int = 12_000) -> bytes:
    """A real decompression bomb: ``side``² grey zeros that compress to a few hundred KB."""
    row = b"\x00" * (side + 1)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def gif_header_bomb() -> bytes:
    """A GIF whose logical screen and frame claim 65535 x 65535."""
    gif = bytearray(encode(base_image(8, 8), "GIF"))
    gif[6:10] = struct.pack("<HH", 65535, 65535)
    at = gif.index(b"\x2c")  # image descriptor: left, top, width, height
    gif[at + 5 : at + 9] = struct.pack("<HH", 65535, 65535)
    return bytes(gif)


def jpeg_header_bomb() -> bytes:
    """A JPEG whose SOF claims 65500 x 65500."""
    jpeg = bytearray(encode(base_image(16, 16), "JPEG"))
    for marker in (b"\xff\xc0", b"\xff\xc2"):
        at = jpeg.find(marker)
        if at >= 0:
            jpeg[at + 5 : at + 9] = struct.pack(">HH", 65500, 65500)
    return bytes(jpeg)


def frame_bomb(frames: int = 600) -> bytes:
    """An animated GIF of many frames (only the first should be decoded)."""
    images = [base_image(32, 32).rotate(i % 360) for i in range(frames)]
    return encode(images[0], "GIF", save_all=True, append_images=images[1:], duration=1)


def xml_bomb() -> bytes:
    """Billion laughs: entity expansion that a naive XML parser turns into gigabytes."""
    lines = ['<?xml version="1.0"?>', "<!DOCTYPE lolz [", '<!ENTITY lol0 "lol">']
    lines += [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    lines += ["]>", '<svg xmlns="http://www.w3.org/2000/svg">&lol9;</svg>']
    return "\n".join(lines).encode()


def xmp_bomb_png() -> bytes:
    """A valid PNG carrying a billion-laughs XMP packet (read by Pillow's ``getxmp``)."""
    png = encode(base_image(), "PNG")
    chunk = _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xml_bomb())
    return png[:33] + chunk + png[33:]


def bombs() -> list[Hostile]:
    return [
        Hostile("png-header-50000x50000.png", png_header_bomb(50_000, 50_000), "image/png"),
        Hostile("png-header-1x2147483647.png", png_header_bomb(1, 2**31 - 1), "image/png"),
        Hostile("png-header-0x0.png", png_header_bomb(0, 0), "image/png"),
        Hostile("png-real-bomb-12000.png", png_real_bomb(), "image/png"),
        Hostile("gif-header-65535.gif", gif_header_bomb(), "image/gif"),
        Hostile("jpeg-header-65500.jpg", jpeg_header_bomb(), "image/jpeg"),
        Hostile("gif-600-frames.gif", frame_bomb(), "image/gif", decodable=True),
        Hostile("billion-laughs.svg", xml_bomb(), "image/svg+xml"),
        Hostile("xmp-billion-laughs.png", xmp_bomb_png(), "image/png", decodable=True),
    ]


def polyglots() -> list[Hostile]:
    jpeg = encode(base_image(), "JPEG")
    png = encode(base_image(), "PNG")
    zip_tail = b"PK\x05\x06" + bytes(18)
    html = b"<html><body><script>alert(document.cookie)</script></body></html>"
    return [
        Hostile("jpeg-plus-zip.jpg", jpeg + zip_tail, "image/jpeg", decodable=True),
        Hostile("jpeg-plus-html.jpg", jpeg + html, "image/jpeg", decodable=True),
        Hostile(
            "png-html-text-chunk.png",
            png[:33] + _png_chunk(b"tEXt", b"Comment\x00" + html) + png[33:],
            "image/png",
            decodable=True,
        ),
        Hostile("gif-js.gif", b"GIF89a/*" + bytes(8) + b"*/=alert(1);", "image/gif"),
        Hostile(
            "jpeg-comment-php.jpg",
            encode(base_image(), "JPEG", comment=b"<?php system($_GET['c']); ?>"),
            "image/jpeg",
            decodable=True,
        ),
    ]


def odd_modes() -> list[Hostile]:
    rgb = base_image()
    grey = rgb.convert("L")
    found = [
        Hostile("mode-1.png", encode(rgb.convert("1"), "PNG"), "image/png", decodable=True),
        Hostile("mode-L.png", encode(grey, "PNG"), "image/png", decodable=True),
        Hostile("mode-LA.png", encode(rgb.convert("LA"), "PNG"), "image/png", decodable=True),
        Hostile("mode-P.png", encode(rgb.convert("P"), "PNG"), "image/png", decodable=True),
        Hostile(
            "mode-P-transparency.png",
            encode(rgb.convert("P"), "PNG", transparency=0),
            "image/png",
            decodable=True,
        ),
        Hostile(
            "mode-RGBA.webp", encode(rgb.convert("RGBA"), "WEBP"), "image/webp", decodable=True
        ),
        Hostile("mode-CMYK.jpg", encode(rgb.convert("CMYK"), "JPEG"), "image/jpeg", decodable=True),
        Hostile(
            "mode-CMYK.tiff", encode(rgb.convert("CMYK"), "TIFF"), "image/tiff", decodable=True
        ),
        Hostile(
            "mode-I16.png",
            encode(Image.fromarray(np.asarray(grey, dtype=np.uint16) * 257), "PNG"),
            "image/png",
            decodable=True,
        ),
        Hostile("mode-I.tiff", encode(grey.convert("I"), "TIFF"), "image/tiff", decodable=True),
        Hostile("mode-F.tiff", encode(grey.convert("F"), "TIFF"), "image/tiff", decodable=True),
        Hostile(
            "mode-YCbCr.jpg", encode(rgb.convert("YCbCr"), "JPEG"), "image/jpeg", decodable=True
        ),
        Hostile("mode-LAB.tiff", encode(rgb.convert("LAB"), "TIFF"), "image/tiff", decodable=True),
        Hostile(
            "progressive.jpg", encode(rgb, "JPEG", progressive=True), "image/jpeg", decodable=True
        ),
        Hostile(
            "tiff-multipage.tiff",
            encode(rgb, "TIFF", save_all=True, append_images=[grey.convert("RGB")] * 3),
            "image/tiff",
            decodable=True,
        ),
    ]
    return found


_ORIENT = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
"""How to store the upright picture so that EXIF orientation ``k`` shows it upright again."""


def oriented(k: int, fmt: str) -> bytes:
    """The upright picture stored turned so that EXIF orientation ``k`` shows it upright."""
    upright = base_image(96, 64)
    stored = _ORIENT[k]
    image = upright if stored is None else upright.transpose(stored)
    if fmt == "TIFF":  # TIFF keeps orientation in its own first IFD
        return encode(image, "TIFF", tiffinfo={0x0112: k})
    exif = Image.Exif()
    exif[0x0112] = k
    extra: dict[str, object] = {"lossless": True} if fmt == "WEBP" else {}
    return encode(image, fmt, exif=exif.tobytes(), **extra)


def orientations() -> list[Hostile]:
    """The upright picture stored in each of the 8 EXIF orientations, in each format that
    carries one (each must decode to the upright pixels), and orientation values no camera
    writes (0, 9, 65535), which must not break decoding."""
    found = []
    for fmt in ("JPEG", "PNG", "WEBP", "TIFF"):
        ext, ctype = FORMATS[fmt]
        for k in _ORIENT:
            found.append(Hostile(f"orientation-{k}.{ext}", oriented(k, fmt), ctype, decodable=True))
    for k in (0, 9, 65535):
        exif = Image.Exif()
        exif[0x0112] = k
        data = encode(base_image(), "JPEG", exif=exif.tobytes())
        found.append(Hostile(f"orientation-bogus-{k}.jpg", data, "image/jpeg", decodable=True))
    return found


def degenerate_sizes() -> list[Hostile]:
    return [
        Hostile(f"size-{w}x{h}.png", encode(base_image(w, h), "PNG"), "image/png", decodable=True)
        for w, h in ((1, 1), (2, 2), (4000, 2), (2, 4000), (8, 4000), (4000, 8))
    ]


def all_files() -> list[Hostile]:
    """Every hostile file, in a fixed order."""
    return [
        *valid_files(),
        *truncations(),
        *bit_flips(),
        *lying_headers(),
        *bombs(),
        *polyglots(),
        *odd_modes(),
        *orientations(),
        *degenerate_sizes(),
    ]


# -- hostile strings ----------------------------------------------------------------------------

HOSTILE_STRINGS = {
    "nul": "abc\x00def",
    "only-nul": "\x00",
    "control": "a\x01\x07\x08\x1b[31mred\x7f",
    "newlines": "line1\r\nline2\nSet-Cookie: x=1",
    "bidi": "abc\u202etxt.exe",
    "long-300": "u" * 300,
    "long-70000": "t" * 70_000,
    "html": "<script>alert(1)</script>",
    "sql": "'; DROP TABLE items; --",
    "zero-width": "a\u200b\u200c\u200d\ufeff",
    "emoji": "\U0001f600" * 50,
    "path": "../../../etc/passwd",
}
"""Text an attacker types into any field; each must be refused (4xx) or stored as typed."""


def deep_json(depth: int) -> str:
    """``depth`` nested arrays: ``[[[...]]]`` (Python's json recursion limit is ~1000)."""
    return "[" * depth + "]" * depth


def deep_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth
