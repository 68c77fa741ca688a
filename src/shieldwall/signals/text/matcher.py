"""The compiled form of an indicator set, and the matching of one text against it.

Keywords, and handles written as plain words, go into one Aho-Corasick automaton
(``pyahocorasick``) that scans the words and joined views in time linear in the text, whatever
the number of indicators; a hit only counts on word boundaries. Domains, URL prefixes and
handles are looked up in dictionaries from the URLs and handles extracted from the base view,
so 100k domains cost nothing per text. Last, ``fuzzy.SkeletonIndex`` finds long indicators by
their letters alone (separators, repeats, shifts, reversal and dropped vowels ignored), for
the evasions no rule above reads. The brute-force twin the tests compare against is
``naive_keyword_hits`` in tests/unit/signals/text/test_text_matcher_oracle.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick  # type: ignore[import-not-found,unused-ignore]

from shieldwall.signals.text.fuzzy import SkeletonIndex
from shieldwall.signals.text.indicators import Indicator, IndicatorKind
from shieldwall.signals.text.normalize import Views, leet_fold_label, normalise_phrase, skeleton
from shieldwall.signals.text.rewrite import View
from shieldwall.signals.text.urls import (
    URL_SHORTENERS,
    DomainParser,
    FoundUrl,
    find_handles,
    find_urls,
)

LABELS: dict[IndicatorKind, str] = {
    IndicatorKind.DOMAIN: "nudify_domain",
    IndicatorKind.URL_PREFIX: "nudify_url",
    IndicatorKind.BOT_HANDLE: "nudify_bot_handle",
    IndicatorKind.KEYWORD: "nudify_keyword",
    IndicatorKind.APP_ID: "nudify_app_id",
}
SHORTENER_LABEL = "url_shortener"
_HAS_LETTER = re.compile(r"[a-z]")


@dataclass(frozen=True, slots=True)
class Hit:
    """One indicator found in one text; ``start``/``end`` index the original text."""

    indicator: Indicator
    start: int
    end: int
    steps: frozenset[str]
    shown_as: str
    """The value as the evidence should name it: ``@handle``, a host, ``"phrase"``."""
    via: str = ""


@dataclass(frozen=True, slots=True)
class ShortenerLink:
    start: int
    end: int
    host: str


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _app_char(char: str) -> bool:
    return char.isalnum() or char in "_."


class CompiledIndicators:
    """Indicators arranged for matching; build once per indicator-set revision."""

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        indicators = list(indicators)
        self.skeletons = SkeletonIndex(indicators)
        self.domains: dict[str, list[Indicator]] = defaultdict(list)
        self.domains_folded: dict[str, list[Indicator]] = defaultdict(list)
        self.prefixes: dict[str, list[tuple[str, Indicator]]] = defaultdict(list)
        self.handles: dict[str, list[Indicator]] = defaultdict(list)
        self.handles_folded: dict[str, list[Indicator]] = defaultdict(list)
        words: dict[str, tuple[str, list[Indicator]]] = {}
        apps: dict[str, list[Indicator]] = defaultdict(list)
        for ind in indicators:
            value = ind.value
            if ind.kind is IndicatorKind.DOMAIN:
                self.domains[value].append(ind)
                self.domains_folded[_fold_host(value)].append(ind)
            elif ind.kind is IndicatorKind.URL_PREFIX:
                host, _, path = value.partition("/")
                self.prefixes[host].append(("/" + path if path else "", ind))
            elif ind.kind is IndicatorKind.BOT_HANDLE:
                self.handles[value].append(ind)
                self.handles_folded[_fold_host(value)].append(ind)
                for form in {value, value.replace("_", "")}:
                    words.setdefault(skeleton(form), (form, []))[1].append(ind)
            elif ind.kind is IndicatorKind.KEYWORD:
                in_words, in_joined = normalise_phrase(value)
                for form in {in_words, in_joined, in_joined.replace(" ", "")}:
                    if form:
                        words.setdefault(skeleton(form), (form, []))[1].append(ind)
            else:
                apps[value].append(ind)
        self.words = _automaton(words)
        self.apps = _automaton({skeleton(k): (k, v) for k, v in apps.items()})

    def match(
        self, original: str, views: Views, parser: DomainParser, urls: list[FoundUrl]
    ) -> Iterator[Hit]:
        """Every indicator hit in one text (possibly repeated; the caller deduplicates).

        ``urls`` are ``find_urls(views.base.text, parser)``, found once by the caller. The
        skeleton matcher runs last and only reports indicators the exact ones did not find.
        """
        found: set[tuple[str, str]] = set()
        for hit in self._match_exact(original, views, parser, urls):
            found.add(hit.indicator.key)
            yield hit
        # The words view has leetspeak read, the base view not: "g|l/a" is "gil/a" to one
        # and a separated "gla" to the other, so both are read when they differ.
        skeleton_views = [views.words]
        if views.base.text != views.words.text:
            skeleton_views.append(views.base)
        for view in skeleton_views:
            for skeletal in self.skeletons.find(view):
                ind = skeletal.indicator
                if ind.key in found:
                    continue
                found.add(ind.key)
                start, end, touched = view.origin(skeletal.start, skeletal.end)
                shown = "@" + ind.value if ind.kind is IndicatorKind.BOT_HANDLE else ind.value
                yield Hit(ind, start, end, touched | skeletal.steps, shown)

    def _match_exact(
        self, original: str, views: Views, parser: DomainParser, urls: list[FoundUrl]
    ) -> Iterator[Hit]:
        yield from self._match_urls(views.base, urls, parser)
        yield from self._match_handles(views.base, urls)
        for view in views.host_views():
            found = list(find_urls(view.text, parser))
            yield from self._match_urls(view, found, parser)
            yield from self._match_handles(view, found)
        for view in views.keyword_views():
            yield from self._scan(self.words, view, _word_char, original)
        if views.numeric is not None:
            letters = views.words.text
            for hit, start, end in self._scan_spans(self.words, views.numeric, _word_char):
                if _HAS_LETTER.search(letters, start, end):
                    yield hit
        yield from self._scan(self.apps, views.base, _app_char, original)

    def shorteners(
        self, views: Views, parser: DomainParser, urls: list[FoundUrl]
    ) -> Iterator[ShortenerLink]:
        for url in urls:
            if url.host in URL_SHORTENERS or parser.registrable(url.host) in URL_SHORTENERS:
                start, end, _ = views.base.origin(url.start, url.end)
                yield ShortenerLink(start, end, url.host)

    def _match_urls(self, base: View, urls: list[FoundUrl], parser: DomainParser) -> Iterator[Hit]:
        for url in urls:
            extra = {"punycode"} if url.punycode else set()
            if url.leet_suffix:
                extra.add("leetspeak")
            for name in parser.candidates(url.host):
                found = self.domains.get(name)
                steps = set(extra)
                if not found:
                    found = self.domains_folded.get(_fold_host(name))
                    steps |= _fold_steps(name)
                for ind in found or ():
                    start, end, touched = base.origin(url.start, url.end)
                    yield Hit(ind, start, end, touched | steps, ind.value)
            address = url.host + url.rest
            for path_prefix, ind in self.prefixes.get(url.host, ()):
                if _has_prefix(address, url.host + path_prefix):
                    start, end, touched = base.origin(url.start, url.end)
                    yield Hit(ind, start, end, touched | extra, ind.value)

    def _match_handles(self, base: View, urls: list[FoundUrl]) -> Iterator[Hit]:
        for found in find_handles(base.text, urls):
            indicators = self.handles.get(found.handle)
            steps: set[str] = set()
            if not indicators:
                indicators = self.handles_folded.get(_fold_host(found.handle))
                steps = _fold_steps(found.handle)
            for ind in indicators or ():
                start, end, touched = base.origin(found.start, found.end)
                yield Hit(ind, start, end, touched | steps, "@" + ind.value, found.via)

    def _scan(self, automaton: Any, view: View, is_word: Any, original: str) -> Iterator[Hit]:
        for hit, _, _ in self._scan_spans(automaton, view, is_word):
            yield hit

    def _scan_spans(
        self, automaton: Any, view: View, is_word: Any
    ) -> Iterator[tuple[Hit, int, int]]:
        """Hits on word boundaries in ``view``, each with its span in the view."""
        if not len(automaton):
            return
        text = view.text
        folded = skeleton(text)
        size = len(text)
        for last, (pattern, indicators) in automaton.iter(folded):
            start = last - len(pattern) + 1
            if (start > 0 and is_word(folded[start - 1])) or (
                last + 1 < size and is_word(folded[last + 1])
            ):
                continue
            o_start, o_end, steps = view.origin(start, last + 1)
            if text[start : last + 1] != pattern:
                steps = steps | {"lookalike_il"}
            for ind in indicators:
                shown = "@" + ind.value if ind.kind is IndicatorKind.BOT_HANDLE else ind.value
                yield Hit(ind, o_start, o_end, steps, shown), start, last + 1


def _has_prefix(address: str, prefix: str) -> bool:
    """A prefix match that ends on a path boundary.

    ``/r/demo`` covers ``/r/demo/1`` and ``/r/demo?x=1`` but not ``/r/demonstration``.
    """
    if not address.startswith(prefix):
        return False
    return len(address) == len(prefix) or prefix[-1] in "/?#&=" or address[len(prefix)] in "/?#&"


def _automaton(patterns: dict[str, tuple[str, list[Indicator]]]) -> Any:
    automaton = ahocorasick.Automaton()
    for key, (form, indicators) in patterns.items():
        automaton.add_word(key, (form, tuple(indicators)))
    if len(automaton):
        automaton.make_automaton()
    return automaton


def _fold_host(name: str) -> str:
    """Leet and l/i folding of a host or handle, for the second, looser lookup."""
    return skeleton(".".join(leet_fold_label(label) for label in name.split(".")))


def _fold_steps(name: str) -> set[str]:
    leet = ".".join(leet_fold_label(label) for label in name.split("."))
    steps = set()
    if leet != name:
        steps.add("leetspeak")
    if skeleton(leet) != leet:
        steps.add("lookalike_il")
    return steps
