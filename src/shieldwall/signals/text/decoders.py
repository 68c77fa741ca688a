"""Extra readings of a post: text it hides behind an encoding or a transform, decoded.

The normaliser reads a post the way it renders; an evader can also write text that a reader
decodes on purpose ("b64: QHN0...", upside-down letters). Each decoder here proposes extra
*readings* of the post; the signal matches every reading exactly as it matches the post, so
a decoded reading gets the same exact and skeleton matching and the same false-positive
checks as the plain one. The plain reading always comes first, so a decoder can only add
hits, never change or lose one the plain reading found.

* ``base64`` / ``base32`` tokens (standard or URL-safe alphabet, padding optional) that decode
  to printable UTF-8 with a letter in it; everything else a long token can be (a word, a
  hash, a JWT signature) decodes to bytes that are not, and is dropped.
* **hex bytes**: a run of hex digit pairs (``0x`` optional) or pairs with one separator
  (space, colon, comma or dash), six bytes or more, decoding to printable UTF-8 with a
  letter; a hex colour is too short, a hash or a file header decodes to bytes that are not.
* **upside-down** text: the flip table (``ɐ ǝ ɹ ʇ ʍ``... and ``b``/``q``, ``d``/``p``, ``n``/``u``
  swapped) applied and the text reversed, only when at least two characters that exist only
  in upside-down writing are present.

Reversal and rot13 need no reading: the skeleton matcher (``fuzzy``) matches text written
backwards or letter-shifted in its one pass.

Cost stays linear: a token is decoded at most once, tokens longer than ``MAX_TOKEN_CHARS``
are not decoded (an advert is short; a megabyte blob is not an advert), and at most
``MAX_TOKENS`` tokens per post are decoded.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

MAX_TOKEN_CHARS = 4096
"""Longest token decoded as base64/base32; longer ones are data, not a hidden address."""
MAX_TOKENS = 64
"""Most tokens decoded in one post (each decoded reading is matched like a post)."""

_B64_TOKEN = re.compile(r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{12,}={0,2}(?![A-Za-z0-9+/_=-])")
"""A token may follow ``=`` (``?token=…``, ``data=…``): only letters, digits and the
alphabet's own symbols before it mean it is the middle of something longer."""
_HEX_TOKEN = re.compile(
    r"(?<![0-9A-Za-z])(?:0x)?(?:[0-9a-fA-F]{2}){6,}(?![0-9A-Za-z])"
    r"|(?<![0-9A-Za-z:])[0-9a-fA-F]{2}([ :,-])[0-9a-fA-F]{2}(?:\1[0-9a-fA-F]{2}){4,}(?![0-9A-Za-z])"
)
"""Bytes written as hex: one run (``0x7365...``, ``7365...``) or pairs with one separator
(``73 65``, ``73:65``, ``73-65``), six bytes or more (a hex colour is three)."""
_HEX_SEPARATORS = re.compile(r"^0x|[ :,-]")
_B32_TOKEN = re.compile(r"(?<![A-Za-z0-9=])[A-Z2-7]{16,}={0,6}(?![A-Za-z0-9=])")
_HAS_LETTER = re.compile(r"[A-Za-z]")

_FLIP: dict[str, str] = {
    "ɐ": "a", "q": "b", "ɔ": "c", "p": "d", "ǝ": "e", "ɟ": "f", "ƃ": "g", "ɥ": "h", "ᴉ": "i",
    "ɾ": "j", "ʞ": "k", "ɯ": "m", "u": "n", "d": "p", "b": "q", "ɹ": "r", "ʇ": "t", "n": "u",
    "ʌ": "v", "ʍ": "w", "ʎ": "y", "˙": ".", "‾": "_", "¡": "!", "¿": "?", "'": ",", ",": "'",
}  # fmt: skip
"""Upside-down writing: each character and the one it stands for when the text is turned."""
_UPSIDE_DOWN_CHAR = re.compile("[ɐɔǝɟƃɥᴉʞɯɹʇʌʍʎ˙‾]")
"""Characters no ordinary text uses: two of them are the sign of upside-down writing."""
_FLIP_TABLE = str.maketrans(_FLIP)


@dataclass(frozen=True, slots=True)
class Reading:
    """A decoded reading of part of a post.

    ``start``/``end`` are the span of the post it was decoded from; a hit in the reading is
    reported at that whole span, except for a ``mirrored`` reading (the span read backwards,
    one character for one), where it maps back exactly.
    """

    text: str
    start: int
    end: int
    step: str
    mirrored: bool = False

    def origin(self, start: int, end: int) -> tuple[int, int]:
        """The span of the post a hit at ``[start, end)`` of this reading came from."""
        if self.mirrored:
            return self.end - end, self.end - start
        return self.start, self.end


def readings(text: str) -> list[Reading]:
    """The extra readings of ``text`` (the plain reading is not included)."""
    out: list[Reading] = []
    seen: set[tuple[str, str]] = set()
    for step, pattern, decode in (
        ("base64", _B64_TOKEN, _decode_base64),
        ("base32", _B32_TOKEN, _decode_base32),
        ("hex_bytes", _HEX_TOKEN, _decode_hex),
    ):
        for m in pattern.finditer(text):
            if len(seen) >= MAX_TOKENS:
                break
            token = m.group()
            if len(token) > MAX_TOKEN_CHARS or (step, token) in seen:
                continue
            seen.add((step, token))
            decoded = decode(token)
            if decoded:
                out.append(Reading(decoded, m.start(), m.end(), step))
    if upside_down := unflip(text):
        out.append(Reading(upside_down, 0, len(text), "upside_down", mirrored=True))
    return out


def unflip(text: str) -> str:
    """``text`` turned the right way up, or ``""`` if it holds no upside-down writing."""
    first = _UPSIDE_DOWN_CHAR.search(text)
    if first is None or _UPSIDE_DOWN_CHAR.search(text, first.end()) is None:
        return ""
    return text[::-1].translate(_FLIP_TABLE)


def _printable(raw: bytes) -> str:
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    if not decoded.isprintable() or not _HAS_LETTER.search(decoded):
        return ""
    return decoded


def _decode_base64(token: str) -> str:
    body = token.rstrip("=")
    if len(body) % 4 == 1:
        return ""  # no base64 string has this length
    alphabet_fixed = body.replace("-", "+").replace("_", "/")
    try:
        raw = base64.b64decode(alphabet_fixed + "=" * (-len(body) % 4), validate=True)
    except (binascii.Error, ValueError):
        return ""
    return _printable(raw)


def _decode_hex(token: str) -> str:
    digits = _HEX_SEPARATORS.sub("", token)
    if len(digits) % 2:
        return ""
    return _printable(bytes.fromhex(digits))


def _decode_base32(token: str) -> str:
    body = token.rstrip("=")
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        return ""
    return _printable(raw)
