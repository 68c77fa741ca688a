"""Rules added from bench/bench_text_fresh.py's misses, each with a benign counter-example.

That set's misses were read and written down (bench/RESULTS.md, 2026-12-04), so it is tuning
data now; bench/bench_text_fresh2.py is the held-out set and is never used here.
"""

from __future__ import annotations

import pytest

from shieldwall.signals.text import DomainParser, Indicator, IndicatorKind, build_views
from shieldwall.signals.text.matcher import CompiledIndicators
from shieldwall.signals.text.urls import find_urls

PARSER = DomainParser()
INDICATORS = [
    Indicator("h", IndicatorKind.BOT_HANDLE, "@unveilme_trial_bot", "f"),
    Indicator("c", IndicatorKind.DOMAIN, "clothesgone.test", "f"),
    Indicator("r", IndicatorKind.DOMAIN, "revealpix-pro.example", "f"),
    Indicator("k", IndicatorKind.KEYWORD, "undress any selfie", "f"),
    Indicator("s", IndicatorKind.KEYWORD, "strip her pics", "f"),
]
INDEX = CompiledIndicators(INDICATORS)


def _hits(text: str) -> set[str]:
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    return {h.indicator.id for h in INDEX.match(text, views, PARSER, urls)}


def _steps(text: str) -> set[str]:
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    return {s for h in INDEX.match(text, views, PARSER, urls) for s in h.steps}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Unicode's confusables data (UTS #39) reads Cherokee capitals and small letters...
        ("try @UNᏙᎬᎥᏞᎷᎬ_ᎢᎡᎥᎪᏞ_ᏴOᎢ now", {"h"}),
        ("try ꮯꮮothesgone.test now", {"c"}),
        # ...but Cherokee prose stays prose.
        ("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ class on tuesday, any selfie welcome", set()),
        # Symbols named after a letter: regional indicators, negative circled and squared...
        ("try 🇨\u200b🇱\u200b🇴\u200b🇹\u200b🇭\u200b🇪\u200b🇸\u200b🇬\u200b🇴\u200b🇳\u200b🇪.test", {"c"}),
        ("try 🅤🅝🅓🅡🅔🅢🅢 🅰🅽🆈 🆂🅴🅻🅵🅸🅴", {"k"}),
        # ...but flags and the parking sign in ordinary posts make no word.
        ("watch 🇩🇪 vs 🇪🇸 tonight, 🅿️ behind the tailor, any selfie counts", set()),
        # HTML character references are decoded...
        ("try &#64;unvei&#108;me&#95;trial&#x5f;bot now", {"h"}),
        ("try clothesgone&#x2e;test now", {"c"}),
        # A numeric reference without its ";" is read as a browser reads it...
        ("try &#64unvei&#108me&#95trial&#95bot now", {"h"}),
        ("try clothesgone&#46test now", {"c"}),
        # ...unless they spell a control character, and "&amp;" never joins words.
        ("try clothesgone&#10;test now", set()),
        ("undress &amp; any selfie &quot;rules&quot;", set()),
        ("ticket &#1 and &#2 sold, any selfie with the band", set()),
        # A hyphen at the end of a line inside a word is a typeset wrap...
        ("ask @unve-\nilme_trial_bot", {"h"}),
        ("undr-\ness any selfie", {"k"}),
        # ...but a hyphen after a space is a dash between words.
        ("undress -\nany selfie, clothes -\ngone.test", set()),
        # A spaced-out host whose own dot was written as a space or a spaced dot...
        ("try c.l.o.t.h.e.s.g.o.n.e t.e.s.t lol", {"c"}),
        ("try c.l.o.t.h.e.s.g.o.n.e . t.e.s.t now", {"c"}),
        ("try c l o t h e s g o n e . test", {"c"}),
        ("try r e v e a l p i x - p r o . e x a m p l e", {"r"}),
        # ...is read as a host only: the same gap in a phrase stays a word break.
        ("try s.t.r.i.p h.e.r p.i.c.s now", {"s"}),
        ("c.l.o.t.h.e.s g.o.n.e for winter", set()),
        # Markdown emphasis, code marks and backslash escapes...
        ("try `undress` *any* **selfie** now", {"k"}),
        ("try **undress** _any_ ~~selfie~~", {"k"}),
        ("try **@unveilme\\_trial\\_bot**", {"h"}),
        # ...but marks inside a name are part of it.
        ("try @unveilme_trial_bot_v2 and `undress` the mannequin for any selfie", set()),
        # "+" is a space in a URL's query string...
        (
            "see https://search.example/?q=%75%6E%64%72%65%73%73+%61%6E%79+%73%65%6C%66%69%65",
            {"k"},
        ),
        # ...and nowhere else.
        ("c++ tips: undress + any selfie are unrelated words", set()),
        # A dot in any brackets, with or without spaces.
        ("try revealpix-pro<.>example now", {"r"}),
        ("try clothesgone[ . ]test or clothesgone( dot )test", {"c"}),
        ("the emoticon <.> is not a host, clothesgone neither", set()),
        # " . " between spaced letters, with the handle's underscores and the host's hyphen...
        ("try @U . N . v . e . i . L . M . e . _ . T . r . I . a . L . _ . B . O . T", {"h"}),
        ("try R . E . V . e . a . l . p . i . X . - . p . r . O.example", {"r"}),
        ("try @u.n.v.e.i.l.m.e._.t.r.i.a.l._.b.o.t lol", {"h"}),
        # ...but any other mark between the spaced parts still ends the run.
        ("try @u . n . v . e . i . l . m . e , t . r . i . a . l . _ . b . o . t", set()),
    ],
)
def test_fresh_rules_and_their_benign_counter_examples(text: str, expected: set[str]) -> None:
    assert _hits(text) == expected, text


def test_new_steps_are_named_in_evidence() -> None:
    assert "html_entities" in _steps("try clothesgone&#x2e;test")
    assert "markup" in _steps("try `undress` *any* **selfie**")
    assert "homoglyph" in _steps("try @UNᏙᎬᎥᏞᎷᎬ_ᎢᎡᎥᎪᏞ_ᏴOᎢ")
    assert "compatibility" in _steps("try 🅤🅝🅓🅡🅔🅢🅢 🅰🅽🆈 🆂🅴🅻🅵🅸🅴")


def test_an_encoded_plus_stays_a_plus() -> None:
    views = build_views("https://shop.example/?q=a%2Bb+c", is_suffix=PARSER.has_suffix)
    assert views.base.text == "https://shop.example/?q=a+b c"


def test_entity_hits_quote_the_original_span() -> None:
    text = "see clothesgone&#46;test!"
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    (hit,) = list(INDEX.match(text, views, PARSER, urls))
    assert text[hit.start : hit.end] == "clothesgone&#46;test"
