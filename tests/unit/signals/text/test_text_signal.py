"""What a moderator sees from the text indicator signal: scores, labels and evidence."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from shieldwall.signals.text import (
    DomainParser,
    Indicator,
    IndicatorKind,
    IndicatorSet,
    InvalidIndicatorError,
    TextIndicatorSignal,
)
from shieldwall.signals.text.signal import MAX_TEXT_CHARS

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def _signal(*indicators: Indicator) -> TextIndicatorSignal:
    return TextIndicatorSignal(indicators, clock=lambda: NOW)


HANDLE = Indicator("17", IndicatorKind.BOT_HANDLE, "@undress_demo_bot", "demo-feed", 0.9)
DOMAIN = Indicator("20", IndicatorKind.DOMAIN, "nudify-demo.example", "demo-feed", 0.6)
RAPIST = Indicator("40", IndicatorKind.KEYWORD, "rapist", "words", 0.5)


def test_evidence_names_the_indicator_feed_original_span_and_the_evasion() -> None:
    text = "try @undress\u200b_demo_bot now"
    result = _signal(HANDLE).evaluate(text)
    assert result.signal == "text_indicators" and result.version
    assert result.score == 0.9
    assert result.labels == ("nudify_bot_handle",)
    (line,) = result.evidence
    assert line.startswith("bot handle @undress_demo_bot matched indicator 17 from feed demo-feed")
    assert "after removing zero-width or bidi control characters" in line
    assert '"@undress\\u200b_demo_bot" at 4-22' in line
    assert text[4:22] == "@undress\u200b_demo_bot"


def test_a_plain_hit_says_no_normalisation_was_needed() -> None:
    (line,) = _signal(HANDLE).evaluate("ask @undress_demo_bot").evidence
    assert line.endswith("as written")


def test_several_evasions_are_all_named() -> None:
    (line,) = _signal(DOMAIN).evaluate("go to hxxps://nudify-d\u0435m0[.]example now").evidence
    for phrase in ("re-fanging", "look-alike letters", "leetspeak"):
        assert phrase in line, line


def test_score_is_the_highest_confidence_and_labels_cover_every_kind() -> None:
    result = _signal(HANDLE, DOMAIN).evaluate("@undress_demo_bot or nudify-demo.example")
    assert result.score == 0.9
    assert result.labels == ("nudify_bot_handle", "nudify_domain")
    assert len(result.evidence) == 2


def test_keywords_match_whole_words_only() -> None:
    signal = _signal(RAPIST)
    assert signal.evaluate("my therapist is kind").score == 0.0
    assert signal.evaluate("the r a p i s t was arrested").score == 0.5


def test_page_url_and_link_targets_are_checked_and_named() -> None:
    result = _signal(DOMAIN).evaluate(
        "nice pics", url="https://forum.test/t/1", link_targets=["https://x.nudify-demo.example/a"]
    )
    assert result.score == 0.6
    assert "(link target 1 " in result.evidence[0]


def test_a_shortener_is_labelled_but_does_not_score() -> None:
    result = _signal(DOMAIN).evaluate("see https://bit.ly/3abc")
    assert result.score == 0.0
    assert result.labels == ("url_shortener",)
    assert "URL shortener bit.ly" in result.evidence[0]


def test_expired_and_removed_indicators_stop_matching() -> None:
    expired = Indicator(
        "9", IndicatorKind.DOMAIN, "old-nudify.test", "f", 0.7, expires_at=NOW - timedelta(1)
    )
    indicators = IndicatorSet([HANDLE, expired])
    signal = TextIndicatorSignal(indicators, clock=lambda: NOW)
    assert signal.evaluate("old-nudify.test").score == 0.0
    assert signal.evaluate("@undress_demo_bot").score == 0.9
    assert indicators.remove("demo-feed", "17")
    assert signal.evaluate("@undress_demo_bot").score == 0.0
    indicators.add(DOMAIN)
    assert signal.evaluate("nudify-demo.example").score == 0.6


def test_look_alike_domains_and_handles_are_not_hits() -> None:
    signal = _signal(HANDLE, DOMAIN)
    for text in (
        "@undress_demo_bottle",
        "nudify-demo.example.org",
        "notnudify-demo.example",
        "mail me at x@nudify-demo.examples.test",
    ):
        assert signal.evaluate(text).score == 0.0, text


def test_oversized_text_is_cut_and_says_so() -> None:
    text = "a " * MAX_TEXT_CHARS + "@undress_demo_bot"
    result = _signal(HANDLE).evaluate(text)
    assert result.score == 0.0
    assert "cut to its first" in result.evidence[0]


def test_domains_need_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    parser = DomainParser()
    assert parser.registrable("a.b.nudify-demo.example") == "nudify-demo.example"
    assert parser.registrable("foo.bar.co.uk") == "bar.co.uk"
    assert parser.registrable("notes.txt") == ""


@pytest.mark.parametrize(
    ("kind", "value", "confidence"),
    [
        ("domain", "https://x.test/path", 0.5),
        ("keyword", "   ", 0.5),
        ("bot_handle", "@x_bot", 1.5),
        ("bot_handle", "@x_bot", float("nan")),
        ("phone", "123", 0.5),
    ],
)
def test_invalid_indicators_are_refused_with_a_stable_code(
    kind: str, value: str, confidence: float
) -> None:
    with pytest.raises(InvalidIndicatorError) as info:
        Indicator("1", kind, value, "f", confidence)  # type: ignore[arg-type]
    assert info.value.code == "invalid_record"


def test_values_are_canonicalised_so_feeds_agree() -> None:
    a = Indicator("1", IndicatorKind.DOMAIN, "WWW.Nudify-Demo.example.", "f")
    b = Indicator("2", IndicatorKind.BOT_HANDLE, "@Undress_Demo_Bot", "f")
    assert a.value == "nudify-demo.example"
    assert b.value == "undress_demo_bot"
