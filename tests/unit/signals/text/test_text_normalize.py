"""Properties of normalisation: offsets point back at the original, evasions are undone."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.signals.text import DomainParser, Indicator, IndicatorKind, build_views
from shieldwall.signals.text.matcher import CompiledIndicators
from shieldwall.signals.text.rewrite import Edit, View, apply_edits
from shieldwall.signals.text.urls import find_urls

PARSER = DomainParser()


@st.composite
def _edited(draw: st.DrawFn) -> tuple[str, list[Edit]]:
    text = draw(st.text(alphabet="abcdef ", min_size=0, max_size=40))
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for a, b in zip(cuts[::2], cuts[1::2], strict=False):
        edits.append(Edit(a, b, draw(st.text(alphabet="XYZ", max_size=3)), "s"))
    return text, edits


@given(_edited())
def test_untouched_characters_map_back_to_themselves(case: tuple[str, list[Edit]]) -> None:
    text, edits = case
    out, _ = apply_edits(text, edits)
    view = View(text).then(edits)
    assert view.text == out
    for i, char in enumerate(out):
        if char in "XYZ":
            continue
        start, end, steps = view.origin(i, i + 1)
        assert (end - start, text[start]) == (1, char)
        assert not steps


@given(
    st.text(alphabet="nudify ", min_size=1, max_size=30),
    st.lists(st.sampled_from(["\u200b", "\u200d", "\u2060", "\ufeff", "\u202e"]), max_size=5),
    st.data(),
)
def test_removed_invisible_characters_never_shift_spans(
    text: str, junk: list[str], data: st.DataObject
) -> None:
    dirty = text
    for char in junk:
        at = data.draw(st.integers(0, len(dirty)))
        dirty = dirty[:at] + char + dirty[at:]
    view = build_views(dirty, is_suffix=PARSER.has_suffix).base
    assert view.text == text
    for m in re.finditer(r"\w+", view.text):
        start, end, _ = view.origin(m.start(), m.end())
        assert "".join(c for c in dirty[start:end] if c.isprintable()) == m.group()


KEYWORD = Indicator("1", IndicatorKind.KEYWORD, "nudify any photo", "f")
INDEX = CompiledIndicators([KEYWORD])


def _hits(text: str) -> set[str]:
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    return {h.indicator.id for h in INDEX.match(text, views, PARSER, urls)}


@settings(max_examples=60)
@given(
    st.sampled_from(["", "Buy: ", "hey\n", "🔥 "]),
    st.lists(st.sampled_from(["\u200b", "-", "upper", "cyr", "leet"]), max_size=3),
    st.sampled_from(["", " now", "!", " 👇"]),
)
def test_the_keyword_survives_combined_evasions(head: str, tricks: list[str], tail: str) -> None:
    phrase = "nudify any photo"
    for trick in tricks:
        if trick == "upper":
            phrase = phrase.upper()
        elif trick == "cyr":
            phrase = phrase.replace("o", "о").replace("a", "а")
        elif trick == "leet":
            phrase = phrase.replace("o", "0").replace("i", "1")
        else:
            phrase = " ".join(
                trick.join(word[i : i + 2] for i in range(0, len(word), 2))
                for word in phrase.split(" ")
            )
    assert _hits(head + phrase + tail) == {"1"}, head + phrase + tail


def test_plain_ascii_text_is_only_lowercased() -> None:
    text = "Plain Text, with URLs like https://example.com/a?b=c and numbers 2024."
    views = build_views(text, is_suffix=PARSER.has_suffix)
    assert views.base.text == text.lower()
    assert views.base.stages == []


def test_spaced_letters_join_only_runs_of_single_characters() -> None:
    views = build_views("n u d i f y any photo, i am a b c", is_suffix=PARSER.has_suffix)
    assert views.words.text == "nudify any photo, i am abc"


def test_spoken_dots_join_only_before_a_public_suffix() -> None:
    assert (
        "nudify-demo.example"
        in build_views("nudify-demo dot example", is_suffix=PARSER.has_suffix).base.text
    )
    assert build_views("connect the dot then", is_suffix=PARSER.has_suffix).base.text == (
        "connect the dot then"
    )


# Families found by bench/bench_text_heldout.py's tuning half (its held-out half is never
# used for tests or tuning).
SEPARATED = [
    Indicator("d", IndicatorKind.DOMAIN, "deepundress.test", "f"),
    Indicator("h", IndicatorKind.BOT_HANDLE, "@clothoff_demo_bot", "f"),
]
SEPARATED_INDEX = CompiledIndicators(SEPARATED)


def _separated_hits(text: str) -> set[str]:
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    return {h.indicator.id for h in SEPARATED_INDEX.match(text, views, PARSER, urls)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("try d•e•e•p•u•n•d•r•e•s•s.test now", {"d"}),
        ("try d/e/e/p/u/n/d/r/e/s/s.test now", {"d"}),
        ("try deepundress [dot] test now", {"d"}),
        ("try deepundress d0t test now", {"d"}),
        ("try deepundr\ness.test now", {"d"}),
        ("ask @clothoff\n_demo_bot", {"h"}),
        # Benign: a line break between words never joins them into something else, and
        # separators in ordinary prose stay prose.
        ("deep\nundress.example is not it", set()),
        ("A/B/C testing at deepmind.example", set()),
    ],
)
def test_separated_and_broken_hosts_are_read_back(text: str, expected: set[str]) -> None:
    assert _separated_hits(text) == expected


# Rules added from bench/bench_text_heldout.py's misses (both of its halves are tuning data
# now, and so is bench/bench_text_fresh.py). Each rule has a benign counter-example.
TUNED = [
    Indicator("n", IndicatorKind.DOMAIN, "nakedify-app.example", "f"),
    Indicator("d", IndicatorKind.DOMAIN, "deepundress.test", "f"),
    Indicator("p", IndicatorKind.DOMAIN, "peelai.test", "f"),
    Indicator("k", IndicatorKind.KEYWORD, "see through any outfit", "f"),
    Indicator("t", IndicatorKind.KEYWORD, "tease", "f"),
]
TUNED_INDEX = CompiledIndicators(TUNED)


def _tuned_hits(text: str) -> set[str]:
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    return {h.indicator.id for h in TUNED_INDEX.match(text, views, PARSER, urls)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A hyphen between two separators is the hyphen of a spaced-out host...
        ("try n•a•k•e•d•i•f•y•-•a•p•p.example", {"n"}),
        ("try n_a_k_e_d_i_f_y_-_a_p_p.example", {"n"}),
        ("try n a k e d i f y - a p p.example", {"n"}),
        # ...but any other mark between the spaced parts still ends the run.
        ("try n a k e d i f y, a p p.example", set()),
        ("try n•a•k•e•d•i•f•y•+•a•p•p.example", set()),
        # Percent-escapes are decoded wherever they are...
        ("try deepundress%2Etest now", {"d"}),
        ("try %64%65%65%70%75%6E%64%72%65%73%73%2E%74%65%73%74 now", {"d"}),
        ("try https://%70%65%65%6C%61%69%2E%74%65%73%74/ now", {"p"}),
        # ...unless they spell a control character or broken UTF-8.
        ("try deepundress%0Atest now", set()),
        ("try deepundress%E2%2Etest now", set()),
        # Leetspeak in the last label of a host is read when that makes it a public suffix...
        ("try d33pundr355.t35t now", {"d"}),
        ("try p33lai.τ35τ now", {"p"}),
        # ...but a number is never read as a host, and a label that is no suffix stays one.
        ("it went from 3.14 to 1.57, peelai.t35 is a typo", set()),
        # An all-digit leet token counts inside a phrase that also has letters...
        ("try it, 533 through any outfit", {"k"}),
        ("try it, 533 thr0ugh 4ny 0utf1t", {"k"}),
        # ...but a bare number never matches a word on its own.
        ("order 73453 shipped, ref 7 3 4 5 3", set()),
    ],
)
def test_tuned_rules_and_their_benign_counter_examples(text: str, expected: set[str]) -> None:
    assert _tuned_hits(text) == expected, text


def test_percent_decoding_is_reported_and_maps_back() -> None:
    text = "see deepundress%2Etest"
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    (hit,) = list(TUNED_INDEX.match(text, views, PARSER, urls))
    assert text[hit.start : hit.end] == "deepundress%2Etest"
    assert "percent_encoding" in hit.steps
