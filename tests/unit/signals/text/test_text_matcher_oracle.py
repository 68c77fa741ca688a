"""The Aho-Corasick keyword scan agrees with a brute-force twin (``naive_keyword_hits``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.signals.text import DomainParser, Indicator, IndicatorKind, build_views
from shieldwall.signals.text.matcher import CompiledIndicators
from shieldwall.signals.text.normalize import normalise_phrase, skeleton
from shieldwall.signals.text.urls import find_urls

PARSER = DomainParser()
_word = st.text(alphabet="abil", min_size=1, max_size=4)


def naive_keyword_hits(text: str, keywords: list[Indicator]) -> set[tuple[str, int, int]]:
    """Every keyword form found with str.find in both views, on word boundaries."""
    views = build_views(text, is_suffix=PARSER.has_suffix)
    found = set()
    for view in (views.words, views.joined):
        folded = skeleton(view.text)
        for ind in keywords:
            in_words, in_joined = normalise_phrase(ind.value)
            for form in {in_words, in_joined, in_joined.replace(" ", "")}:
                pattern = skeleton(form)
                start = folded.find(pattern)
                while start >= 0:
                    end = start + len(pattern)
                    before = folded[start - 1] if start else " "
                    after = folded[end] if end < len(folded) else " "
                    if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                        o_start, o_end, _ = view.origin(start, end)
                        found.add((ind.id, o_start, o_end))
                    start = folded.find(pattern, start + 1)
    return found


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.lists(_word, min_size=1, max_size=3).map(" ".join), min_size=1, max_size=6),
    st.lists(_word | st.sampled_from([" ", "-", ".", "  ", "1"]), max_size=30).map("".join),
)
def test_automaton_and_brute_force_find_the_same_hits(phrases: list[str], text: str) -> None:
    keywords = [Indicator(str(i), IndicatorKind.KEYWORD, p, "f") for i, p in enumerate(phrases)]
    index = CompiledIndicators(keywords)
    views = build_views(text, is_suffix=PARSER.has_suffix)
    urls = list(find_urls(views.base.text, PARSER))
    fast = {(h.indicator.id, h.start, h.end) for h in index.match(text, views, PARSER, urls)}
    assert fast == naive_keyword_hits(text, keywords)
