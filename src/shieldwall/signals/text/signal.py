"""``TextIndicatorSignal``: does a post, bio, bot description or link advertise a nudify service?

The signal normalises the text (see ``normalize``), matches it against an ``IndicatorSet``
(see ``matcher``) and answers a ``SignalResult`` whose score is the highest confidence among the
indicators found, whose labels say what kind of indicator matched, and whose evidence a
moderator can read without knowing how the matcher works::

    bot handle @undress_demo_bot matched indicator 17 from feed demo-feed
    (text "@undress​_demo_bot" at 12-30) after removing zero-width or bidi control characters

A link through a URL shortener is labelled ``url_shortener`` but does not raise the score: a
shortener hides a destination, it is not evidence of one. Expired indicators never match.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from shieldwall.signals.text.decoders import readings
from shieldwall.signals.text.indicators import Indicator, IndicatorKind, IndicatorSet
from shieldwall.signals.text.matcher import (
    LABELS,
    SHORTENER_LABEL,
    CompiledIndicators,
    Hit,
)
from shieldwall.signals.text.normalize import STEP_PHRASES, Views, build_views
from shieldwall.signals.text.urls import DomainParser, FoundUrl, find_urls
from shieldwall.types import SignalResult

MAX_TEXT_CHARS = 1_000_000
"""Longer inputs are cut here (and the evidence says so): a bio or post is never this long."""

_KIND_PHRASES: dict[IndicatorKind, str] = {
    IndicatorKind.DOMAIN: "domain",
    IndicatorKind.URL_PREFIX: "URL",
    IndicatorKind.BOT_HANDLE: "bot handle",
    IndicatorKind.KEYWORD: "keyword",
    IndicatorKind.APP_ID: "app id",
}
_VIA_PHRASES = {"link": " (Telegram link)", "tg": " (tg:// link)", "mention": ""}
_QUOTE_CHARS = 80


def _utcnow() -> datetime:
    return datetime.now(UTC)


class TextIndicatorSignal:
    """Matches text against nudify-ecosystem indicators.

    Give it an ``IndicatorSet`` and keep adding to or removing from that set: the signal
    recompiles when the set's revision changes. ``clock`` decides which indicators have
    expired; tests pass a fixed one.
    """

    name = "text_indicators"
    version = "1"

    def __init__(
        self,
        indicators: IndicatorSet | Iterable[Indicator],
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._set = indicators if isinstance(indicators, IndicatorSet) else IndicatorSet(indicators)
        self._clock = clock
        self._parser = DomainParser()
        self._compiled: CompiledIndicators | None = None
        self._revision = -1

    def _index(self) -> CompiledIndicators:
        if self._compiled is None or self._revision != self._set.revision:
            self._compiled = CompiledIndicators(self._set)
            self._revision = self._set.revision
        return self._compiled

    def evaluate(
        self, text: str, *, url: str | None = None, link_targets: Sequence[str] = ()
    ) -> SignalResult:
        """Match ``text``, the page ``url`` and each link target; see the module docstring."""
        began = time.perf_counter()
        index = self._index()
        now = self._clock()
        pieces: list[tuple[str, str]] = [("text", text)]
        if url:
            pieces.append(("page URL", url))
        pieces += [(f"link target {i}", t) for i, t in enumerate(link_targets, 1) if t]
        evidence: list[str] = []
        labels: set[str] = set()
        score: float | None = 0.0
        seen: set[tuple[str, str, str]] = set()
        for where, raw in pieces:
            piece = raw[:MAX_TEXT_CHARS]
            if len(raw) > MAX_TEXT_CHARS:
                evidence.append(f"{where} cut to its first {MAX_TEXT_CHARS} characters")
            views = build_views(piece, is_suffix=self._parser.has_suffix)
            urls = list(find_urls(views.base.text, self._parser))
            for hit in self._hits(index, piece, views, urls):
                key = (where, *hit.indicator.key)
                if key in seen or not hit.indicator.is_active(now):
                    continue
                seen.add(key)
                labels.add(LABELS[hit.indicator.kind])
                score = max(score or 0.0, hit.indicator.confidence)
                evidence.append(_describe(hit, where, piece))
            for link in index.shorteners(views, self._parser, urls):
                key = (where, "shortener", link.host)
                if key not in seen:
                    seen.add(key)
                    labels.add(SHORTENER_LABEL)
                    quote = _quote(piece[link.start : link.end])
                    evidence.append(
                        f"{where} links through URL shortener {link.host} ({quote} at "
                        f"{link.start}-{link.end}); its destination was not checked"
                    )
        return SignalResult(
            signal=self.name,
            version=self.version,
            score=score,
            labels=tuple(sorted(labels)),
            evidence=tuple(evidence),
            elapsed_ms=(time.perf_counter() - began) * 1000,
        )

    def _hits(
        self, index: CompiledIndicators, piece: str, views: Views, urls: list[FoundUrl]
    ) -> Iterator[Hit]:
        """Hits in the plain reading of ``piece``, then in each decoded reading (``decoders``).

        The plain reading comes first, so the caller's first-hit-wins deduplication keeps its
        evidence whenever it found the indicator; a decoded reading's hit is reported at the
        span of the post it was decoded from, with the decoding named among the steps.
        """
        yield from index.match(piece, views, self._parser, urls)
        for reading in readings(piece):
            extra = build_views(reading.text, is_suffix=self._parser.has_suffix)
            found = list(find_urls(extra.base.text, self._parser))
            for hit in index.match(reading.text, extra, self._parser, found):
                start, end = reading.origin(hit.start, hit.end)
                yield replace(hit, start=start, end=end, steps=hit.steps | {reading.step})


def _describe(hit: Hit, where: str, original: str) -> str:
    ind = hit.indicator
    shown = f'"{hit.shown_as}"' if ind.kind is IndicatorKind.KEYWORD else hit.shown_as
    quote = _quote(original[hit.start : hit.end])
    steps = [phrase for step, phrase in STEP_PHRASES.items() if step in hit.steps]
    how = " after " + _join(steps) if steps else " as written"
    return (
        f"{_KIND_PHRASES[ind.kind]} {shown}{_VIA_PHRASES.get(hit.via, '')} matched indicator "
        f"{ind.id} from feed {ind.source} ({where} {quote} at {hit.start}-{hit.end}){how}"
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _quote(span: str) -> str:
    """The original span, invisible characters shown as escapes, cut to a readable length."""
    shown = "".join(
        c if c.isprintable() and c not in "\u00ad" else f"\\u{ord(c):04x}" for c in span
    )
    if len(shown) > _QUOTE_CHARS:
        shown = shown[: _QUOTE_CHARS - 1] + "…"
    return f'"{shown}"'
