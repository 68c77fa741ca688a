"""Hostile input never crashes the text signal and never costs time quadratic in its length.

Each long post here took minutes before a fix (a regex that rescanned a run of spaces from
every space; tldextract given a "host" of thousands of labels); the timeout catches a return
of either. The sizes are a fifth of ``MAX_TEXT_CHARS``, plus one post of the full length.
The decoders (a huge base64 blob, thousands of tokens, escapes of escapes, upside-down text)
and the skeleton matcher (near misses on every line, one letter repeated) are here too.
"""

from __future__ import annotations

import base64
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.signals.text import Indicator, IndicatorKind, IndicatorSet, TextIndicatorSignal
from shieldwall.signals.text.signal import MAX_TEXT_CHARS

SIGNAL = TextIndicatorSignal(
    IndicatorSet(
        [
            Indicator("c", IndicatorKind.DOMAIN, "clothesgone.test", "f"),
            Indicator("h", IndicatorKind.BOT_HANDLE, "@unveilme_trial_bot", "f"),
            Indicator("k", IndicatorKind.KEYWORD, "undress any selfie", "f"),
        ]
    )
)
N = 200_000

HOSTILE = {
    "nul": "clothes\x00gone.test \x00&#0;%00" * (N // 30),
    "deep_combining": "c" + "\u0301" * N,
    "entities": "&#46;&#9999999;&x;&amp;" * (N // 25),
    "spaces": " " * N,
    "spaced_letters": "a . " * (N // 4),
    "spaced_runs_with_gaps": "a.b.c . " * (N // 8),
    "spoken_dots": "ab . cd . " * (N // 10) + "test",
    "dotted_labels": "ab." * (N // 3) + "test",
    "percent": "%41%E2" * (N // 6),
    "query_plus": "?q=" + "+" * N,
    "query_marks": "?a=x+" * (N // 5),
    "escapes_and_emphasis": "\\_**a**`" * (N // 8),
    "line_wraps": "a-\n" * (N // 3),
    "named_letters": "🇦🅰Ꭺ" * (N // 3),
    # Decoders and the skeleton matcher (fourth session):
    "base64_blob": base64.b64encode(b"see the harbour at dawn " * (N // 32)).decode(),
    "base64_many_tokens": " ".join(
        base64.b64encode(f"harbour walk number {i}".encode()).decode() for i in range(N // 33)
    ),
    "base32_blob": base64.b32encode(b"x" * (N // 2)).decode()[:N],
    "nested_escapes": "\\u005cu005c" * (N // 11),
    "code_escapes": "\\u0061\\x62" * (N // 10),
    "upside_down": "ɐǝɹʇʍ " * (N // 6),
    "one_letter_run": "s" * N,
    "near_misses": "xclothesgonetestx xtsetenogsehtolcx xclthsgntstx " * (N // 48),
    "runs_across_words": "s s " * (N // 4),
    # Fifth session: new escapes, hex bytes, reverse-DNS names and words for the dot.
    "new_escapes": "\\u{61}\\U00000062\\143%u0064%2565" * (N // 34),
    "hex_pairs": "63 6c 6f " * (N // 9),
    "hex_run": "636c6f" * (N // 6),
    "reverse_dns_labels": "test." * (N // 5) + "clothesgone",
    "names_before_words": "clothesgone kropka " * (N // 19),
    "names_before_brackets": "clothesgone[" * (N // 12),
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_long_hostile_posts_finish_without_a_hit(name: str) -> None:
    result = SIGNAL.evaluate(HOSTILE[name])
    assert result.score == 0.0


@pytest.mark.timeout(60)
def test_a_post_of_the_maximum_length_is_read_in_time() -> None:
    post = ("new recipe for dinner at the harbour, see you there " * 20_000)[:MAX_TEXT_CHARS]
    assert SIGNAL.evaluate(post).score == 0.0


ORDINARY = {
    "base64": "code: " + base64.b64encode(b"meet at the harbour at noon").decode() + " ok " * 300,
    "upside_down": "ʇxǝʇ uʍop ǝpᴉsdn " * 120,
    "escapes": "\\u0061\\x62 caf\\u00e9 " * 100,
    "hex": "bytes 68 61 72 62 6f 75 72 20 77 61 6c 6b, 0x686172626f7572 " * 40,
    "dot_words": "clothesgone kropka tost, clothesgone. test.clothes " * 40,
    "separated": "h|a/r~b^o|u/r w.a.l.k " * 100,
}


@pytest.mark.parametrize("name", sorted(ORDINARY))
def test_an_ordinary_post_with_every_decoder_busy_takes_under_a_tenth_of_a_second(
    name: str,
) -> None:
    """Best of three, so a busy CI machine does not fail it by one slow run."""
    post = ORDINARY[name]
    times = []
    for _ in range(3):
        began = time.perf_counter()
        SIGNAL.evaluate(post)
        times.append(time.perf_counter() - began)
    assert min(times) < 0.1, (len(post), times)


PIECES = st.one_of(
    st.characters(codec="utf-8"),
    st.sampled_from(["\x00", "\u0301", "\u202e", "&#", ";", "%", "+", "?", "=", "\\", "@"]),
    st.sampled_from(["-\n", " . ", "[.]", "`", "**", "_", "&#46;", "%2E", "🇺", "🅰", "Ꮯ"]),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=60).map("".join))
def test_any_text_next_to_a_hit_is_read_without_error(text: str) -> None:
    result = SIGNAL.evaluate("try @unveilme_trial_bot " + text)
    assert result.score is not None and result.score > 0
    assert any("@unveilme_trial_bot" in line for line in result.evidence)
    assert SIGNAL.evaluate(text).score is not None
