"""A third fresh held-out set for the text indicators, fixed before the decoders it measures.

``bench_text_fresh2.py``'s misses are read while the matcher is generalised (RESULTS.md,
2026-12-04, fourth session), so it is tuning data from now on, like ``bench_text_fresh.py`` and
both halves of ``bench_text_heldout.py``. This file is the set that has not been looked at: 21
families that are *new instances* of issue 16's categories, written so that a fix tuned on
fresh2's generators does not automatically cover them:

* separators: a different separator in every gap of a word (``r|e/m\\o``), letters stretched
  to two to four copies at random, vowels replaced by ``*``/``#``/``•``, words glued in
  CamelCase, snake case or with ``+``;
* look-alike and invisible characters: letters from several scripts mixed per letter (Cyrillic,
  Greek, Armenian, Cherokee, Coptic), circled and squared letters, tag characters and variation
  selectors between letters;
* alternative names and hosts of the same service: mobile and numbered subdomains, ports, a
  trailing root dot, upper case, ``telegram.me``/``telegram.dog``/``tg://`` links, reverse-DNS
  notation (``test.example-name``), accented names as punycode;
* encodings: mixed single and double percent-encoding, HTML numeric references with leading
  zeros, without ``;`` and with ``&X``, named references for punctuation, hex bytes, base32 and
  unpadded URL-safe base64, Caesar shifts other than 13, ``\\u{..}``/``%u....``/octal escapes,
  each word reversed in place;
* "dot" and "at" in other languages (``kropka``, ``ドット``, ``τελεία``, ``arroba``,
  ``собака``...) and other dot-like symbols (``∙ ⋅ • ◦ ・``);
* combinations: two surface families picked at random per post, and separators with invisible
  and look-alike characters together.

Ten made-up indicators that no other set or test names (``.test``/``.example`` domains,
``*_bot`` handles, invented phrases) go inside new ad-like sentences, and 1,000 benign posts
come from new templates that share the vocabulary (dress, veil, pixel, strip, filter, render,
lab, trial, nude lipstick, body lotion) and the *forms* (2FA base32 secrets, JWT headers, hex
colours and dumps, Caesar-cipher puzzles, Java package names, punycode shop names, Polish
"kropka", Japanese ドット絵, Spanish "arroba", flag tag sequences, ``sooo``, ``d*mn``,
CamelCase hashtags, JavaScript ``\\u{..}`` escapes, palindromes).

Its per-family figures and misses were read once, at the end of the fourth session
(RESULTS.md), so from then on it is tuning data too: the fifth session tuned on it, and
``bench_text_fresh4.py`` is the set that replaced it.

Rules of use: while the matcher is being changed, run this without ``--reveal`` (aggregate
only). ``--reveal`` is for the final measurement. Fixed seed: two runs give the same posts.

Usage: ``python bench/bench_text_fresh3.py [--reveal] [--json]``; writes
bench/out/text_fresh3.json (aggregate only unless ``--reveal``).
"""

from __future__ import annotations

import base64
import random
from collections.abc import Callable
from pathlib import Path

from shieldwall.signals.text import Indicator, IndicatorKind
from text_fresh_sets import Family, FreshSet, main

OUT = Path(__file__).resolve().parent / "out" / "text_fresh3.json"
FEED = "fresh3-feed"
SEED = 20261204_3

INDICATORS = [
    Indicator("k1", IndicatorKind.BOT_HANDLE, "@barefilter_lab_bot", FEED, 0.9),
    Indicator("k2", IndicatorKind.BOT_HANDLE, "@silkoff_render_bot", FEED, 0.9),
    Indicator("k3", IndicatorKind.BOT_HANDLE, "@nudecraft_trial_bot", FEED, 0.9),
    Indicator("k4", IndicatorKind.DOMAIN, "stripmagic-ai.test", FEED, 0.9),
    Indicator("k5", IndicatorKind.DOMAIN, "veilless.example", FEED, 0.9),
    Indicator("k6", IndicatorKind.DOMAIN, "bodyunveil.test", FEED, 0.9),
    Indicator("k7", IndicatorKind.DOMAIN, "nakedpixel-hub.example", FEED, 0.9),
    Indicator("k8", IndicatorKind.KEYWORD, "remove any dress instantly", FEED, 0.7),
    Indicator("k9", IndicatorKind.KEYWORD, "make any photo nude", FEED, 0.7),
    Indicator("k10", IndicatorKind.KEYWORD, "see her without clothes", FEED, 0.7),
]

HOSTS = frozenset({IndicatorKind.DOMAIN, IndicatorKind.BOT_HANDLE})
DOMAIN_ONLY = frozenset({IndicatorKind.DOMAIN})
NOT_DOMAINS = frozenset({IndicatorKind.KEYWORD, IndicatorKind.BOT_HANDLE})

Transform = Callable[[str, IndicatorKind, random.Random], str]


def _per_letter(fn: Callable[[str, random.Random], str]) -> Transform:
    return lambda s, k, r: "".join(fn(c, r) if "a" <= c <= "z" else c for c in s)


# --- encodings -------------------------------------------------------------------------------


def _percent_mixed(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Some characters percent-encoded once, a few twice (``%2573``), hex case mixed."""
    out = []
    for c in s:
        r = rng.random()
        code = f"{ord(c):02x}" if rng.random() < 0.5 else f"{ord(c):02X}"
        if r < 0.35:
            out.append("%" + code)
        elif r < 0.5:
            out.append("%25" + code)
        else:
            out.append(c)
    return "".join(out)


_NAMED = {".": "&period;", "@": "&commat;", "_": "&lowbar;", "-": "&#x2D;", " ": "&#32;"}


def _entities_loose(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Numeric references with leading zeros, ``&#X..;``, no ``;``; named ones for punctuation."""
    out = []
    for i, c in enumerate(s):
        nxt = s[i + 1] if i + 1 < len(s) else " "
        if c in _NAMED and rng.random() < 0.7:
            out.append(_NAMED[c])
        elif rng.random() < 0.5:
            forms = [f"&#{ord(c):05d};", f"&#X{ord(c):X};"]
            if not nxt.isalnum():
                forms.append(f"&#{ord(c)}")  # no ";" only before a non-alphanumeric
            out.append(rng.choice(forms))
        else:
            out.append(c)
    return "".join(out)


def _hex_bytes(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    raw = s.encode().hex()
    style = rng.randrange(3)
    if style == 0:
        body = "0x" + raw
    elif style == 1:
        body = " ".join(raw[i : i + 2] for i in range(0, len(raw), 2))
    else:
        body = ":".join(raw[i : i + 2] for i in range(0, len(raw), 2)).upper()
    return rng.choice(["hex ", "(hex) ", "bytes: "]) + body


def _base32_or_url64(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    target = f"{s}/join" if kind is IndicatorKind.DOMAIN and rng.random() < 0.5 else s
    if rng.random() < 0.5:
        return rng.choice(["b32 ", "base32: ", ""]) + base64.b32encode(target.encode()).decode()
    encoded = base64.urlsafe_b64encode(target.encode()).decode().rstrip("=")
    return rng.choice(["token=", "b64url ", "code: "]) + encoded


def _caesar(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    shift = rng.choice([n for n in range(1, 26) if n != 13])
    moved = "".join(chr((ord(c) - 97 + shift) % 26 + 97) if "a" <= c <= "z" else c for c in s)
    return rng.choice(["caesar: ", f"(shift {shift}) ", "", "decode me "]) + moved


def _escape_variants(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """ES6 ``\\u{73}``, old ``%u0073``, octal ``\\163`` and ``\\U00000073`` escapes."""
    out = []
    for c in s:
        r = rng.random()
        if r < 0.15:
            out.append(f"\\u{{{ord(c):x}}}")
        elif r < 0.3:
            out.append(f"%u{ord(c):04X}")
        elif r < 0.4:
            out.append(f"\\{ord(c):03o}")
        elif r < 0.5:
            out.append(f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return "".join(out)


def _words_reversed(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Each word reversed where it stands, the word order kept ("evomer yna sserd")."""
    return " ".join(word[::-1] for word in s.split(" "))


# --- hosts -----------------------------------------------------------------------------------


def _reverse_dns(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """A domain in reverse-DNS order, as in an app id or Java package ("test.bodyunveil")."""
    flipped = ".".join(reversed(s.split(".")))
    return flipped + rng.choice(["", ".app", ".android"])


_FOREIGN_DOT = (" kropka ", " piste ", " ドット ", "点", " τελεία ", " tečka ", " prikk ", " punt ")
_FOREIGN_AT = ("arroba ", "собака ", "chiocciola ", "małpa ", "klammeraffe ", "kukac ")


def _foreign_dot_at(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.BOT_HANDLE:
        return rng.choice(_FOREIGN_AT) + s.removeprefix("@")
    return s.replace(".", rng.choice(_FOREIGN_DOT))


_DOT_SYMBOLS = ("∙", "⋅", "•", "◦", "・", "⦁", " ∘ ", "ꓸ")


def _dot_symbols(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.BOT_HANDLE:
        return "t" + rng.choice(_DOT_SYMBOLS) + "me/" + s.removeprefix("@")
    return s.replace(".", rng.choice(_DOT_SYMBOLS))


def _alt_hosts(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Another address of the same service: subdomain, port, root dot, upper case, Telegram."""
    if kind is IndicatorKind.BOT_HANDLE:
        h = s.removeprefix("@")
        return rng.choice(
            [
                f"https://telegram.me/{h}",
                f"telegram.dog/{h}?start=promo",
                f"tg://resolve?domain={h}&start=ref42",
                f"https://t.me/s/{h}",
                f"T.ME/{h.upper()}",
            ]
        )
    return rng.choice(
        [
            f"https://m.{s}/start",
            f"{s}:8443/app",
            f"https://www2.{s}/",
            f"http://{s}./?ref=1",
            f"HTTPS://APP.{s.upper()}",
            f"cdn-3.{s}/v2",
        ]
    )


_ACCENTED = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ü", "n": "ñ", "c": "ç", "s": "š"}


def _punycode_accented(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Two letters of the name accented, the label written as punycode (``xn--...``)."""
    name, _, suffix = s.partition(".")
    spots = [i for i, c in enumerate(name) if c in _ACCENTED]
    for i in rng.sample(spots, min(2, len(spots))):
        name = name[:i] + _ACCENTED[name[i]] + name[i + 1 :]
    return "https://" + name.encode("idna").decode() + "." + suffix + "/"


# --- look-alike and invisible characters ---------------------------------------------------

_SCRIPTS: dict[str, tuple[str, ...]] = {
    "a": ("а", "α"), "b": ("Ь", "Ᏼ"), "c": ("с", "ϲ", "ⲥ"), "d": ("ԁ", "Ꭰ"),
    "e": ("е", "Ꭼ"), "h": ("һ", "հ", "Ꮋ"), "i": ("і", "ι", "Ꭵ"), "j": ("ј", "ϳ"),
    "k": ("κ", "Ꮶ", "ⲕ"), "l": ("Ꮮ", "ӏ"), "m": ("Ꮇ", "м"), "n": ("ո", "η"),
    "o": ("о", "ο", "օ", "ⲟ"), "p": ("р", "ρ", "ⲣ"), "s": ("ѕ", "Ꮪ"), "t": ("Ꭲ", "τ"),
    "u": ("ս", "υ"), "v": ("ν", "Ꮩ"), "w": ("ԝ", "Ꮃ"), "x": ("х", "χ"), "y": ("у", "γ"),
    "z": ("Ꮓ",),
}  # fmt: skip


def _mixed_script(c: str, rng: random.Random) -> str:
    options = _SCRIPTS.get(c)
    return rng.choice(options) if options and rng.random() < 0.6 else c


def _enclosed(c: str, rng: random.Random) -> str:
    """Circled small or capital, or squared capital letters, chosen per letter."""
    n = ord(c) - 97
    return rng.choice([chr(0x24D0 + n), chr(0x24B6 + n), chr(0x1F130 + n), c])


def _invisible_tags(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Tag characters, variation selectors and fillers between letters (none render)."""
    pool = ["\U000e0020", "\U000e0061", "\U000e007f", "\ufe0f", "\ufe0e", "\U000e0101", "\u2064"]
    out = []
    for i, c in enumerate(s):
        out.append(c)
        if c.isalpha() and i + 1 < len(s) and s[i + 1].isalpha() and rng.random() < 0.5:
            out.append(rng.choice(pool))
    return "".join(out)


# --- separators ------------------------------------------------------------------------------

_GAPS = ("|", "/", "\\", "~", "^", "°", "⋆", " | ", "/ ")


def _changing_separators(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """A separator between the letters of each word, a different one in each gap."""
    out = []
    for word in s.split(" "):
        head = "@" if word.startswith("@") else ""
        labels = word.removeprefix("@").split(".")
        body = labels[:-1] if len(labels) > 1 else labels
        for i, label in enumerate(body):
            labels[i] = "".join(c + (rng.choice(_GAPS) if j < len(label) - 1 else "")
                                for j, c in enumerate(label))  # fmt: skip
        out.append(head + ".".join(labels))
    return " ".join(out)


def _stretched(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Some letters written two to four times ("reeemove anyyy")."""
    return "".join(c * rng.randint(2, 4) if c.isalpha() and rng.random() < 0.4 else c for c in s)


def _vowels_starred(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Vowels after a word's first letter censored with ``*``, ``#`` or ``•`` (not the TLD)."""
    mark = rng.choice("*#•")
    out = []
    for word in s.split(" "):
        name, dot, suffix = word.rpartition(".") if kind is IndicatorKind.DOMAIN else (word, "", "")
        starred = "".join(
            mark if c in "aeiou" and i > 0 and name[i - 1] not in "@_-" else c
            for i, c in enumerate(name)
        )
        out.append(starred + dot + suffix)
    return " ".join(out)


def _glued(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Words glued: CamelCase, snake_case, ``+`` or upper case with no gaps."""
    parts = s.removeprefix("@").replace("_", " ").split()
    style = rng.randrange(4)
    if style == 0:
        return "".join(p.capitalize() for p in parts)
    if style == 1:
        return "_".join(parts)
    if style == 2:
        return "+".join(parts)
    return "".join(parts).upper()


# --- combinations ----------------------------------------------------------------------------

_SURFACE: tuple[Transform, ...] = (
    # In the order they are applied: spelling first, then characters, encodings last (a
    # separator written between the characters of "&#x61;" would leave nothing to decode).
    _words_reversed,
    _stretched,
    _vowels_starred,
    _changing_separators,
    _per_letter(_mixed_script),
    _per_letter(_enclosed),
    _invisible_tags,
    _percent_mixed,
    _entities_loose,
)


def _random_pair(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Two of ``_SURFACE`` picked at random for each post, applied in ``_SURFACE`` order."""
    for k in sorted(rng.sample(range(len(_SURFACE)), 2)):
        s = _SURFACE[k](s, kind, rng)
    return s


def _sep_invisible_lookalike(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    letters = _per_letter(_mixed_script)(s, kind, rng)
    return _invisible_tags(_changing_separators(letters, kind, rng), kind, rng)


FAMILIES: dict[str, Family] = {
    "percent_mixed_double": Family(_percent_mixed),
    "html_entities_loose": Family(_entities_loose),
    "hex_bytes": Family(_hex_bytes),
    "base32_or_url64": Family(_base32_or_url64),
    "caesar_shift": Family(_caesar),
    "escape_variants": Family(_escape_variants),
    "words_reversed_in_place": Family(_words_reversed),
    "reverse_dns_domain": Family(_reverse_dns, DOMAIN_ONLY),
    "foreign_dot_at_words": Family(_foreign_dot_at, HOSTS),
    "dot_symbols": Family(_dot_symbols, HOSTS),
    "alt_hosts_same_service": Family(_alt_hosts, HOSTS),
    "punycode_accented": Family(_punycode_accented, DOMAIN_ONLY),
    "mixed_script_letters": Family(_per_letter(_mixed_script)),
    "enclosed_letters": Family(_per_letter(_enclosed)),
    "invisible_tags_selectors": Family(_invisible_tags),
    "changing_separators": Family(_changing_separators),
    "stretched_letters": Family(_stretched),
    "vowels_starred": Family(_vowels_starred),
    "glued_words": Family(_glued, NOT_DOMAINS),
    "combo_random_pair": Family(_random_pair),
    "combo_sep_invisible_lookalike": Family(_sep_invisible_lookalike),
}

FRAMES = (
    "new server, same magic: {x} (old one got banned)",
    "tired of paid apps? try {x}, first 3 free",
    "{x} <- works better than the one from last week",
    "someone in the group chat recommended {x} and wow",
    "pinned: {x} | backup if it goes down",
)

BENIGN_TEMPLATES = (
    "the bridal {garment} came with a cathedral veil, still deciding",
    "wedding tip: take the veil off before the first dance at the {venue}",
    "my 2FA secret looked like {b32}, obviously a fake one for this post",
    "JWT header for the {app} demo: {jwt}.payload.signature",
    "the hex colour for the {shop} logo is #{hexcol}, close to nude beige",
    "hexdump of the header: {hexdump}",
    "puzzle hunt clue 4 (caesar, shift 3): {caesar}",
    "package name is org.{shop}.{app_id}, not com.{shop}.{app_id}",
    "the café's IDN is xn--caf-dma.example, the browser shows it with an accent",
    "kropka nad i: the {garment} finally fits after the tailor at the {venue}",
    "ドット絵 (pixel art) of the {venue} for my {app} class",
    "mi correo es nombre arroba {shop} punto example, escríbeme",
    "new flag emoji 🏴󠁧󠁢󠁳󠁣󠁴󠁿 for the {venue} match, and ❤️ for the {garment}",
    "the LED strip behind the {venue} mirror needs a new driver",
    "sooo tired, the {app} render took fooorever tonight",
    "d*mn, the {garment} shrank in the wash",
    "#ThrowbackThursday to the {venue} shoot #PixelCraft #SilkAndLace",
    "js tip: '\\u{{1F600}}' works in template literals, %u00E9 is the old IE form",
    "the palindrome of the day: racecar, and 'stressed' is 'desserts' backwards",
    "remove the dress form from the {venue} window before {day}",
    "make any photo look like film with the {lens} preset in {app}",
    "nude lipstick and a silk {garment} for the {venue} dinner",
    "body lotion samples at {shop}.example this {day}",
    "see her new {garment} collection at the {venue} on {day}",
    "she went without the {garment} after all, too hot at the {venue}",
    "render queue is stuck again, ping @{bot} for the status",
    "lab notes from the {app} trial are in the shared folder, ask @{bot}",
    "mobile site https://m.{shop}.example/cart times out on {day}",
    "reach the studio on telegram.me/{bot} or tg://resolve?domain={bot}",
    "our shop moved to https://www2.{shop}.example:8443/ for the sale",
    "link with entities: &#0104;&#X74;tps://{shop}.example&period;",
    "search link https://search.example/?q=silk%2520{garment} is double encoded by mistake",
    "Καλημέρα from the {venue}! Привет to the {app} team",
    "ⓘ info desk, 🄿 parking and ⓦⓘⓕⓘ at the {venue}",
    "A/B|C testing of the {app} export dialog ~ results next {day}",
    "10/10 ~ would buy the {garment} again | {shop}.example",
    "the veil/less debate: cathedral length or none at the {venue}",
    "pixel hub meetup at the {venue}, bring your {lens}",
    "base32 of hello is NBSWY3DP, try {b32} yourself",
    "clothes without tags go to the donation bin at {shop}",
    "instantly remove any stain from a {garment} with cold water",
    "any photo from the {venue} is free to use, credit {shop}",
)
FILL = {
    "venue": ["gallery", "chapel", "beach club", "library", "stadium", "conservatory"],
    "garment": ["lace gown", "linen shirt", "wool coat", "silk scarf", "tuxedo", "sari"],
    "app": ["Darktable", "Affinity Photo", "Blender", "Inkscape", "Pixelmator"],
    "app_id": ["camera", "editor", "gallery", "studio"],
    "shop": ["silkhouse", "pixelcraft", "veilshop", "bodylab", "magicstrip", "nakedoak"],
    "bot": ["renderqueue_bot", "silkorders_bot", "trialsupport_bot", "labnotes_bot"],
    "day": ["friday", "sunday", "the weekend", "payday"],
    "lens": ["35mm", "tilt-shift", "fisheye", "24-70"],
    "b32": ["JBSWY3DPEHPK3PXP", "MFRGGZDFMZTWQ2LK", "ONSWG4TFOQ======", "KRUGKIDQNB2WI3DF"],
    "jwt": ["eyJhbGciOiJIUzI1NiJ9", "eyJ0eXAiOiJKV1QifQ", "eyJraWQiOiJzaG9wIn0"],
    "hexcol": ["e3c9b5", "d2a48c", "f5e1da", "c8a27c"],
    "hexdump": ["89 50 4e 47 0d 0a 1a 0a", "ff d8 ff e0 00 10 4a 46", "47 49 46 38 39 61"],
    "caesar": ["phhw dw wkh jdoohub", "eulqj wkh vfduI", "wkh suhylhz lv rq iulgdb"],
}


DATA = FreshSet(
    label="fresh3",
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
