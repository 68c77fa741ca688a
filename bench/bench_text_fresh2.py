"""A second fresh held-out set for the text indicators, fixed before the normaliser was changed.

``bench_text_fresh.py``'s misses were read and written down (RESULTS.md, 2026-12-04), so it is
tuning data now, like both halves of ``bench_text_heldout.py``. This file is the set that has
not been looked at: 20 obfuscation families that neither older set nor the known misses
contain (styles of mathematical letters mixed per letter, parenthesised letters, upside-down
text, hooked Latin letters, a bidi override around reversed text, emoji sequences inside
words, indented line wraps, doubled letters, dropped vowels, reversed text, base64, rot13,
"dot" in other languages, redirect and userinfo URLs, ``\\uXXXX`` escapes, dot look-alikes,
camel-case hashtags, spaces inside words, and three combinations), applied to 10 made-up
indicators that no other set or test names (``.test``/``.example`` domains, ``*_bot``
handles, invented phrases) inside new ad-like sentences, plus 1,000 new benign posts from new
templates that share the vocabulary and some of the *forms* (base64 tokens, rot13 spoilers,
``punto``/``точка`` in prose, JSON escapes, redirect links, styled letters, hashtags).

Some families are expected to be hard or impossible for a normaliser (dropped vowels, base64,
rot13, reversed text): they are here because evaders use them, and a figure that leaves them
out would flatter the matcher.

Rules of use (see RESULTS.md): while the matcher is being changed, run this without
``--reveal``; it prints the aggregate only (mean recall and the false-positive count).
``--reveal`` prints each family's recall and the misses; it is for the final measurement.
Everything is generated from a fixed seed, so two runs give the same posts.

Usage: ``python bench/bench_text_fresh2.py [--reveal] [--json]``; writes
bench/out/text_fresh2.json (aggregate only unless ``--reveal``).
"""

from __future__ import annotations

import base64
import codecs
import random
from collections.abc import Callable
from pathlib import Path

from shieldwall.signals.text import Indicator, IndicatorKind
from text_fresh_sets import Family, FreshSet, main

OUT = Path(__file__).resolve().parent / "out" / "text_fresh2.json"
FEED = "fresh2-feed"
SEED = 20261204_2

INDICATORS = [
    Indicator("g1", IndicatorKind.BOT_HANDLE, "@stripcam_preview_bot", FEED, 0.9),
    Indicator("g2", IndicatorKind.BOT_HANDLE, "@nakedlens_beta_bot", FEED, 0.9),
    Indicator("g3", IndicatorKind.BOT_HANDLE, "@unclad_studio_bot", FEED, 0.9),
    Indicator("g4", IndicatorKind.DOMAIN, "peelaway-pics.test", FEED, 0.9),
    Indicator("g5", IndicatorKind.DOMAIN, "skinview.example", FEED, 0.9),
    Indicator("g6", IndicatorKind.DOMAIN, "dressless-ai.test", FEED, 0.9),
    Indicator("g7", IndicatorKind.DOMAIN, "nudeshift.example", FEED, 0.9),
    Indicator("g8", IndicatorKind.KEYWORD, "erase any outfit", FEED, 0.7),
    Indicator("g9", IndicatorKind.KEYWORD, "see anyone unclothed", FEED, 0.7),
    Indicator("g10", IndicatorKind.KEYWORD, "undress photos in seconds", FEED, 0.7),
]

HOSTS = frozenset({IndicatorKind.DOMAIN, IndicatorKind.BOT_HANDLE})


def _letters(s: str, fn: Callable[[str, random.Random], str], rng: random.Random) -> str:
    return "".join(fn(c, rng) if "a" <= c <= "z" else c for c in s)


# Mathematical alphanumerics (U+1D400 block): bold, bold script, bold fraktur, sans-serif bold,
# sans-serif bold italic; a different style for each letter. Script/fraktur have holes in the
# non-bold styles (ℎ, ℯ ...), the bold ones do not.
_MATH_STYLES = (0x1D41A, 0x1D4EA, 0x1D586, 0x1D5EE, 0x1D656)


def _math_mix(c: str, rng: random.Random) -> str:
    return chr(rng.choice(_MATH_STYLES) + ord(c) - 97)


def _parenthesised(c: str, rng: random.Random) -> str:
    return chr(0x249C + ord(c) - 97)


_UPSIDE = dict(zip("abcdefghijklmnopqrstuvwxyz", "ɐqɔpǝɟƃɥᴉɾʞlɯuodbɹsʇnʌʍxʎz", strict=True))
_UPSIDE.update({".": "˙", "_": "‾", "-": "-", "@": "@", " ": " "})


def _upside_down(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Each character flipped and the string reversed: reads right way up when turned over."""
    return "".join(_UPSIDE.get(c, c) for c in reversed(s))


_HOOKED = {
    "a": "ɑ", "b": "ƅ", "c": "ƈ", "d": "ɗ", "e": "ɛ", "f": "ƒ", "g": "ɠ", "h": "ɦ", "i": "ɨ",
    "j": "ʝ", "k": "ƙ", "l": "ɭ", "m": "ɱ", "n": "ɲ", "o": "ɵ", "p": "ƥ", "q": "ʠ", "r": "ɾ",
    "s": "ʂ", "t": "ƭ", "u": "ʋ", "v": "ⱱ", "w": "ⱳ", "x": "ӽ", "y": "ƴ", "z": "ȥ",
}  # fmt: skip


def _hooked(c: str, rng: random.Random) -> str:
    return _HOOKED[c] if rng.random() < 0.6 else c


def _bidi_reversed(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """RIGHT-TO-LEFT OVERRIDE around the reversed text: it renders as written, stored backwards."""
    return "\u202e" + s[::-1] + rng.choice(["\u202c", "\u2069", ""])


_EMOJI = ("👩‍💻", "🧑🏽‍🎤", "👍🏻", "🏳️‍🌈", "❤️‍🔥", "🫶🏾", "✨", "🔞")


def _emoji_inside(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """One or two emoji sequences (ZWJ, skin tones, variation selectors) inside each word."""
    out = []
    for word in s.split(" "):
        spots = [i for i in range(2, len(word) - 1) if word[i - 1].isalpha() and word[i].isalpha()]
        for i in sorted(rng.sample(spots, min(len(spots), rng.randint(1, 2))), reverse=True):
            word = word[:i] + rng.choice(_EMOJI) + word[i:]
        out.append(word)
    return " ".join(out)


def _indented_wrap(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """The longest word wrapped onto an indented line with no hyphen ("peela\\n    way")."""
    words = s.split(" ")
    k = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[k]
    cut = rng.choice([i for i in range(2, len(word) - 2) if word[i - 1].isalpha()])
    words[k] = word[:cut] + rng.choice(["\n    ", "\r\n\t", " \n  ", "\n> "]) + word[cut:]
    return " ".join(words)


def _doubled(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    return "".join(c * 2 if c.isalpha() else c for c in s)


def _no_vowels(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Vowels dropped inside words (not first letters, not the suffix of a host)."""
    out = []
    for word in s.split(" "):
        name, dot, suffix = word.rpartition(".") if kind is IndicatorKind.DOMAIN else (word, "", "")
        thin = "".join(
            c for i, c in enumerate(name) if c not in "aeiou" or i == 0 or name[i - 1] in "@_-"
        )
        out.append(thin + dot + suffix)
    return " ".join(out)


def _reversed(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    return rng.choice(["(read it backwards) ", "reverse this: ", "⟲ "]) + s[::-1]


def _base64(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    target = f"https://{s}/" if kind is IndicatorKind.DOMAIN else s
    encoded = base64.b64encode(target.encode()).decode()
    return rng.choice(["b64: ", "decode → ", "base64 "]) + encoded


def _rot13(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    return rng.choice(["rot13: ", "(rot13) ", ""]) + codecs.encode(s, "rot13")


_FOREIGN_DOTS = (
    " punto ", "(punto)", " точка ", "[точка]", " punkt ", " ponto ", " nokta ", " noqta ",
    " pont ", "{punkt}",
)  # fmt: skip


def _foreign_dot(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.BOT_HANDLE:
        return "t" + rng.choice(_FOREIGN_DOTS) + "me/" + s.removeprefix("@")
    return s.replace(".", rng.choice(_FOREIGN_DOTS))


def _wrapped_url(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """The host behind a redirect wrapper or userinfo, as link-cloakers write it."""
    inner = (
        f"https://t.me/{s.removeprefix('@')}"
        if kind is IndicatorKind.BOT_HANDLE
        else (f"https://{s}/go")
    )
    quoted = inner.replace(":", "%3A").replace("/", "%2F")
    return rng.choice(
        [
            f"https://out.example/?u={quoted}",
            f"https://l.example/redirect?to={inner}",
            f"https://safe-link.example/r/{quoted}",
            f"https://google.example@{inner.removeprefix('https://')}",
            f"https://user:pass@{inner.removeprefix('https://')}",
        ]
    )


def _escapes(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Some characters as ``\\u0061`` or ``\\x61`` escapes, as in JSON or a code snippet."""
    out = []
    for c in s:
        r = rng.random()
        if r < 0.35:
            out.append(f"\\u{ord(c):04x}")
        elif r < 0.5 and ord(c) < 0x100:
            out.append(f"\\x{ord(c):02x}")
        else:
            out.append(c)
    return "".join(out)


_DOT_LOOKALIKES = ("。", "．", "｡", "․", "·", "܂", "٫", "⸱")


def _dot_lookalike(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.BOT_HANDLE:
        return "t" + rng.choice(_DOT_LOOKALIKES) + "me/" + s.removeprefix("@")
    return s.replace(".", rng.choice(_DOT_LOOKALIKES))


def _hashtag(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """A camel-case hashtag: "#SeeAnyoneUnclothed", "#PeelawayPicsTest"."""
    parts = s.removeprefix("@").replace(".", " ").replace("_", " ").replace("-", " ").split()
    return "#" + "".join(p.capitalize() for p in parts)


def _space_inside(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """One space inside each long word, at a random spot ("und ress pho tos")."""
    out = []
    for word in s.split(" "):
        spots = [i for i in range(2, len(word) - 1) if word[i - 1].isalpha() and word[i].isalpha()]
        if len(word) >= 5 and spots:
            i = rng.choice(spots)
            word = word[:i] + " " + word[i:]
        out.append(word)
    return " ".join(out)


FAMILIES: dict[str, Family] = {
    "math_style_mix": Family(lambda s, k, r: _letters(s, _math_mix, r)),
    "parenthesised": Family(lambda s, k, r: _letters(s, _parenthesised, r)),
    "upside_down": Family(_upside_down),
    "latin_hooked": Family(lambda s, k, r: _letters(s, _hooked, r)),
    "bidi_override_reversed": Family(_bidi_reversed),
    "emoji_inside_words": Family(_emoji_inside),
    "indented_line_wrap": Family(_indented_wrap),
    "doubled_letters": Family(_doubled),
    "vowels_dropped": Family(_no_vowels),
    "reversed_text": Family(_reversed),
    "base64": Family(_base64),
    "rot13": Family(_rot13),
    "foreign_dot_words": Family(_foreign_dot, HOSTS),
    "redirect_or_userinfo_url": Family(_wrapped_url, HOSTS),
    "backslash_escapes": Family(_escapes),
    "dot_lookalikes": Family(_dot_lookalike, HOSTS),
    "camel_hashtag": Family(_hashtag),
    "space_inside_words": Family(_space_inside),
    "combo_math_emoji": Family(lambda s, k, r: _emoji_inside(_letters(s, _math_mix, r), k, r)),
    "combo_escapes_foreign_dot": Family(
        lambda s, k, r: _escapes(_foreign_dot(s, k, r), k, r), HOSTS
    ),
}

FRAMES = (
    "link dead again? mirror: {x}",
    "{x} - pay once, unlimited renders",
    "saw this on a forum, {x} actually works on group pics",
    "not posting it publicly but {x} is what you want",
    "bookmark {x} before they take it down again",
)

BENIGN_TEMPLATES = (
    "the {venue} asks for cocktail attire, is a {garment} too casual?",
    "skin care routine update: the {product} finally stopped my peeling",
    "peel away the backing slowly or the {material} vinyl will tear",
    "the preview build of {app} crashes when I export a {fmt}",
    "beta testers wanted for our {app} plugin, DM the studio account",
    "our studio bot @{bot} posts the booking calendar every {day}",
    "mirror link for the {fmt} sample files: https://mirror.example/{shop}/samples",
    "the view from the {venue} rooftop at sunset, shot on a {lens} lens",
    "naked eye you can barely see it, but the {lens} picks up the rings",
    "nude heels go with any outfit, my stylist at {shop}.example says",
    "erase the background in {app}, then add a soft shadow under the {garment}",
    "shift the white balance a bit warmer for skin tones in {app}",
    "strip the whitespace before you base64 the {fmt} payload",
    "the API token looks like {b64}, don't paste yours here",
    "decode this for the puzzle hunt: {b64}",
    "spoiler for {film} in rot13: {rot}",
    "nos vemos en el punto de encuentro del {venue} a las ocho",
    "с моей точки зрения, {film} лучше первой части",
    "Treffpunkt ist der {venue}, Punkt acht Uhr",
    'the JSON came back as {{"name": "caf\\u00e9 {shop}", "size": "\\u0033XL"}}',
    "escape sequences like \\x41 and \\u00e9 break the {app} importer",
    "redirect check: https://out.example/?u=https%3A%2F%2F{shop}.example%2Fsale works now",
    "login page at https://user@{shop}.example/account keeps timing out",
    "𝐍𝐄𝐖 𝐃𝐑𝐎𝐏: the {garment} in three colours at {shop}.example",
    "⒜ cut ⒝ hem ⒞ press: the order for finishing a {garment}",
    "ʇxǝʇ uʍop ǝpᴉsdn is the oldest joke in the {app} forum",
    "#OutfitOfTheDay #{shop_cap}Style the {garment} from last {day}",
    "sooo goood, the {film} premiere was amaaazing",
    "thx 4 the pics frm the {venue}, pls snd th rst",
    "the {garment} is reversible, wear it inside out for the {venue}",
    "fixing line wraps: the\n    {app} exporter indents every continuation line",
    "unclothed mannequins in the {shop} window look so eerie at night",
    "see anyone you know at the {venue}? I'm by the bar 👩‍💻✨",
    "the costume dept had to undress the dummies before {day}'s fitting",
    "photos in seconds: the {lens} autofocus is crazy fast",
    "https://l.example/redirect?to=https://{shop}.example/returns for the return label",
    "the stripped-down cut of {film} is 90 minutes, the preview was 2 hours",
    "shop 。{shop}。 opens a pop-up at the {venue} on {day}",
)
FILL = {
    "venue": ["museum gala", "rooftop bar", "wedding venue", "theatre", "gallery", "harbour"],
    "garment": ["slip dress", "blazer", "kimono", "trench coat", "jumpsuit", "cardigan"],
    "product": ["retinol serum", "sunscreen", "moisturiser", "toner"],
    "material": ["matte", "glossy", "holographic", "chalkboard"],
    "app": ["GIMP", "Capture One", "Photopea", "Krita", "RawTherapee"],
    "fmt": ["TIFF", "HEIC", "PSD", "WebP"],
    "bot": ["studiobooking_bot", "lenscare_help_bot", "fitting_room_bot", "preview_queue_bot"],
    "day": ["tuesday", "saturday", "next week", "new year"],
    "shop": ["skinlab", "peelhouse", "dressline", "lensview", "stripe", "unclad"],
    "shop_cap": ["Skinlab", "Peelhouse", "Dressline", "Lensview"],
    "lens": ["50mm", "85mm", "telephoto", "macro"],
    "film": ["Naked City Nights", "The Preview", "Skin Deep", "Studio Nine"],
    "b64": ["aGVsbG8gd29ybGQ=", "c2hpcHBpbmcgbGFiZWw=", "ZHJlc3MgY29kZQ==", "bGVucyBjYXA="],
    "rot": ["gur ohgyre qvq vg", "fur jnf gur qverpgbe", "gur cvpgher jnf n snxr"],
}


DATA = FreshSet(
    label="fresh2",
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
