"""Text indicators: the handles, domains, URL prefixes, phrases and app ids of nudify services.

An ``Indicator`` is one shared fact ("the Telegram bot @undress_demo_bot advertises a nudify
service"), carried with the feed it came from, how sure that feed is, and when it stops being
true. An ``IndicatorSet`` is the mutable collection a platform keeps: feeds add and withdraw
indicators, expired ones stop matching without being deleted (so a past decision can still be
explained). Values are canonicalised on construction so two feeds that spell the same domain
differently ("WWW.Nudify-Demo.example.") end up with one comparable value.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from shieldwall.errors import InvalidRecordError

MAX_VALUE_CHARS = 2048
"""Longest indicator value accepted; longer values are feed corruption, not indicators."""


class InvalidIndicatorError(InvalidRecordError):
    """An indicator that cannot be used (unknown kind, empty value, confidence outside 0..1).

    Kept as a local subclass of ``InvalidRecordError`` so the stable ``invalid_record`` code
    that import reports already use applies; a dedicated code can be added to errors.py later.
    """


class IndicatorKind(enum.StrEnum):
    """What an indicator's value is, which decides where in a text it is looked for."""

    DOMAIN = "domain"
    """A registrable domain or host; matches URLs on it and on its subdomains."""
    URL_PREFIX = "url_prefix"
    """A URL; matches URLs that start with it (scheme and ``www.`` ignored)."""
    BOT_HANDLE = "bot_handle"
    """A Telegram-style handle, stored without ``@``; matches @mentions, t.me links, tg:// links."""
    KEYWORD = "keyword"
    """A phrase; matches whole words in the normalised text."""
    APP_ID = "app_id"
    """A mobile application id such as ``com.example.nudifydemo``."""


def canonical_value(kind: IndicatorKind, value: str) -> str:
    """The comparable form of ``value`` for ``kind`` (lowercase, no ``@``, no ``www.``...).

    Raises ``InvalidIndicatorError`` for values that cannot match anything.
    """
    text = " ".join(value.split()).lower()
    if kind is IndicatorKind.BOT_HANDLE:
        text = text.removeprefix("@")
    elif kind is IndicatorKind.DOMAIN:
        text = text.rstrip(".").removeprefix("www.")
        if "/" in text or " " in text or "." not in text:
            raise InvalidIndicatorError("a domain indicator must be a bare host name", value=value)
    elif kind is IndicatorKind.URL_PREFIX:
        text = _strip_scheme(text)
    if not text:
        raise InvalidIndicatorError("an indicator value must not be empty", value=value)
    if len(text) > MAX_VALUE_CHARS:
        raise InvalidIndicatorError(
            f"an indicator value must be at most {MAX_VALUE_CHARS} characters", value=value
        )
    return text


def _strip_scheme(url: str) -> str:
    for scheme in ("https://", "http://", "hxxps://", "hxxp://"):
        if url.startswith(scheme):
            url = url[len(scheme) :]
            break
    return url.removeprefix("www.")


@dataclass(frozen=True, slots=True)
class Indicator:
    """One indicator from one feed.

    ``value`` is stored canonical (see ``canonical_value``); ``expires_at`` is timezone-aware
    or ``None`` for "until withdrawn". ``id`` is the feed's own id, unique within ``source``.
    """

    id: str
    kind: IndicatorKind
    value: str
    source: str
    confidence: float = 1.0
    expires_at: datetime | None = None
    description: str = ""

    def __post_init__(self) -> None:
        try:
            kind = IndicatorKind(self.kind)  # accepts the plain string too
        except ValueError:
            kinds = ", ".join(k.value for k in IndicatorKind)
            raise InvalidIndicatorError(f"kind must be one of {kinds}", value=self.kind) from None
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "value", canonical_value(kind, self.value))
        if not str(self.id).strip():
            raise InvalidIndicatorError("an indicator needs an id", value=self.id)
        if not self.source.strip():
            raise InvalidIndicatorError("an indicator needs a source feed name", value=self.source)
        if not isinstance(self.confidence, int | float) or not (
            math.isfinite(self.confidence) and 0.0 <= self.confidence <= 1.0
        ):
            raise InvalidIndicatorError(
                "confidence must be a number between 0 and 1", value=self.confidence
            )
        object.__setattr__(self, "confidence", float(self.confidence))
        if self.expires_at is not None and self.expires_at.tzinfo is None:
            # A naive time is ambiguous across servers; feeds write UTC, so read it as UTC.
            object.__setattr__(self, "expires_at", self.expires_at.replace(tzinfo=UTC))

    @property
    def key(self) -> tuple[str, str]:
        """The identity of an indicator inside a set: (feed, feed's id)."""
        return (self.source, self.id)

    def is_active(self, now: datetime) -> bool:
        """True until ``expires_at`` (exclusive)."""
        return self.expires_at is None or now < self.expires_at


class IndicatorSet:
    """A mutable collection of indicators keyed by (source, id).

    ``revision`` increases on every change so a compiled matcher can tell it is stale.
    Adding an indicator whose key already exists replaces it (a feed re-publishing an update).
    """

    def __init__(self, indicators: Iterable[Indicator] = ()) -> None:
        self._items: dict[tuple[str, str], Indicator] = {}
        self.revision = 0
        self.add_all(indicators)

    def add(self, indicator: Indicator) -> None:
        self._items[indicator.key] = indicator
        self.revision += 1

    def add_all(self, indicators: Iterable[Indicator]) -> None:
        for indicator in indicators:
            self._items[indicator.key] = indicator
        self.revision += 1

    def remove(self, source: str, indicator_id: str) -> bool:
        """Withdraw one indicator; returns False when it was not in the set."""
        removed = self._items.pop((source, indicator_id), None) is not None
        if removed:
            self.revision += 1
        return removed

    def get(self, source: str, indicator_id: str) -> Indicator | None:
        return self._items.get((source, indicator_id))

    def active(self, now: datetime) -> list[Indicator]:
        """The indicators that have not expired at ``now``."""
        return [i for i in self._items.values() if i.is_active(now)]

    def __iter__(self) -> Iterator[Indicator]:
        return iter(list(self._items.values()))

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, item: object) -> bool:
        return isinstance(item, Indicator) and self._items.get(item.key) == item
