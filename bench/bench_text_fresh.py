"""A fresh held-out set for the text indicators: new obfuscation families, new indicators, new
benign posts, fixed before the normaliser was changed for it.

``bench_text_heldout.py`` split its 17 families into a tuning and a held-out half, but the
held-out half's misses were read and written down (RESULTS.md), so both of its halves are
tuning data now. This file is the set that has not been looked at: 16 obfuscation families
that neither half has (and that the unit corpus mostly lacks), applied to 10 made-up
indicators that neither the unit corpus nor the other benchmark names (``.test``/``.example``
domains, ``*_bot`` handles, invented phrases), inside new ad-like sentences, plus 1,000 new
benign posts from new templates that share the vocabulary (fashion, dress codes, film, photo
editing, tech, chat bots, shops on ``.example``) and some of the *forms* (entities, percent
escapes, markdown, full-width text, flags, hyphenated line wraps).

Rules of use (see RESULTS.md, "Text indicators on a fresh held-out set"): while the matcher is
being changed, run this without ``--reveal``; it prints the aggregate only (mean recall and the
false-positive count). ``--reveal`` prints each family's recall and the misses; it is for the
final measurement. Everything is generated from a fixed seed, so two runs give the same posts.

Usage: ``python bench/bench_text_fresh.py [--reveal] [--json]``; writes
bench/out/text_fresh.json (aggregate only unless ``--reveal``).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

from shieldwall.signals.text import Indicator, IndicatorKind
from text_fresh_sets import Family, FreshSet, main

OUT = Path(__file__).resolve().parent / "out" / "text_fresh.json"
FEED = "fresh-feed"
SEED = 20261217

INDICATORS = [
    Indicator("f1", IndicatorKind.BOT_HANDLE, "@unveilme_trial_bot", FEED, 0.9),
    Indicator("f2", IndicatorKind.BOT_HANDLE, "@skinpeek_demo_bot", FEED, 0.9),
    Indicator("f3", IndicatorKind.BOT_HANDLE, "@dressaway_ai_bot", FEED, 0.9),
    Indicator("f4", IndicatorKind.DOMAIN, "clothesgone.test", FEED, 0.9),
    Indicator("f5", IndicatorKind.DOMAIN, "undrape-studio.example", FEED, 0.9),
    Indicator("f6", IndicatorKind.DOMAIN, "barelens.test", FEED, 0.9),
    Indicator("f7", IndicatorKind.DOMAIN, "revealpix-pro.example", FEED, 0.9),
    Indicator("f8", IndicatorKind.KEYWORD, "undress any selfie", FEED, 0.7),
    Indicator("f9", IndicatorKind.KEYWORD, "nude filter for any pic", FEED, 0.7),
    Indicator("f10", IndicatorKind.KEYWORD, "take off her dress with ai", FEED, 0.7),
]

HOSTS = frozenset({IndicatorKind.DOMAIN, IndicatorKind.BOT_HANDLE})


def _letters(s: str, fn: Callable[[str, random.Random], str], rng: random.Random) -> str:
    return "".join(fn(c, rng) if "a" <= c <= "z" else c for c in s)


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


_MARKS = [chr(c) for c in range(0x0300, 0x0370) if unicodedata.combining(chr(c))]


def _stack(c: str, rng: random.Random) -> str:
    return c + "".join(rng.choice(_MARKS) for _ in range(rng.randint(2, 4)))


_ZERO_WIDTH = ("\u200d", "\u200c", "\u00ad", "\u2060", "\u200b")


def _zero_width(s: str, rng: random.Random) -> str:
    out = []
    for i, c in enumerate(s):
        out.append(c)
        if c.isalpha() and i + 1 < len(s) and s[i + 1].isalpha() and rng.random() < 0.5:
            out.append(rng.choice(_ZERO_WIDTH))
    return "".join(out)


_CYRILLIC_WIDE = str.maketrans(
    {"a": "а", "c": "с", "d": "ԁ", "e": "е", "h": "һ", "i": "і", "j": "ј", "o": "о", "p": "р",
     "q": "ԛ", "s": "ѕ", "w": "ԝ", "x": "х", "y": "у"}
)  # fmt: skip
_CHEROKEE = {
    "a": "Ꭺ", "b": "Ᏼ", "c": "Ꮯ", "d": "Ꭰ", "e": "Ꭼ", "g": "Ꮐ", "h": "Ꮋ", "i": "Ꭵ", "k": "Ꮶ",
    "l": "Ꮮ", "m": "Ꮇ", "p": "Ꮲ", "r": "Ꭱ", "s": "Ꮪ", "t": "Ꭲ", "v": "Ꮩ", "w": "Ꮃ", "z": "Ꮓ",
}  # fmt: skip


def _cherokee(s: str) -> str:
    return "".join(_CHEROKEE.get(c, c.upper()) for c in s)


def _case_sep(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Random case and one separator between the letters of each word (dots of hosts kept)."""
    sep = rng.choice(["-", "~", "*", "+", " . "])
    out = []
    for word in s.split(" "):
        head = "@" if word.startswith("@") else ""
        labels = word.removeprefix("@").split(".")
        for i, label in enumerate(labels[:-1] if len(labels) > 1 else labels):
            cased = [c.upper() if rng.random() < 0.5 else c for c in label]
            labels[i] = sep.join(cased)
        out.append(head + ".".join(labels))
    return " ".join(out)


def _percent_all(s: str) -> str:
    return "".join(f"%{ord(c):02X}" for c in s)


def _url_encoded(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.DOMAIN:
        return "https://" + _percent_all(s) + "/"
    if kind is IndicatorKind.BOT_HANDLE:
        return "https://t.me/" + _percent_all(s.removeprefix("@"))
    return "https://search.example/?q=" + "+".join(_percent_all(w) for w in s.split(" "))


_IDN_SWAP = {"a": "а", "e": "е", "o": "о", "c": "с", "p": "р", "s": "ѕ", "i": "і"}


def _punycode(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    labels = s.split(".")
    name = labels[0]
    spots = [i for i, c in enumerate(name) if c in _IDN_SWAP]
    for i in rng.sample(spots, min(2, len(spots))):
        name = name[:i] + _IDN_SWAP[name[i]] + name[i + 1 :]
    labels[0] = name.encode("idna").decode("ascii")
    return rng.choice(["https://", "", "www."]) + ".".join(labels)


_DOTS = (" [.] ", "[.]", "(.)", " (dot) ", " dot ", "[dot]", " DOT ", "{.}", "<.>", "[ . ]")


def _dot_variants(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.BOT_HANDLE:
        return "t" + rng.choice(_DOTS) + "me/" + s.removeprefix("@")
    return s.replace(".", rng.choice(_DOTS))


def _hyphen_wrap(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """A typeset line wrap: "-" and a line break inside the longest word, at a random spot."""
    words = s.split(" ")
    k = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[k]
    letters = [i for i in range(2, len(word) - 2) if word[i - 1].isalpha() and word[i].isalpha()]
    cut = rng.choice(letters)
    words[k] = word[:cut] + "-\n" + word[cut:]
    return " ".join(words)


def _dotted_letters(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    """Every letter dotted ("t.e.s.t"); the real dot of a host becomes " . " or a space."""
    out = []
    for word in s.split(" "):
        head = "@" if word.startswith("@") else ""
        labels = [".".join(label) for label in word.removeprefix("@").split(".")]
        out.append(head + rng.choice([" . ", " "]).join(labels))
    return " ".join(out)


def _regional(c: str, rng: random.Random) -> str:
    return chr(0x1F1E6 + ord(c) - 97) + "\u200b"


def _negative_squared(c: str, rng: random.Random) -> str:
    return chr(0x1F170 + ord(c) - 97)


def _entities(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    out = []
    for c in s:
        if c in "._@ ":
            out.append(rng.choice([f"&#{ord(c)};", f"&#x{ord(c):x};"]))
        elif rng.random() < 0.4:
            out.append(f"&#{ord(c)};")
        else:
            out.append(c)
    return "".join(out)


def _markdown(s: str, kind: IndicatorKind, rng: random.Random) -> str:
    if kind is IndicatorKind.DOMAIN:
        shown = s.replace(".", "\\.")
        return f"[{shown}](https://{s}/start)"
    if kind is IndicatorKind.BOT_HANDLE:
        return "**" + s.replace("_", "\\_") + "**"
    marks = ("**", "*", "__", "_", "`", "~~")
    return " ".join((m := rng.choice(marks)) + w + m for w in s.split(" "))


def _superscript(c: str, rng: random.Random) -> str:
    table = "ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖqʳˢᵗᵘᵛʷˣʸᶻ"
    return table[ord(c) - 97]


FAMILIES: dict[str, Family] = {
    "fullwidth_all": Family(lambda s, k, r: _fullwidth(s)),
    "stacked_diacritics": Family(lambda s, k, r: _letters(s, _stack, r)),
    "zero_width_mix": Family(lambda s, k, r: _zero_width(s, r)),
    "cyrillic_wide": Family(lambda s, k, r: s.translate(_CYRILLIC_WIDE)),
    "cherokee_caps": Family(lambda s, k, r: _cherokee(s)),
    "case_and_separator": Family(_case_sep),
    "url_encoded_whole": Family(_url_encoded),
    "punycode_lookalike": Family(_punycode, frozenset({IndicatorKind.DOMAIN})),
    "dot_variants": Family(_dot_variants, HOSTS),
    "hyphen_line_wrap": Family(_hyphen_wrap),
    "dotted_letters": Family(_dotted_letters),
    "regional_indicators": Family(lambda s, k, r: _letters(s, _regional, r)),
    "negative_squared": Family(lambda s, k, r: _letters(s, _negative_squared, r)),
    "html_entities": Family(_entities),
    "markdown": Family(_markdown),
    "superscript": Family(lambda s, k, r: _letters(s, _superscript, r)),
    "combo_fullwidth_zero_width": Family(lambda s, k, r: _zero_width(_fullwidth(s), r)),
    "combo_cyrillic_dotted": Family(
        lambda s, k, r: _dotted_letters(s, k, r).translate(_CYRILLIC_WIDE)
    ),
    "combo_entities_dot_variants": Family(
        lambda s, k, r: _entities(_dot_variants(s, k, r), k, r), HOSTS
    ),
}

FRAMES = (
    "forget photoshop, {x} does it in one tap",
    "my cousin swears by {x} lol, works on any pic",
    "{x} <- still up after the ban, get it before it's gone",
    "Promo this week only: {x} (premium unlocked)",
    "who needs consent when there is {x}? link in bio",
)

BENIGN_TEMPLATES = (
    "the {event} dress code says black tie optional, so I'm renting a suit",
    "does anyone know a tailor who can take in a {garment} before {day}?",
    "wardrobe tip: take off the tags before you wash a new {garment}",
    "the costume team on {film} had to remove the logos from every {garment}",
    "film review: {film} is a slow burn, the reveal in act three is worth it",
    "how do I remove a photobomber in {app}? the heal brush leaves a smudge",
    "{app} tutorial: undo any edit with ctrl+z, then export as png",
    "colour grading pass done, skin tones look natural now in {app}",
    "our support chat bot @{bot} answers shipping questions 24/7",
    "new discord bot for {topic}: type /help to see the commands",
    "the {shop}.example summer sale: 30% off every {garment}",
    "order from https://{shop}.example/{garment} before {day} for free returns",
    "spring lookbook up at {shop}[.]example, feedback welcome",
    "visit {shop} dot example for the capsule wardrobe guide",
    "&quot;{film}&quot; screening at the cinema &amp; Q&amp;A after, tickets &#163;8",
    "search link: https://www.google.com/search?q={shop}%20{garment}%20review",
    "**{film}** is _finally_ on streaming, [trailer](https://video.example/{shop})",
    "the lens on my {camera} is bare-bones but sharp, reviewing it on {day}",
    "sheer curtains let light through any window, great for the {room}",
    "a nude lipstick and a {garment}, that's the whole look for the {event}",
    "peel the protective film off the {camera} screen before first use",
    "our chat bot can't see your photos, it only reads text you send it",
    "new post on my blog about long-exposure photo editing at {shop}-photo.example/blog/{day}",
    "ＦＲＥＥ ＳＨＩＰＰＩＮＧ on every {garment} this {day}!",
    "team 🇫🇷 vs 🇧🇷 tonight, watch party at the {room}",
    "the AI upscaler in {app} made my old {camera} shots usable again",
    "remember to strip EXIF metadata before posting photos from your {camera}",
    "the reveal of the new {camera} model is on {day}, specs leaked already",
    "transparent phone cases turn yellow, any that stay clear? asking for my {camera}",
    "the dress rehearsal for {film} runs until ten, bring water",
    "exposure tri-\nangle explained: aperture, shutter speed and ISO on the {camera}",
    "naked flame warning on the {room} heater, please read the manual",
    "handmade {garment} from {shop}.example, each one is unique",
    "hashtag #{shop}style for a chance to be featured, winners on {day}",
)
FILL = {
    "event": ["wedding", "gala", "prom", "office party", "funeral", "award night"],
    "garment": ["dress", "blazer", "skirt", "swimsuit", "jacket", "hoodie", "gown"],
    "day": ["friday", "monday", "the weekend", "christmas"],
    "film": ["The Long Reveal", "Bare Hills", "Undercover Summer", "Silver Lens"],
    "app": ["Lightroom", "Affinity Photo", "Snapseed", "Pixelmator", "darktable"],
    "bot": ["shopassist_bot", "orderstatus_bot", "faq_helper_bot", "sizeguide_bot"],
    "topic": ["film trivia", "outfit of the day", "photo contests", "tech news"],
    "shop": ["threadbare", "lensworks", "revealwear", "dressup", "skinsafe", "clothesline"],
    "camera": ["X100", "Z fc", "A7 IV", "GR III", "phone"],
    "room": ["studio", "living room", "bar", "office"],
}


DATA = FreshSet(
    label="fresh",
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
