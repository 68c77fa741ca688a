"""Look-alike characters that evasive posts use in place of Latin letters.

Three sources, tried in this order by ``normalize.fold_char``:

* ``CONFUSABLES``: a small, hand-checked table of Cyrillic, Greek and Armenian letters that
  render like a Latin letter in common fonts. It stays first because it was checked by hand and
  differs from Unicode's data where case matters (Greek ``Ν`` looks like ``N`` but ``ν`` like
  ``v``; Unicode's skeletons fold both through one prototype).
* NFKD compatibility decomposition, for full-width forms, mathematical alphanumerics and the
  like (in ``fold_char``).
* ``uts39_letter``: Unicode's full confusables data (UTS #39, ``confusables.txt``) as shipped
  by the ``confusable-homoglyphs`` package, reduced to the characters that are confusable with
  one ASCII letter (1,225 of them, none with two candidates): Cherokee ``Ꭺ``, Lisu, Coptic,
  Latin-extended and symbol look-alikes that a hand table would keep missing.
* ``named_latin_letter``: symbols that Unicode *names* after a Latin letter but neither
  decomposes nor lists as confusable: regional-indicator letters (``🇦``), the negative
  circled and squared letters (``🅐``, ``🅰``), and Latin letters with a hook, tail or stroke
  or in an open/barred/script shape (``ɗ ɛ ƥ ʂ ɵ``). Turned letters (``ɐ ʇ``) are not: they
  belong to upside-down writing, which ``decoders`` reads as a whole.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from confusable_homoglyphs import utils as _homoglyph_data

CONFUSABLES: dict[str, str] = {
    # Cyrillic lowercase
    "а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j", "к": "k",
    "м": "m", "о": "o", "р": "p", "с": "c", "ѕ": "s", "т": "t", "у": "y", "х": "x",
    "ԁ": "d", "һ": "h", "ӏ": "l", "ԛ": "q", "ԝ": "w", "ү": "y", "п": "n", "г": "r",
    # Cyrillic uppercase
    "А": "a", "В": "b", "Е": "e", "Ё": "e", "І": "i", "Ї": "i", "Ј": "j", "К": "k",
    "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c", "Ѕ": "s", "Т": "t", "У": "y",
    "Х": "x", "Ү": "y", "Ԁ": "d", "Ԛ": "q", "Ԝ": "w", "Ӏ": "l",
    # Greek lowercase
    "α": "a", "β": "b", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "η": "n", "ϲ": "c", "ϳ": "j", "ς": "c", "γ": "y",
    # Greek uppercase
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m",
    "Ν": "n", "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    # Armenian
    "ո": "n", "ս": "u", "օ": "o", "ց": "g", "հ": "h", "զ": "q",
    # Latin look-alikes outside ASCII that NFKD does not fold
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŀ": "l", "ɑ": "a", "ɡ": "g",
    "ɩ": "i", "ʏ": "y", "ꜱ": "s", "ᴀ": "a", "ʙ": "b", "ᴄ": "c", "ᴅ": "d", "ᴇ": "e",
    "ɢ": "g", "ʜ": "h", "ɪ": "i", "ᴊ": "j", "ᴋ": "k", "ʟ": "l", "ᴍ": "m", "ɴ": "n",
    "ᴏ": "o", "ᴘ": "p", "ʀ": "r", "ᴛ": "t", "ᴜ": "u", "ᴠ": "v", "ᴡ": "w", "ᴢ": "z",
}  # fmt: skip

INVISIBLE: frozenset[str] = frozenset(
    "\u00ad"  # soft hyphen
    "\u034f"  # combining grapheme joiner
    "\u061c"  # Arabic letter mark
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u180e"  # Mongolian vowel separator
    "\u200b\u200c\u200d\u200e\u200f"  # zero-width space/non-joiner/joiner, LRM, RLM
    "\u202a\u202b\u202c\u202d\u202e"  # bidi embeddings and overrides
    "\u2060\u2061\u2062\u2063\u2064"  # word joiner, invisible operators
    "\u2066\u2067\u2068\u2069"  # bidi isolates
    "\ufeff"  # byte order mark / zero-width no-break space
)
"""Characters that render as nothing but split a word for a naive filter."""


@lru_cache(maxsize=1)
def _uts39_letters() -> dict[str, str]:
    """Non-ASCII characters that UTS #39 lists as confusable with exactly one ASCII letter."""
    data: dict[str, list[dict[str, str]]] = _homoglyph_data.load("confusables.json")
    table: dict[str, str] = {}
    for char, glyphs in data.items():
        if len(char) != 1 or char.isascii():
            continue
        letters = {g["c"].lower() for g in glyphs if len(g["c"]) == 1 and g["c"].isascii()}
        letters = {c for c in letters if c.isalpha()}
        if len(letters) == 1:
            table[char] = letters.pop()
    return table


def uts39_letter(char: str) -> str:
    """The ASCII letter ``char`` is confusable with in UTS #39, or ``""``.

    A lowercase letter with no entry is tried as its uppercase: Cherokee small letters
    (``ꭺ``) are listed only through their capitals (``Ꭺ``).
    """
    table = _uts39_letters()
    if char in table:
        return table[char]
    upper = char.upper()
    return table.get(upper, "") if len(upper) == 1 else ""


_NAMED_LETTER = re.compile(
    r"^(?:REGIONAL INDICATOR SYMBOL|NEGATIVE (?:CIRCLED|SQUARED) LATIN (?:CAPITAL|SMALL)) "
    r"LETTER ([A-Z])$"
    # A Latin letter with a hook, tail, stroke or bar, or in its open/barred/script shape
    # ("LATIN SMALL LETTER D WITH HOOK", "... OPEN E"): still that letter to a reader.
    r"|^LATIN (?:SMALL|CAPITAL) LETTER (?:(?:OPEN|BARRED|SCRIPT|DOTLESS) )?([A-Z])"
    r"(?: WITH .*)?$"
)


def named_latin_letter(char: str) -> str:
    """The Latin letter a symbol is named after (``🅰`` NEGATIVE SQUARED ... LETTER A), or ``""``.

    Only symbol families whose every member is a plain letter on a background; a name is
    Unicode's own data, so no table of code points is kept here.
    """
    name = unicodedata.name(char, "")
    m = _NAMED_LETTER.match(name)
    if m:
        return (m.group(1) or m.group(2)).lower()
    # Another script's letter with a hook or tail ("CYRILLIC SMALL LETTER HA WITH HOOK"):
    # the look-alike of its plain letter, if that one has a Latin look-alike.
    base_name, with_, _ = name.partition(" WITH ")
    if not with_:
        return ""
    try:
        base = unicodedata.lookup(base_name)
    except KeyError:
        return ""
    return CONFUSABLES.get(base, "") or uts39_letter(base)
