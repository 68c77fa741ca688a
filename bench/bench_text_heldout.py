"""Held-out accuracy of the text indicators: obfuscations nobody tuned for, and benign posts
that share the vocabulary.

The unit corpus (``tests/unit/signals/text/corpus.py``) holds the evasions the normaliser was
written against. This benchmark generates *other* ones, from families that corpus does not
have, applied to made-up indicators it does not name (``.test``/``.example`` domains,
``*_bot`` handles, invented phrases), inside ad-like sentences. The families are split by name
into a tuning half and a held-out half (``TUNE`` and ``HELD_OUT`` below, fixed before any
change to the normaliser was made): work on the normaliser may look at the tuning half only,
and the figure that counts is the held-out half's.

The held-out half's misses were later read and written down (bench/RESULTS.md), so both
halves are tuning data now; the held-out figure that counts is ``bench_text_fresh.py``'s.

Benign posts (1,000) are generated from templates about fashion and dress codes, film and
photo editing, tech and ordinary life, sharing words with the indicators ("dress", "strip",
"remove", "photo", "bot", "AI") but naming none of them. A hit on any of them is a false
positive.

Usage: ``python bench/bench_text_heldout.py [--json]``; results go to bench/out/text_heldout.json.
"""

from __future__ import annotations

import argparse
import json
import random
import unicodedata
from collections.abc import Callable
from pathlib import Path

from shieldwall.signals.text import Indicator, IndicatorKind, IndicatorSet, TextIndicatorSignal

OUT = Path(__file__).resolve().parent / "out" / "text_heldout.json"
FEED = "heldout-feed"

INDICATORS = [
    Indicator("h1", IndicatorKind.BOT_HANDLE, "@clothoff_demo_bot", FEED, 0.9),
    Indicator("h2", IndicatorKind.BOT_HANDLE, "@xrayvision_test_bot", FEED, 0.9),
    Indicator("h3", IndicatorKind.BOT_HANDLE, "@bareit_example_bot", FEED, 0.9),
    Indicator("h4", IndicatorKind.DOMAIN, "deepundress.test", FEED, 0.9),
    Indicator("h5", IndicatorKind.DOMAIN, "nakedify-app.example", FEED, 0.9),
    Indicator("h6", IndicatorKind.DOMAIN, "peelai.test", FEED, 0.9),
    Indicator("h7", IndicatorKind.KEYWORD, "see through any outfit", FEED, 0.7),
    Indicator("h8", IndicatorKind.KEYWORD, "ai undresser unlimited", FEED, 0.7),
    Indicator("h9", IndicatorKind.KEYWORD, "strip her pics", FEED, 0.7),
]

Evasion = Callable[[str, random.Random], str]


def _per_letter(s: str, fn: Callable[[str], str]) -> str:
    return "".join(fn(c) if c.isalpha() else c for c in s)


def _offset_alpha(base_lower: int) -> Callable[[str], str]:
    def go(c: str) -> str:
        if "a" <= c <= "z":
            return chr(base_lower + ord(c) - 97)
        return c

    return go


_GREEK = str.maketrans({"a": "α", "o": "ο", "i": "ι", "k": "κ", "v": "ν", "p": "ρ", "t": "τ"})
_ARMENIAN = str.maketrans({"o": "օ", "u": "ս", "n": "ո", "h": "հ"})
_SMALL_CAPS = str.maketrans(
    {"a": "ᴀ", "b": "ʙ", "c": "ᴄ", "d": "ᴅ", "e": "ᴇ", "h": "ʜ", "i": "ɪ", "k": "ᴋ", "l": "ʟ",
     "m": "ᴍ", "n": "ɴ", "o": "ᴏ", "p": "ᴘ", "r": "ʀ", "s": "ꜱ", "t": "ᴛ", "u": "ᴜ", "w": "ᴡ",
     "y": "ʏ"}
)  # fmt: skip


def _word_inner(s: str, sep: str) -> str:
    """``sep`` between the letters of each word (the sigil and dots of domains kept)."""
    out = []
    for word in s.split(" "):
        head = "@" if word.startswith("@") else ""
        body = word.removeprefix("@")
        parts = body.split(".")
        parts[0] = sep.join(parts[0])
        out.append(head + ".".join(parts))
    return " ".join(out)


FAMILIES: dict[str, Evasion] = {
    # tuning half
    "greek": lambda s, r: s.translate(_GREEK),
    "math_italic": lambda s, r: _per_letter(
        s, lambda c: "ℎ" if c == "h" else _offset_alpha(0x1D44E)(c)
    ),
    "monospace": lambda s, r: _per_letter(s, _offset_alpha(0x1D68A)),
    "bullet_sep": lambda s, r: _word_inner(s, "•"),
    "combining_strike": lambda s, r: "".join(c + "\u0336" if c.isalpha() else c for c in s),
    "slash_sep": lambda s, r: _word_inner(s, "/"),
    "spoken_dot_variants": lambda s, r: s.replace(".", r.choice([" [dot] ", "{.}", " d0t "])),
    "line_break_inside": lambda s, r: s[: len(s) // 2] + "\n" + s[len(s) // 2 :],
    # held-out half
    "armenian": lambda s, r: s.translate(_ARMENIAN),
    "small_caps": lambda s, r: s.translate(_SMALL_CAPS),
    "double_struck": lambda s, r: _per_letter(
        s, lambda c: unicodedata.lookup(f"MATHEMATICAL DOUBLE-STRUCK SMALL {c.upper()}")
    ),
    "circled": lambda s, r: _per_letter(
        s, lambda c: unicodedata.lookup(f"CIRCLED LATIN SMALL LETTER {c.upper()}")
    ),
    "emoji_sep": lambda s, r: _word_inner(s, "🔥"),
    "underscore_sep": lambda s, r: _word_inner(s, "_"),
    "combining_accents": lambda s, r: "".join(c + "\u0301" if c in "aeiou" else c for c in s),
    "percent_dot": lambda s, r: s.replace(".", "%2E"),
    "greek_plus_leet": lambda s, r: s.translate(_GREEK).replace("e", "3").replace("s", "5"),
}
TUNE = (
    "greek",
    "math_italic",
    "monospace",
    "bullet_sep",
    "combining_strike",
    "slash_sep",
    "spoken_dot_variants",
    "line_break_inside",
)
HELD_OUT = tuple(f for f in FAMILIES if f not in TUNE)

FRAMES = (
    "new tool just dropped: {x} works on anyone",
    "DM me for the link {x} 100% free",
    "try {x} tonight, no signup",
    "{x} - the one everyone uses now",
    "they banned the old one, use {x} instead",
)

BENIGN_TEMPLATES = (
    "the dress code for {event} is smart casual, no ripped jeans",
    "strip mall on {street} has a new bakery",
    "how do I remove the background from a product photo in {app}?",
    "our AI photo editor now fixes red eye and {fix}",
    "film stripping was how we made plates before {year}",
    "undress the baby gently after the bath, the nurse said",
    "naked eye astronomy tonight: {planet} is visible",
    "best see-through raincoats for {season} festivals",
    "new bot in our discord posts {topic} every morning",
    "the x-ray at the clinic showed the bone healed",
    "peel and stick wallpaper in the {room}, took an hour",
    "take off your shoes at the door please",
    "clothes swap party at the {place} on saturday",
    "telegram channel for {topic} news, t.me/{handle}",
    "visit https://{shop}.example for the {season} collection",
    "clothing brand {shop} launched a swimwear line",
    "remove clothes from the dryer before they wrinkle",
    "any outfit ideas for a {event}?",
    "strip the old varnish before painting the {room}",
    "see through the marketing: {app} is just a filter",
)
FILL = {
    "event": ["wedding", "gala", "job interview", "graduation"],
    "street": ["Main St", "Elm Road", "5th Avenue"],
    "app": ["GIMP", "Photoshop", "Canva", "Krita"],
    "fix": ["skin tones", "lighting", "noise"],
    "year": ["1990", "digital presses", "computers"],
    "planet": ["Jupiter", "Venus", "Saturn"],
    "season": ["summer", "autumn", "spring"],
    "topic": ["weather", "football", "recipes", "crypto"],
    "room": ["kitchen", "hallway", "bedroom"],
    "place": ["library", "community hall", "church"],
    "handle": ["weather_daily", "recipes_bot", "footy_scores_bot"],
    "shop": ["bareroots", "cloth-and-co", "peelshop", "xray-style"],
}


def _mention(ind: Indicator) -> str:
    if ind.kind is IndicatorKind.BOT_HANDLE:
        return "@" + ind.value.removeprefix("@")
    if ind.kind is IndicatorKind.DOMAIN:
        return ind.value
    return ind.value


def positives(families: tuple[str, ...], rng: random.Random) -> list[tuple[str, str, str]]:
    rows = []
    for family in families:
        for ind in INDICATORS:
            for frame in FRAMES:
                text = frame.format(x=FAMILIES[family](_mention(ind), rng))
                rows.append((family, ind.id, text))
    return rows


def benign(n: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < n:
        template = rng.choice(BENIGN_TEMPLATES)
        out.append(template.format(**{k: rng.choice(v) for k, v in FILL.items()}))
    return out


def evaluate() -> dict[str, object]:
    rng = random.Random(20261203)
    signal = TextIndicatorSignal(IndicatorSet(INDICATORS))
    per_family: dict[str, dict[str, float]] = {}
    for family in FAMILIES:
        rows = positives((family,), rng)
        found = sum(1 for _, _, text in rows if (signal.evaluate(text).score or 0) > 0)
        per_family[family] = {"found": found, "of": len(rows), "recall": found / len(rows)}
    posts = benign(1000, rng)
    false_hits = [p for p in posts if (signal.evaluate(p).score or 0) > 0]

    def mean(names: tuple[str, ...]) -> float:
        return round(sum(per_family[f]["recall"] for f in names) / len(names), 3)

    return {
        "tune_families": list(TUNE),
        "held_out_families": list(HELD_OUT),
        "per_family": per_family,
        "tune_recall": mean(TUNE),
        "held_out_recall": mean(HELD_OUT),
        "held_out_min_family": min(HELD_OUT, key=lambda f: per_family[f]["recall"]),
        "benign_posts": len(posts),
        "false_positives": len(false_hits),
        "false_positive_samples": sorted(set(false_hits))[:5],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = evaluate()
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return
    for half, names in (("tuning", TUNE), ("held-out", HELD_OUT)):
        print(f"{half} half:")
        for f in names:
            row = result["per_family"][f]  # type: ignore[index]
            print(f"  {f:22s} {row['found']:3d}/{row['of']:3d}  recall {row['recall']:.2f}")
    print(f"tuning recall {result['tune_recall']}, held-out recall {result['held_out_recall']}")
    print(f"false positives on {result['benign_posts']} benign posts: {result['false_positives']}")
    for sample in result["false_positive_samples"]:  # type: ignore[attr-defined]
        print(f"  FP: {sample}")


if __name__ == "__main__":
    main()
