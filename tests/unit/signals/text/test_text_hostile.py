"""Hostile input never crashes the text signal and never costs time quadratic in its length.

Each long post here took minutes before a fix (a regex that rescanned a run of spaces from
every space; tldextract given a "host" of thousands of labels); the timeout catches a return
of either. The sizes are a fifth of ``MAX_TEXT_CHARS``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.signals.text import Indicator, IndicatorKind, IndicatorSet, TextIndicatorSignal

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
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_long_hostile_posts_finish_without_a_hit(name: str) -> None:
    result = SIGNAL.evaluate(HOSTILE[name])
    assert result.score == 0.0


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
