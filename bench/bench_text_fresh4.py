"""A fourth fresh held-out set for the text indicators, fixed before the matcher changes.

``bench_text_fresh3.py``'s misses were read at the end of the fourth session (RESULTS.md), so
it is tuning data from now on, like ``bench_text_fresh.py``, ``bench_text_fresh2.py`` and both
halves of ``bench_text_heldout.py``. This file is the set that has not been looked at: 21
families that are *new instances* of issue 16's categories, written so that a fix tuned on
fresh3's misses (hex bytes, ``\\u{..}``/``%u``/octal escapes, words reversed in place,
reverse-DNS, ``kropka``/``arroba``-style words, ``∙ ⋅ • ◦ ・``) does not automatically cover
them:

* encodings: quoted-printable (``=6E``, soft line breaks), percent-encoded UTF-8 of
  look-alike letters (``%D0%B0``), ROT47, Morse code in three dot/dash styles, ASCII codes in
  binary or decimal, code-point notations (``U+0066``, CSS ``\\66``, Perl ``\\x{66}``, Python
  ``\\N{LATIN SMALL LETTER F}``), HTML entities of mathematical look-alike letters, base64
  split into chunks, of look-alike text, or encoded twice;
* separators: letters stacked one per line, a URL slug / hashtag / dotted form of a phrase,
  defanged notation (``hxxps``, ``[.]``, ``\\.``, ``(dot)``);
* look-alike and invisible characters: leetspeak with symbols (``4 8 3 9 ! | 0 $ +``), Lisu
  and Canadian syllabics letters, full-width runs with ideographic punctuation, joiners and
  fillers (ZWJ, CGJ, Hangul filler, invisible operators, BOM) *next to punctuation and at word
  edges* instead of between letters;
* "dot" and "at" in yet other languages (``titik``, ``chấm``, ``نقطة``, ``डॉट``, ``점``;
  ``snabel-a``, ``apenstaartje``, ``골뱅이``...) and other dot-like symbols (``‧ ⸳ ᛫ ⠂ ﹒ ꞏ``);
* alternative names and hosts: markdown and angle-bracket links, ``mailto:``, ``wss://``,
  protocol-relative links, ``web.telegram.org/k/#@name``, message links; names with two
  adjacent letters swapped (a typo-squat of the same name);
* combinations: leetspeak with joiners, and two surface families at random per post.

Ten made-up indicators that no other set or test names (``.test``/``.example`` domains,
``*_bot`` handles, invented phrases) go inside new ad-like sentences, and 1,000 benign posts
come from new templates that share the vocabulary (fabric, fade, gown, sheer, lens, reveal,
skin, lab, kiosk, bare frame, outfit, selfie, remover) and the *forms* (MIME quoted-printable
subjects, percent-encoded café URLs, ROT47 and Morse puzzles, gamer tags in leetspeak, binary
T-shirts, ``U+`` code points, CSS escapes, PEM lines, double base64, vertical banners, ZWJ
emoji, full-width sale signs, defanged phishing reports, Indonesian ``titik``, Korean ``점심``,
Swedish ``snabel-a``, runic separators, Inuktitut syllabics, Lisu names, typos, blog slugs).

Its per-family figures and misses were read once, at the end of the fifth session
(RESULTS.md: 0.534 before, 0.549 after, 13 false positives both times), so from then on it is
tuning data too and the next change needs a new set.

Rules of use: while the matcher is being changed, run this without ``--reveal`` (aggregate
only). ``--reveal`` is for the final measurement, once. Fixed seed: two runs give the same
posts.

Usage: ``python bench/bench_text_fresh4.py [--reveal] [--json]``; writes
bench/out/text_fresh4.json (aggregate only unless ``--reveal``).
"""

from __future__ import annotations

import base64
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

from shieldwall.signals.text import Indicator, IndicatorKind
from text_fresh_sets import Family, FreshSet, main

OUT = Path(__file__).resolve().parent / "out" / "text_fresh4.json"
FEED = "fresh4-feed"
SEED = 20261204_4

INDICATORS = [
    Indicator("m1", IndicatorKind.BOT_HANDLE, "@gownvanish_beta_bot", FEED, 0.9),
    Indicator("m2", IndicatorKind.BOT_HANDLE, "@sheerlens_pro_bot", FEED, 0.9),
    Indicator("m3", IndicatorKind.BOT_HANDLE, "@undressly_hq_bot", FEED, 0.9),
    Indicator("m4", IndicatorKind.DOMAIN, "fabricfade.test", FEED, 0.9),
    Indicator("m5", IndicatorKind.DOMAIN, "nudify-kiosk.example", FEED, 0.9),
    Indicator("m6", IndicatorKind.DOMAIN, "skinreveal-lab.test", FEED, 0.9),
    Indicator("m7", IndicatorKind.DOMAIN, "bareframe.example", FEED, 0.9),
    Indicator("m8", IndicatorKind.KEYWORD, "undress anyone from one photo", FEED, 0.7),
    Indicator("m9", IndicatorKind.KEYWORD, "strip the outfit off any selfie", FEED, 0.7),
    Indicator("m10", IndicatorKind.KEYWORD, "ai clothing remover free", FEED, 0.7),
]

HOSTS = frozenset({IndicatorKind.DOMAIN, IndicatorKind.BOT_HANDLE})
DOMAIN_ONLY = frozenset({IndicatorKind.DOMAIN})
KEYWORDS_ONLY = frozenset({IndicatorKind.KEYWORD})

Transform = Callable[[str, IndicatorKind, random.Random], str]


def _per_letter(fn: Callable[[str, random.Random], str]) -> Transform:
    return lambda s, k, r: "".join(fn(c, r) if "a" <= c <= "z" else c for c in s)


# --- encodings -------------------------------------------------------------------------------


def _quoted_printable(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """MIME quoted-printable: about half the characters as ``=XX``, soft line breaks ``=\\n``."""
    out = []
    for i, c in enumerate(s):
        out.append(f"={ord(c):02X}" if rng.random() < 0.5 or c in "=" else c)
        if i and i % rng.randint(6, 10) == 0 and rng.random() < 0.5:
            out.append("=\n")
    return rng.choice(["", "QP: ", "(quoted-printable) "]) + "".join(out)


_LOOKALIKE_UTF8 = {"a": "а", "c": "с", "e": "е", "i": "і", "o": "о", "p": "р", "s": "ѕ",
                   "x": "х", "y": "у", "k": "κ", "n": "ո", "u": "υ", "t": "τ"}  # fmt: skip


def _percent_utf8_lookalikes(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Half the letters swapped for look-alikes, those percent-encoded as UTF-8 bytes."""
    out = []
    for c in s:
        if c in _LOOKALIKE_UTF8 and rng.random() < 0.5:
            hexes = _LOOKALIKE_UTF8[c].encode().hex()
            pairs = [hexes[i : i + 2] for i in range(0, len(hexes), 2)]
            upper = rng.random() < 0.5
            out.append("".join("%" + (p.upper() if upper else p) for p in pairs))
        else:
            out.append(c)
    prefix = "https://" if kind is IndicatorKind.DOMAIN and rng.random() < 0.5 else ""
    return prefix + "".join(out)


def _rot47(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    moved = "".join(chr(33 + (ord(c) - 33 + 47) % 94) if 33 <= ord(c) <= 126 else c for c in s)
    return rng.choice(["rot47: ", "(r47) ", "", "decode: "]) + moved


_MORSE = {
    "a": ".-", "b": "-...", "c": "-.-.", "d": "-..", "e": ".", "f": "..-.", "g": "--.",
    "h": "....", "i": "..", "j": ".---", "k": "-.-", "l": ".-..", "m": "--", "n": "-.",
    "o": "---", "p": ".--.", "q": "--.-", "r": ".-.", "s": "...", "t": "-", "u": "..-",
    "v": "...-", "w": ".--", "x": "-..-", "y": "-.--", "z": "--..", ".": ".-.-.-",
    "@": ".--.-.", "_": "..--.-", "-": "-....-",
}  # fmt: skip


def _morse(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """International Morse, letters by a space, words by `` / ``; ASCII, ``·−`` or ``•—``."""
    dot, dash = rng.choice([(".", "-"), ("·", "−"), ("•", "—")])
    words = [" ".join(_MORSE[c] for c in w if c in _MORSE) for w in s.split(" ")]
    body = " / ".join(words).replace(".", "\0").replace("-", dash).replace("\0", dot)
    return rng.choice(["morse: ", "", "(morse) "]) + body


def _ascii_codes(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Each character's ASCII code in binary (``01100110``) or decimal (``102``)."""
    style = rng.randrange(3)
    if style == 0:
        return "binary: " + " ".join(f"{ord(c):08b}" for c in s)
    if style == 1:
        return "ascii " + " ".join(str(ord(c)) for c in s)
    return "[" + ",".join(str(ord(c)) for c in s) + "]"


def _code_points(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """``U+0066`` notation for every character, or CSS / Perl / Python-name escapes for some."""
    style = rng.randrange(4)
    if style == 0:
        return " ".join(f"U+{ord(c):04X}" for c in s)
    out = []
    for c in s:
        if rng.random() < 0.5:
            out.append(c)
        elif style == 1:
            out.append(f"\\{ord(c):x} " if rng.random() < 0.5 else f"\\{ord(c):06x}")
        elif style == 2:
            out.append(f"\\x{{{ord(c):x}}}")
        else:
            out.append("\\N{" + unicodedata.name(c) + "}")
    return "".join(out)


_MATH_BASES = (0x1D41A, 0x1D5BA, 0x1D622, 0x1D68A)  # bold, sans, sans italic, monospace small a


def _entity_math_letters(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Letters as mathematical alphanumerics, each written as an HTML numeric reference."""
    base = rng.choice(_MATH_BASES)
    out = []
    for c in s:
        if "a" <= c <= "z" and rng.random() < 0.7:
            cp = base + ord(c) - 97
            out.append(f"&#x{cp:X};" if rng.random() < 0.5 else f"&#{cp};")
        else:
            out.append(c)
    return "".join(out)


def _base64_variants(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Base64 split into chunks by spaces or line breaks, of look-alike text, or twice over."""
    style = rng.randrange(4)
    if style == 2:
        swapped = "".join(_LOOKALIKE_UTF8.get(c, c) if rng.random() < 0.3 else c for c in s)
        return "b64: " + base64.b64encode(swapped.encode()).decode()
    if style == 3:
        once = base64.b64encode(s.encode())
        return "base64 x2: " + base64.b64encode(once).decode()
    encoded = base64.b64encode(s.encode()).decode()
    size = rng.randint(4, 8)
    chunks = [encoded[i : i + size] for i in range(0, len(encoded), size)]
    return rng.choice(["", "b64 "]) + (" " if style == 0 else "\n").join(chunks)


# --- separators ------------------------------------------------------------------------------


def _vertical(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """One character a line, a blank line between words (a 'vertical' post)."""
    trail = rng.choice(["", " "])
    return "\n" + "\n\n".join("\n".join(c + trail for c in w) for w in s.split(" ")) + "\n"


def _slug(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """A phrase as a URL slug, a snake-case hashtag, dotted, or in a file name."""
    words = s.split(" ")
    return rng.choice(
        [
            "https://blog.example/" + "-".join(words),
            "#" + "_".join(words),
            ".".join(words),
            "/".join(words) + "/",
            "_".join(w.capitalize() for w in words) + ".mp4",
        ]
    )


def _defanged(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Threat-report 'defanged' notation: ``hxxps[:]//``, ``[.]``, ``\\.``, ``(dot)``."""
    dot = rng.choice(["[.]", "\\.", "(dot)", "[dot]", "{.}", " [.] ", "(.)"])
    if kind is IndicatorKind.BOT_HANDLE:
        return rng.choice(["hxxps[:]//", "hxxp://", ""]) + "t" + dot + "me/" + s.removeprefix("@")
    if kind is IndicatorKind.KEYWORD:
        return s.replace(" ", rng.choice(["[ ]", "[.]", " [x] "]))
    return rng.choice(["hxxps[:]//", "hxxps://", "hXXp://", ""]) + s.replace(".", dot)


# --- look-alike and invisible characters ---------------------------------------------------

_LEET = {"a": "4@", "b": "8", "e": "3", "g": "96", "i": "1!", "l": "1|", "o": "0", "s": "5$",
         "t": "7+", "z": "2"}  # fmt: skip


def _leet(c: str, rng: random.Random) -> str:
    options = _LEET.get(c)
    return rng.choice(options) if options and rng.random() < 0.6 else c


_LISU_SYLLABICS: dict[str, tuple[str, ...]] = {
    "a": ("ꓮ", "ᗅ"), "b": ("ꓐ", "ᗷ"), "c": ("ꓚ", "ᑕ"), "d": ("ꓓ", "ᗪ"), "e": ("ꓰ",),
    "f": ("ꓝ",), "g": ("ꓖ",), "h": ("ꓧ", "ᕼ"), "i": ("ꓲ",), "j": ("ꓙ", "ᒍ"), "k": ("ꓗ",),
    "l": ("ꓡ", "ᒪ"), "m": ("ꓟ",), "n": ("ꓠ",), "o": ("ꓳ",), "p": ("ꓑ", "ᑭ"), "r": ("ꓣ",),
    "s": ("ꓢ", "ᔕ"), "t": ("ꓔ",), "u": ("ꓴ", "ᑌ"), "v": ("ꓦ", "ᐯ"), "w": ("ꓪ", "ᗯ"),
    "x": ("ꓫ", "᙭"), "y": ("ꓬ",), "z": ("ꓜ",),
}  # fmt: skip


def _lisu_syllabics(c: str, rng: random.Random) -> str:
    options = _LISU_SYLLABICS.get(c)
    return rng.choice(options) if options and rng.random() < 0.6 else c


_WIDE_PUNCT = {".": "。", "@": "＠", "_": "＿", "-": "－", " ": "\u3000"}


def _fullwidth_runs(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Runs of full-width letters, ideographic full stop and space, full-width ``＠ ＿ －``."""
    out, wide = [], rng.random() < 0.5
    for c in s:
        if rng.random() < 0.3:
            wide = not wide
        if c in _WIDE_PUNCT:
            out.append(_WIDE_PUNCT[c] if rng.random() < 0.8 else c)
        elif wide and "!" <= c <= "~":
            out.append(chr(ord(c) + 0xFEE0))
        else:
            out.append(c)
    return "".join(out)


_JOINERS = ("\u200d", "\u034f", "\u3164", "\u2062", "\u2063", "\ufeff", "\u180e", "\u17b4")


def _joiners_at_edges(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Invisible joiners and fillers next to punctuation and at word edges, one to three."""
    out = []
    for i, c in enumerate(s):
        prev = s[i - 1] if i else " "
        nxt = s[i + 1] if i + 1 < len(s) else " "
        edge = not c.isalnum() or not prev.isalnum() or not nxt.isalnum()
        if edge and rng.random() < 0.7:
            out.append("".join(rng.choice(_JOINERS) for _ in range(rng.randint(1, 3))))
        out.append(c)
    return "".join(out)


# --- hosts -----------------------------------------------------------------------------------

_DOT_WORDS = (" titik ", " chấm ", " نقطة ", " डॉट ", " 점 ", " tuldok ", " bodka ",
              " taškas ", " točka ", "點")  # fmt: skip
_AT_WORDS = ("snabel-a ", "apenstaartje ", "zavináč ", "kissanhäntä ", "골뱅이 ", "παπάκι ",
             "שטרודל ", "ät ")  # fmt: skip


def _foreign_words(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.BOT_HANDLE:
        if rng.random() < 0.5:
            return "t" + rng.choice(_DOT_WORDS) + "me/" + s.removeprefix("@")
        return rng.choice(_AT_WORDS) + s.removeprefix("@")
    return s.replace(".", rng.choice(_DOT_WORDS))


_DOT_SYMBOLS = ("‧", "⸳", "᛫", "⠂", "﹒", "ꞏ", "𐄁", "˙")


def _dot_symbols(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.BOT_HANDLE:
        return "t" + rng.choice(_DOT_SYMBOLS) + "me/" + s.removeprefix("@")
    return s.replace(".", rng.choice(_DOT_SYMBOLS))


def _alt_links(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """The same service in another link form: markdown, ``<...>``, mailto, wss, ``//host``."""
    if kind is IndicatorKind.BOT_HANDLE:
        h = s.removeprefix("@")
        return rng.choice(
            [
                f"https://web.telegram.org/k/#@{h}",
                f"t.me/{h}/1234",
                f"[open bot](https://t.me/{h}?startapp=x9)",
                f"<https://t.me/{h}>",
                f"telegram: {h}",
            ]
        )
    return rng.choice(
        [
            f"[click here](https://{s}/promo)",
            f"<https://{s}>",
            f"mailto:help@{s}",
            f"wss://api.{s}/socket",
            f"//{s}/get",
            f"https://{s}#join",
            f"https://go.{s}/?utm_source=x&utm_medium=dm",
        ]
    )


def _adjacent_swap(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """One pair of adjacent letters swapped inside each word of five letters or more (not the
    TLD, not a handle's ``@`` or ``_bot``), as a typo-squat of the same name."""
    out = []
    for part in s.split(" "):
        pieces = part.split(".")
        body = pieces[:-1] if kind is IndicatorKind.DOMAIN else pieces
        for n, piece in enumerate(body):
            end = len(piece) - 4 if piece.endswith("_bot") else len(piece) - 1
            start = 2 if piece.startswith("@") else 1
            spots = [i for i in range(start, end) if piece[i].isalpha()
                     and piece[i + 1].isalpha() and piece[i] != piece[i + 1]]  # fmt: skip
            if len(piece) >= 5 and spots:
                i = rng.choice(spots)
                piece = piece[:i] + piece[i + 1] + piece[i] + piece[i + 2 :]
            pieces[n] = piece
        out.append(".".join(pieces))
    return " ".join(out)


# --- combinations ----------------------------------------------------------------------------

_SURFACE: tuple[Transform, ...] = (
    # In the order they are applied: spelling first, then characters, encodings last.
    _adjacent_swap,
    _per_letter(_leet),
    _per_letter(_lisu_syllabics),
    _fullwidth_runs,
    _joiners_at_edges,
    _quoted_printable,
    _percent_utf8_lookalikes,
)


def _random_pair(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Two of ``_SURFACE`` picked at random for each post, applied in ``_SURFACE`` order."""
    for k in sorted(rng.sample(range(len(_SURFACE)), 2)):
        s = _SURFACE[k](s, kind, rng)
    return s


def _leet_joiners(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    return _joiners_at_edges(_per_letter(_leet)(s, kind, rng), kind, rng)


FAMILIES: dict[str, Family] = {
    "quoted_printable": Family(_quoted_printable),
    "percent_utf8_lookalikes": Family(_percent_utf8_lookalikes),
    "rot47": Family(_rot47),
    "morse_code": Family(_morse),
    "ascii_codes_bin_dec": Family(_ascii_codes),
    "code_point_notations": Family(_code_points),
    "entity_math_letters": Family(_entity_math_letters),
    "base64_split_lookalike_double": Family(_base64_variants),
    "vertical_letters": Family(_vertical),
    "slug_hashtag_dotted": Family(_slug, KEYWORDS_ONLY),
    "defanged": Family(_defanged),
    "leetspeak_symbols": Family(_per_letter(_leet)),
    "lisu_syllabics_letters": Family(_per_letter(_lisu_syllabics)),
    "fullwidth_runs_ideographic": Family(_fullwidth_runs),
    "joiners_at_edges": Family(_joiners_at_edges),
    "foreign_dot_at_words_2": Family(_foreign_words, HOSTS),
    "dot_symbols_2": Family(_dot_symbols, HOSTS),
    "alt_link_forms": Family(_alt_links, HOSTS),
    "adjacent_letters_swapped": Family(_adjacent_swap),
    "combo_leet_joiners": Family(_leet_joiners),
    "combo_random_pair": Family(_random_pair),
}

FRAMES = (
    "psst, {x} still works after the update",
    "dm me for invites or just go to {x}",
    "{x} - 50 credits on signup, no card needed",
    "everyone moved to {x} since the other one died",
    "saved this before it got taken down: {x} enjoy",
)


def _rot47_text(s: str) -> str:
    return "".join(chr(33 + (ord(c) - 33 + 47) % 94) if 33 <= ord(c) <= 126 else c for c in s)


def _morse_text(s: str) -> str:
    return " / ".join(" ".join(_MORSE[c] for c in w if c in _MORSE) for w in s.split(" "))


_PLAIN = ["meet at the pier", "the gallery opens at nine", "silk scarf sale", "bring a lens"]

BENIGN_TEMPLATES = (
    "the fabric fade test (ISO 105-B02) on the {garment} passed, colours held",
    "subject came through as =?utf-8?Q?caf=C3=A9_{shop}?= again, mail client bug",
    "quoted-printable footer: =C2=A9 {shop} 2026 =E2=80=93 all rights reserved",
    "the menu page is /caf%C3%A9-{shop} and the {venue} page is /se%C3%B1ora",
    "ROT47 puzzle for the {venue} hunt: {rot47}",
    "morse clue on the {venue} wall: {morse}",
    "gg wp, my gamertag is {leet}, add me after the {app} stream",
    "my nerd tee says 01101000 01101001 (hi in binary), wore it with the {garment}",
    "ASCII 72 105 is Hi, [76,111,108] is Lol, homework for the {app} class",
    "U+00E9 is é and U+1F457 is the dress emoji, handy for the {shop} menu",
    "css: content: '\\201C'; and \\00a9 for the {shop} footer, plus \\x{{263A}} in perl",
    "python: print('\\N{{BLACK HEART SUIT}}') for the {venue} invite",
    "&#x1D400;&#x1D401; renders as bold AB in the {app} docs",
    "PEM line: MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A for the {shop} staging cert",
    "split token for the demo: SGVs bG8g d29y bGQ= (hello world)",
    "double encoded by the {app} export: U0dWc2JHOGdkMjl5YkdRPQ==",
    "vertical banner for the {venue}:\nS\nA\nL\nE\n",
    "👩‍💻 and 👨‍👩‍👧 emoji in the {app} release notes",
    "\ufeffcopied from the {shop} spreadsheet: {garment}, size M",
    "ＳＡＬＥ　５０％ at {shop}。{garment}も安い",
    "blocked hxxps://phish-login[.]example and 198[.]51[.]100[.]7 today, report sent",
    "akhir kalimat pakai titik, lalu tulis {shop} titik example di alamat",
    "오늘 점심은 김밥, 점 하나 찍고 {venue} 가자",
    "mejladressen skrivs med snabel-a, t.ex. info snabel-a {shop}.example",
    "het apenstaartje staat op de 2 op mijn toetsenbord, {venue} om acht",
    "zavináč je @, dấu chấm je tečka, {shop} lesson 3",
    "price list‧ silk‧ linen⸳ wool᛫ all at {shop} this {day}",
    "runic separator ᛫ and braille ⠂ in the {app} font demo",
    "ᐃᓄᒃᑎᑐᑦ signage at the {venue}, and ꓡꓲ-ꓢꓴ script on the poster",
    "docs: [frame guide](https://docs.example/frame) and <https://{shop}.example>",
    "mailto:hello@{shop}.example for {garment} returns, wss://api.{shop}.example for devs",
    "join us at web.telegram.org/k/#@{bot} or t.me/{bot}/12",
    "did you recieve the fabirc samples from {shop}? teh {garment} is lovely",
    "picture framing 101: a bare frame, for example, shows the wood grain",
    "https://blog.example/how-to-strip-old-paint-off-any-chair is the {app} tutorial",
    "sheer curtains and a lens hood for the {venue} shoot, pro tip",
    "skin care lab at the {venue}: reveal your glow, trial pack free",
    "the kiosk at the {venue} sells {garment}s and phone cases",
    "outfit of the day: {garment} and boots, selfie at the {venue}",
    "lint remover for any clothing, free sample with the {garment}",
    "the gown's colour did not vanish in the wash, beta tester for {shop}",
    "one photo from anyone at the {venue} gets a print, ask {shop}",
    "#fabric_fade_test results and #bare_frame ideas for the {venue}",
    "ai clothing sizes are a mess at {shop}, free returns though",
    "remove the old {garment} from the photo booth rail before {day}",
)
FILL = {
    "venue": ["harbour hall", "atelier", "rooftop bar", "museum", "ice rink", "pavilion"],
    "garment": ["satin gown", "denim jacket", "kimono", "trench coat", "tulle skirt", "cardigan"],
    "app": ["Lightroom", "Capture One", "Krita", "GIMP", "darktable"],
    "shop": ["fabrichouse", "framehub", "lenscraft", "gownbar", "skinstudio", "kioskwear"],
    "bot": ["tailorqueue_bot", "framedesk_bot", "fabricorders_bot", "lensclub_bot"],
    "day": ["monday", "saturday", "the holiday", "month end"],
    "rot47": [_rot47_text(p) for p in _PLAIN],
    "morse": [_morse_text(p) for p in _PLAIN],
    "leet": ["l33t_h4x0r", "n00b_$layer", "s1lk_r0ad", "ph0t0_g33k", "fr4m3d_99"],
}


DATA = FreshSet(
    label="fresh4",
    out=OUT,
    seed=SEED,
    indicators=INDICATORS,
    families=FAMILIES,
    frames=FRAMES,
    benign_templates=BENIGN_TEMPLATES,
    fill=FILL,
)


if __name__ == "__main__":
    main(DATA, __doc__.splitlines()[0])
