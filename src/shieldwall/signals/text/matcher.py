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
from functools import lru_cache
from typing import Any, TypeVar

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
_T = TypeVar("_T")
_HAS_LETTER = re.compile(r"[a-z]")
_DOTTED = re.compile(r"(?<![\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)+")
"""A dotted name, read from its first label: where a reverse-DNS name (an app id or a Java
package, "test.name.app") starts."""
MIN_DOT_WORD_NAME = 6
"""Characters a domain's name (before its suffix) needs to be matched with another word or
symbol standing for its dot: a shorter name is too likely to be a word of the prose."""
_DOT_WORD_GAP = r"\s*[\[({<]?\s*(?P<mid>[^\s\[\](){}<>.]{1,16}?)\s*[\])}>]?\s*"
"""One token between a domain's name and its suffix, bracketed or not, spaced or not: the
word for "dot" in any language ("kropka", "точка", "ドット", "点") or a symbol standing for it."""
_NOT_A_DOT = frozenset(
    ("a", "an", "and", "or", "nor", "the", "for", "in", "on", "at", "of", "to", "as", "by",
     "is", "it", "its", "my", "no", "not", "so", "if", "but", "than", "then", "with", "from",
     "this", "that", "vs", "via", "per", "your", "our", "their", "his", "her", "we", "you", "i")
)  # fmt: skip
"""English words that part two words of prose ("bodyname for test"), never a dot."""
_PROSE_JOINERS = frozenset(",;:!?&+-/'\"")


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
        self.reverse_dns: dict[str, list[Indicator]] = defaultdict(list)
        split_names: dict[str, tuple[str, list[tuple[str, Indicator]]]] = {}
        words: dict[str, tuple[str, list[Indicator]]] = {}
        apps: dict[str, list[Indicator]] = defaultdict(list)
        for ind in indicators:
            value = ind.value
            if ind.kind is IndicatorKind.DOMAIN:
                self.domains[value].append(ind)
                self.domains_folded[_fold_host(value)].append(ind)
                self.reverse_dns[".".join(reversed(value.split(".")))].append(ind)
                name, _, suffix = value.partition(".")
                if len(name) >= MIN_DOT_WORD_NAME and suffix:
                    split_names.setdefault(name, (name, []))[1].append((suffix, ind))
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
        self.split_names = _automaton(split_names)
        self._reverse_heads = {key.partition(".")[0] for key in self.reverse_dns}
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
        yield from self._match_reverse_dns(views.base)
        yield from self._match_dot_words(views.base)
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

    def _match_reverse_dns(self, base: View) -> Iterator[Hit]:
        """Domains written in reverse-DNS order, as app ids and packages name them: a dotted
        name whose first labels, reversed, are the domain ("test.name" or "test.name.app")."""
        if not self.reverse_dns or "." not in base.text:
            return
        for m in _DOTTED.finditer(base.text):
            labels = m.group().split(".")
            if labels[0] not in self._reverse_heads:
                continue
            for k in range(2, min(len(labels), 4) + 1):
                for ind in self.reverse_dns.get(".".join(labels[:k]), ()):
                    start, end, touched = base.origin(m.start(), m.end())
                    yield Hit(ind, start, end, touched | {"reverse_dns"}, ind.value)

    def _match_dot_words(self, base: View) -> Iterator[Hit]:
        """A domain with a word or symbol standing for its dot: "name kropka test",
        "name[точка]test", "name点test" (see ``_DOT_WORD_GAP``; never a plain space, an
        English function word or prose punctuation, and the name must be a whole word)."""
        if not len(self.split_names):
            return
        text = base.text
        for last, (name, entries) in self.split_names.iter(text):
            start = last - len(name) + 1
            if start > 0 and (_word_char(text[start - 1]) or text[start - 1] in ".-"):
                continue
            for suffix, ind in entries:
                m = _dot_word_tail(suffix).match(text, last + 1)
                if m is None:
                    continue
                mid = m.group("mid")
                if _not_a_dot(mid):
                    continue
                o_start, o_end, touched = base.origin(start, m.end())
                yield Hit(ind, o_start, o_end, touched | {"dot_word"}, ind.value)

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


def _not_a_dot(mid: str) -> bool:
    """Whether the token between a name and a suffix is prose, not a stand-in for the dot: an
    English function word, prose punctuation, a possessive, or an escape left undecoded
    because it spells a control character ("name%0Atest", "name\\u000atest")."""
    return (
        mid in _NOT_A_DOT
        or mid[0] in "'’"
        or all(c in _PROSE_JOINERS for c in mid)
        or any(c in "%\\&#" for c in mid)
    )


@lru_cache(maxsize=1024)
def _dot_word_tail(suffix: str) -> re.Pattern[str]:
    return re.compile(_DOT_WORD_GAP + re.escape(suffix) + r"(?![\w.-])")


def _has_prefix(address: str, prefix: str) -> bool:
    """A prefix match that ends on a path boundary.

    ``/r/demo`` covers ``/r/demo/1`` and ``/r/demo?x=1`` but not ``/r/demonstration``.
    """
    if not address.startswith(prefix):
        return False
    return len(address) == len(prefix) or prefix[-1] in "/?#&=" or address[len(prefix)] in "/?#&"


def _automaton(patterns: dict[str, tuple[str, list[_T]]]) -> Any:
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
