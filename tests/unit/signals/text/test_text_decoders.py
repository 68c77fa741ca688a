"""Decoders and skeleton matching: what a user notices, and what must still not match.

Each decoder (``decoders``: base64/base32 tokens, upside-down text; ``escapes``: ``\\u``/``\\x``
escapes; ``fuzzy``: letters alone, shifts, reversal, dropped vowels) gets posts it must read
and benign posts of the same *form* it must leave alone. Indicators are made up and named by
no benchmark set.
"""

from __future__ import annotations

import base64
import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.signals.text import (
    DomainParser,
    Indicator,
    IndicatorKind,
    TextIndicatorSignal,
    build_views,
)
from shieldwall.signals.text.decoders import MAX_TOKEN_CHARS, readings, unflip
from shieldwall.signals.text.fuzzy import (
    MIN_LETTERS,
    MIN_SHIFTED_LETTERS,
    SkeletonIndex,
    _Stream,
    indicator_letters,
    letter_stream,
    shift_key,
)
from shieldwall.signals.text.matcher import CompiledIndicators, Hit
from shieldwall.signals.text.rewrite import View
from shieldwall.signals.text.urls import find_urls

INDICATORS = [
    Indicator("h", IndicatorKind.BOT_HANDLE, "@glassdrape_demo_bot", "f", 0.9),
    Indicator("d", IndicatorKind.DOMAIN, "unrobe-studio.test", "f", 0.9),
    Indicator("k", IndicatorKind.KEYWORD, "undress every picture", "f", 0.7),
    Indicator("s", IndicatorKind.DOMAIN, "nudo.test", "f", 0.9),
]
SIGNAL = TextIndicatorSignal(INDICATORS)
PARSER = DomainParser()
INDEX = CompiledIndicators(INDICATORS)


def _ids(text: str) -> set[str]:
    return {
        line.split(" matched indicator ")[1].split(" ")[0]
        for line in SIGNAL.evaluate(text).evidence
    }


def _evidence(text: str) -> str:
    (line,) = SIGNAL.evaluate(text).evidence
    return line


def _rot(text: str, shift: int) -> str:
    return "".join(chr((ord(c) - 97 + shift) % 26 + 97) if "a" <= c <= "z" else c for c in text)


# --- code escapes ------------------------------------------------------------------------


def test_code_escapes_are_decoded_and_named() -> None:
    line = _evidence("ask \\u0040gl\\x61ssdrape_\\u0064emo_bot today")
    assert "decoding \\u or \\x escapes" in line


@pytest.mark.parametrize(
    "text",
    [
        "unrobe-studio\\u000atest",  # a control character stays as written
        "the JSON said \\u0022caf\\u00e9\\u0022 and \\x41 is A",
    ],
)
def test_code_escapes_that_spell_nothing_listed_stay_benign(text: str) -> None:
    assert _ids(text) == set()


def test_escapes_are_decoded_once_not_recursively() -> None:
    views = build_views("\\u005cu0041", is_suffix=PARSER.has_suffix)
    assert views.base.text == "\\u0041"


# --- base64 / base32 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encode", "prefix"),
    [
        (lambda b: base64.b64encode(b).decode(), "b64: "),
        (lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="), "token "),
        (lambda b: base64.b32encode(b).decode(), "base32 "),
        (lambda b: base64.urlsafe_b64encode(b).decode().rstrip("="), "https://x.example/?token="),
    ],
)
def test_encoded_tokens_are_decoded(encode: object, prefix: str) -> None:
    token = encode(b"https://unrobe-studio.test/join")  # type: ignore[operator]
    text = f"new mirror {prefix}{token} enjoy"
    line = _evidence(text)
    assert f'"{token}"' in line or token[:20] in line
    assert "base" in line


@pytest.mark.parametrize(
    "text",
    [
        "the API token looks like aGVsbG8gd29ybGQ=, don't paste yours",
        "JWT header eyJhbGciOiJIUzI1NiJ9 is public anyway",
        "2FA secret JBSWY3DPEHPK3PXP (a well-known example)",
        "internationalization and characterization are long words",
        "see https://shop.example/item?id=abcdefghijklmnop&ref=newsletter2024 for the dress",
    ],
)
def test_benign_tokens_decode_to_nothing_listed(text: str) -> None:
    assert _ids(text) == set()


def test_a_token_over_the_limit_is_not_decoded() -> None:
    blob = base64.b64encode(b"unrobe-studio.test " * (MAX_TOKEN_CHARS // 10)).decode()
    assert len(blob) > MAX_TOKEN_CHARS
    assert readings(blob) == []


# --- upside-down -------------------------------------------------------------------------


def test_upside_down_text_is_turned_the_right_way_up() -> None:
    flipped = "ʇoq‾oɯǝp‾ǝdɐɹpssɐlƃ@"
    assert unflip(flipped) == "@glassdrape_demo_bot"
    assert "upside-down" in _evidence(f"dm {flipped} now")


def test_one_turned_letter_is_not_upside_down_writing() -> None:
    assert unflip("the schwa ǝ is a vowel") == ""


# --- skeleton: letters alone -------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "dm @g|l/a\\s~s^d|r/a~p^e_demo_bot",  # a different separator in every gap
        "dm @gglassssdrraape__deemo_boot",  # doubled and stretched letters
        "visit unrobe-studio٫test",  # a dot look-alike no table lists
        "#UnrobeStudioTest",  # a camel-case hashtag
        "undr ess ever y pict ure",  # spaces inside words
        "und👍🏻ress every pi✨cture",  # emoji inside words
        "visit (u)(n)(r)(o)(b)(e)-(s)(t)(u)(d)(i)(o).(t)(e)(s)(t)",
        "https://l.example/redirect?to=https://unrobe-studio.test/go",
    ],
)
def test_letters_alone_find_separated_indicators(text: str) -> None:
    assert _ids(text) - {"s"}, text


@pytest.mark.parametrize(
    "text",
    [
        "see xunrobestudiotest for the parody",  # inside a longer word
        "unrobe-studio.test.org is somebody else",  # a longer host
        "the unrobe studio test is on friday",  # the dot as a plain space: three words
        "undress & every picture frame",  # "&" joins words
        "undress, every picture",  # so does a comma
        "undress - every picture",  # and a dash between spaces
        "nudo test",  # too short to be read by its letters alone
        "glassdrape42demobot",  # digits are content, not separators
    ],
)
def test_letters_alone_keep_word_and_host_boundaries(text: str) -> None:
    assert _ids(text) == set(), text


# --- skeleton: shifts, reversal, dropped vowels --------------------------------------------


@pytest.mark.parametrize("shift", [1, 3, 13, 25])
def test_letter_shifts_are_undone_and_named(shift: int) -> None:
    line = _evidence("rot: @" + _rot("glassdrape_demo_bot", shift) + " ok")
    assert ("rot13" in line) if shift == 13 else ("Caesar" in line)


@pytest.mark.parametrize(
    "text",
    ["reverse: tob_omed_epardssalg@", "\u202etob_omed_epardssalg@\u202c", "erutcip yreve sserdnu"],
)
def test_reversed_text_is_read_backwards(text: str) -> None:
    assert "reading the text backwards" in _evidence(text)


def test_dropped_vowels_match_by_consonants() -> None:
    assert "consonants alone" in _evidence("dm @glssdrp_dm_bt for it")


@pytest.mark.parametrize(
    "text",
    [
        "glossdrop demo bit",  # other vowels are other words: only dropping is allowed
        "the glassdrape demo beat",  # vowels added where the indicator has none
    ],
)
def test_consonants_do_not_match_changed_vowels(text: str) -> None:
    assert _ids(text) == set(), text


# --- properties --------------------------------------------------------------------------

FRAMES = st.sampled_from(["{}", "try {} now", "pinned: {} | backup", "({}) lol"])
NOISE = st.text(
    alphabet=st.sampled_from(list("abc xyz.,;-_|/@#%&+0123\\=ɐǝ\u202e\u200b👍")), max_size=30
)


@settings(max_examples=150, deadline=None)
@given(NOISE, NOISE, st.sampled_from(["@glassdrape_demo_bot", "unrobe-studio.test"]))
def test_decoders_never_lose_or_change_an_exact_hit(left: str, right: str, mention: str) -> None:
    """Whatever surrounds an exact mention, the plain reading's hit is reported as it was."""
    text = f"{left} {mention} {right}"
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    exact: dict[str, Hit] = {}
    for hit in INDEX._match_exact(text, views, PARSER, urls):
        exact.setdefault(hit.indicator.id, hit)  # the signal reports the first
    result = SIGNAL.evaluate(text)
    for ind_id, hit in exact.items():
        lines = [line for line in result.evidence if f"indicator {ind_id} " in line]
        assert len(lines) == 1
        assert f"at {hit.start}-{hit.end})" in lines[0]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 25), FRAMES, st.sampled_from([False, True]))
def test_any_shift_either_way_round_is_found(shift: int, frame: str, backwards: bool) -> None:
    mention = _rot("@glassdrape_demo_bot", shift)
    text = frame.format(mention[::-1] if backwards else mention)
    assert "h" in _ids(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz .-,1", max_size=40), st.integers(1, 25))
def test_shift_key_is_the_same_for_every_shift(text: str, shift: int) -> None:
    stream = letter_stream(text)
    assert letter_stream(stream) == stream
    assert shift_key(letter_stream(_rot(text, shift))) == shift_key(stream)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_readings_map_back_inside_the_post(text: str) -> None:
    for reading in readings(text):
        start, end = reading.origin(0, len(reading.text))
        assert 0 <= start <= end <= len(text)


def test_rot13_of_benign_prose_stays_benign() -> None:
    prose = "the gallery opens on friday, bring the whole family and a picnic"
    assert _ids(codecs.encode(prose, "rot13")) == set()
    assert _ids(prose[::-1]) == set()


def test_a_short_indicator_is_read_by_its_letters_but_not_shifted_or_backwards() -> None:
    signal = TextIndicatorSignal([Indicator("u", IndicatorKind.DOMAIN, "unrobe.test", "f")])
    assert signal.evaluate("visit #UnrobeTest now").score
    assert not signal.evaluate("visit " + _rot("unrobe.test", 5) + " now").score
    assert not signal.evaluate("visit tset.ebornu now").score


# --- the skeleton automaton against a brute-force twin -------------------------------------


def _naive_shifted_ids(text: str, indicators: list[Indicator]) -> set[str]:
    """Every shift and both directions tried by ``str.find`` over the letter stream."""
    stream = _Stream(text)
    found = set()
    for ind in indicators:
        letters = letter_stream(indicator_letters(ind))
        if len(letters) < MIN_LETTERS or "\x00" in letters:
            continue
        forms = [(letters, 0)] + [(_rot(letters, k), k) for k in range(1, 26)]
        if len(letters) >= MIN_SHIFTED_LETTERS:
            forms += [(form[::-1], 1) for form, _ in list(forms)]
        else:
            forms = forms[:1]
        for form, _ in forms:
            at = stream.letters.find(form)
            while at >= 0:
                if stream.bounded_span(at, at + len(form), vowels=False) is not None:
                    found.add(ind.id)
                at = stream.letters.find(form, at + 1)
    return found


ORACLE_INDICATORS = [
    Indicator("a", IndicatorKind.KEYWORD, "harbour walk tonight", "f"),
    Indicator("b", IndicatorKind.BOT_HANDLE, "@lanternfish_demo_bot", "f"),
    Indicator("c", IndicatorKind.DOMAIN, "quietmoss.test", "f"),
]
ORACLE_INDEX = SkeletonIndex(ORACLE_INDICATORS)
MENTIONS = st.sampled_from(["harbour walk tonight", "lanternfish_demo_bot", "quietmoss.test"])


@settings(max_examples=200, deadline=None)
@given(NOISE, MENTIONS, st.integers(0, 25), st.booleans(), NOISE)
def test_the_skeleton_automaton_finds_what_brute_force_finds(
    left: str, mention: str, shift: int, backwards: bool, right: str
) -> None:
    body = _rot(mention, shift)
    text = f"{left} {body[::-1] if backwards else body} {right}"
    fast = {
        hit.indicator.id
        for hit in ORACLE_INDEX.find(View(text))
        if "vowels_dropped" not in hit.steps
    }
    assert fast == _naive_shifted_ids(text, ORACLE_INDICATORS)
