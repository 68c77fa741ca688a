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
