"""Look-alike characters that evasive posts use in place of Latin letters.

A small, hand-checked subset of Unicode's confusables data (UTS #39): only letters from
Cyrillic, Greek and Armenian that render like a Latin letter in common fonts, plus a few
symbols. Full-width forms and mathematical alphanumerics need no table: NFKC folds them.
Lowercase and uppercase are listed separately because they differ (Greek ``Ν`` looks like
``N`` but ``ν`` looks like ``v``).
"""

from __future__ import annotations

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
