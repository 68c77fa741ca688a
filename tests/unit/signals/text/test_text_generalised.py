"""The fifth session's generalisations of the text matcher: each must read what it was written
for and leave benign posts of the same *form* alone.

Escapes in more syntaxes (ES6 ``\\u{..}``, ``\\U........``, octal, ``%uXXXX``, a link
percent-encoded twice), bytes written in hex, and more (see the sections below). Indicators are
made up and named by no benchmark set.
"""

from __future__ import annotations

import pytest

from shieldwall.signals.text import (
    DomainParser,
    Indicator,
    IndicatorKind,
    TextIndicatorSignal,
    build_views,
)
from shieldwall.signals.text.decoders import readings

INDICATORS = [
    Indicator("h", IndicatorKind.BOT_HANDLE, "@quiltshade_promo_bot", "f", 0.9),
    Indicator("d", IndicatorKind.DOMAIN, "drapeswap-studio.test", "f", 0.9),
    Indicator("s", IndicatorKind.DOMAIN, "silkless.example", "f", 0.9),
    Indicator("k", IndicatorKind.KEYWORD, "peel any blouse away", "f", 0.7),
]
SIGNAL = TextIndicatorSignal(INDICATORS)
PARSER = DomainParser()


def _ids(text: str) -> set[str]:
    return {
        line.split(" matched indicator ")[1].split(" ")[0]
        for line in SIGNAL.evaluate(text).evidence
    }


def _evidence(text: str) -> str:
    (line,) = SIGNAL.evaluate(text).evidence
    return line


def _base(text: str) -> str:
    return build_views(text, is_suffix=PARSER.has_suffix).base.text


# --- escapes in more syntaxes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("\\u{71}uilt", "quilt"),  # ES6 code-point escape
        ("\\u{1F457} dress", "👗 dress"),
        ("\\U00000071uilt", "quilt"),  # Python's eight-digit escape
        ("\\161uilt", "quilt"),  # octal
        ("%u0071uilt", "quilt"),  # the old escape() form
        ("%2571uilt", "quilt"),  # percent-encoded twice
        ("%25%37%31uilt", "%71uilt"),  # the inner escape spelled out is not decoded again
    ],
)
def test_more_escape_syntaxes_are_decoded(written: str, read: str) -> None:
    assert _base(written) == read


def test_escaped_handle_is_found_and_the_step_named() -> None:
    line = _evidence("try %u0040quilt\\u{73}hade_\\160romo%255Fbot now")
    assert "indicator h " in line
    assert "escapes" in line or "percent" in line


@pytest.mark.parametrize(
    "text",
    [
        "js tip: '\\u{1F600}' works in template literals, %u00E9 is the old IE form",
        "the path is C:\\100\\files and \\U0010FFFF is the last code point",
        "search link https://search.example/?q=silk%2520scarf is double encoded by mistake",
        "\\u{110000} is past the last code point, \\U99999999 too",
    ],
)
def test_benign_escapes_stay_benign(text: str) -> None:
    assert _ids(text) == set()


def test_an_escape_past_the_last_code_point_stays_as_written() -> None:
    assert _base("\\u{110000}") == "\\u{110000}"


# --- hex bytes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        "0x" + b"@quiltshade_promo_bot".hex(),
        b"drapeswap-studio.test".hex(),
        " ".join(f"{b:02x}" for b in b"peel any blouse away"),
        ":".join(f"{b:02X}" for b in b"silkless.example"),
    ],
)
def test_hex_bytes_are_decoded(body: str) -> None:
    line = _evidence(f"new mirror, hex {body} enjoy")
    assert "decoding bytes written in hex" in line


@pytest.mark.parametrize(
    "text",
    [
        "the hex colour for the logo is #e3c9b5, close to beige",  # three bytes: too short
        "PNG header: 89 50 4e 47 0d 0a 1a 0a",  # decodes to control characters
        "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "GIF header 47 49 46 38 39 61, MAC 00:1a:2b:3c:4d:5e",
    ],
)
def test_benign_hex_stays_benign(text: str) -> None:
    assert _ids(text) == set()


def test_hex_that_is_not_text_gives_no_reading() -> None:
    assert [r for r in readings("mac 00:1a:2b:3c:4d:5e and 89 50 4e 47 0d 0a 1a 0a") if r] == []


# --- reverse-DNS names ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "get the app test.drapeswap-studio from the side store",
        "package example.silkless.android is back",
        "app id: test.drapeswap-studio.app",
    ],
)
def test_reverse_dns_names_are_read_label_by_label(text: str) -> None:
    line = _evidence(text)
    assert "reverse-DNS" in line


@pytest.mark.parametrize(
    "text",
    [
        "package name is org.silkhouse.camera, not com.silkhouse.camera",
        "the test.example suffixes are reserved for documentation",
        "example.silk and test.drapes are made-up names",
    ],
)
def test_benign_reverse_dns_names_stay_benign(text: str) -> None:
    assert _ids(text) == set()


# --- a word or symbol for the dot ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "visit drapeswap-studio kropka test tonight",  # Polish
        "drapeswap-studio[punto]test",  # Spanish, bracketed
        "silkless 点 example",  # Chinese, spaced
        "silkless点example",  # unspaced
        "silkless τελεία example",  # Greek
        "silkless ✱ example",  # a symbol no table lists
    ],
)
def test_a_word_for_the_dot_is_read_as_the_dot(text: str) -> None:
    line = _evidence(text)
    assert "as the dot" in line or "indicator s " in line


@pytest.mark.parametrize(
    "text",
    [
        "kropka nad i: the dress finally fits after the tailor at the gallery",
        "zdanie kończy się kropką, a adres to sklep kropka example",  # not a listed name
        "silkless for example, or drapeswap-studio as a test",  # English words part prose
        "silkless, test it; silkless - example; silkless's test",
        "silkless test and silkless example",  # a plain space is never the dot
        "the silkless look: dot matrix example",
        "drapeswap-studio%0Atest and silkless\\u000aexample",  # control-character escapes
    ],
)
def test_benign_words_between_names_and_suffixes_stay_benign(text: str) -> None:
    assert _ids(text) == set()


def test_a_name_inside_a_longer_name_is_not_read() -> None:
    assert _ids("mysilkless kropka example and old-silkless kropka example") == set()


# --- each word reversed in place -----------------------------------------------------------


def test_each_word_reversed_where_it_stands_is_read() -> None:
    line = _evidence("new trick: leep yna esuolb yawa, works")
    assert "reading each word backwards where it stands" in line


def test_reversed_words_of_benign_prose_stay_benign() -> None:
    assert _ids("stressed is desserts backwards, and a blouse is esuolb") == set()


# --- short domains with their vowels censored ---------------------------------------------


@pytest.mark.parametrize("text", ["try s*lkl*ss.example now", "s••lkl•ss.example works"])
def test_a_short_domain_without_vowels_is_read_before_its_written_suffix(text: str) -> None:
    assert "vowels dropped" in _evidence(text)


@pytest.mark.parametrize(
    "text",
    [
        "s*lkl*ss example",  # no written dot
        "s*lkl*ss.test",  # another suffix
        "slklss, example",
        "the skulls example from class",  # vowels changed, not dropped
    ],
)
def test_a_short_domain_without_its_suffix_is_not_read(text: str) -> None:
    assert _ids(text) == set()
