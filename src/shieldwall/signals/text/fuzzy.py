"""Letter-skeleton matching: indicators found by their letters alone, whatever sits between them.

The rule-per-evasion normaliser keeps losing to the next evasion (RESULTS.md, 2026-12-04: the
tuned set went from 0.61 to 1.00 and a fresh set did not move). Most evasions, though, only
add, repeat, shift or drop things around the letters of the indicator, so this module compares
what they cannot change without making the text unreadable:

* **letter stream**: the letters of a view in order, everything else (spaces, separators,
  emoji, brackets, digits) dropped and runs of one letter collapsed to one ("@ss-tt r i p" ->
  "strip"). Spaced letters, spaces inside words, separators that change from gap to gap,
  emoji inside words, camel-case hashtags, line wraps and doubled or stretched letters all
  give the same stream as the plain indicator.
* **shift-invariant**: the stream is compared as the *differences* between consecutive letters
  (mod 26), so rot13 and every other Caesar shift give the same string; the shift is recovered
  from the first letter and reported. Each indicator is also stored reversed, and with each
  word reversed where it stands ("evomer yna sserd"), so text written backwards (with or
  without a bidi override) matches in the same single pass.
* **consonants**: the stream with vowels dropped and runs collapsed again, for "strpcm_prvw_bt";
  a domain with fewer consonants than ``MIN_CONSONANTS`` (down to ``MIN_DOTTED_CONSONANTS``)
  only where the hit ends in a written dot and the domain's own suffix ("v**ll*ss.example").

False positives are kept out three ways: only indicators whose collapsed letters are long
enough take part (``MIN_LETTERS``, ``MIN_CONSONANTS``: a skeleton that short is not
distinctive); a hit must start and end on a word boundary of the view (so "mynudifydemo"
never matches "nudify-demo"); and each automaton is one Aho-Corasick pass, linear in the text
whatever the number of indicators. URL prefixes and app ids do not take part (their paths and
dots are the point).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import ahocorasick  # type: ignore[import-not-found,unused-ignore]
import numpy as np
import numpy.typing as npt

from shieldwall.signals.text.indicators import Indicator, IndicatorKind
from shieldwall.signals.text.normalize import normalise_phrase
from shieldwall.signals.text.rewrite import View

MIN_LETTERS = 10
"""Collapsed letters an indicator needs to be matched by its letter stream (9 differences:
a chance of about 26**-9 per position and shift, before the word-boundary check)."""
MIN_SHIFTED_LETTERS = 12
"""Collapsed letters an indicator needs to be matched shifted or backwards: 25 shifts and a
reversal multiply the chances of an accidental match by about 50, so two letters more."""
MIN_CONSONANTS = 9
"""Collapsed consonants an indicator needs to be matched with its vowels dropped."""
MIN_DOTTED_CONSONANTS = 7
"""Collapsed consonants a *domain* needs to be matched with its vowels dropped, when the hit
ends in a written dot and the domain's own suffix ("v**ll*ss.example"): the suffix, spelled
out after a real dot, is what makes up for the two consonants fewer."""
_WORD_RUN = re.compile(r"[a-z0-9]+")

_HARD_BREAKS = b"0123456789,;&+" + bytes(range(0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
"""What a letter stream never reads across: a digit is content, not a separator ("club24"
is not "club"), a control character is not text, and ``, ; & +`` join *words* in prose
("undress & any selfie", "n a k e d i f y, a p p"). Each run becomes one NUL in the stream."""
_DASH_GAP = re.compile(r"\s[-\u2013\u2014]+\s")
"""A dash between spaces parts two words ("undress - any selfie"): a hard break too."""
_BREAK = "\x00"
_TO_BREAK = bytes.maketrans(_HARD_BREAKS, b"\x00" * len(_HARD_BREAKS))
_NOT_STREAM_BYTES = bytes(c for c in range(128) if c not in _HARD_BREAKS and not 97 <= c <= 122)
_HARD_BREAK = re.compile(
    "(?:[" + re.escape(_HARD_BREAKS.decode("ascii")) + "]|" + _DASH_GAP.pattern + ")+"
)
_RUNS = re.compile(r"([a-z\x00])\1+")
_VOWELS = str.maketrans("", "", "aeiou")
_26 = np.uint8(26)
_STEP_TABLE = np.array([97 + v % 26 for v in range(256)], dtype=np.uint8)
_VOWEL_CODES = np.frombuffer(b"aeiou", dtype=np.uint8)
_STREAM_CHAR = re.compile(rf"(?P<letter>[a-z])|{_HARD_BREAK.pattern}")
_WORD_CHAR = re.compile(r"[a-z0-9_\-]")
"""Characters that continue a word for the boundary check: a hyphen or underscore inside a
host or handle ("old-nudify", "my_x_bot") makes it a different name, not a boundary."""
_KINDS = frozenset({IndicatorKind.DOMAIN, IndicatorKind.BOT_HANDLE, IndicatorKind.KEYWORD})


def letter_stream(text: str) -> str:
    """The letters of folded ``text`` with runs collapsed ("s-t-r-r-i-p" -> "strip"), a NUL
    standing for each run of hard breaks (see ``_HARD_BREAKS``).

    Done on bytes (non-ASCII dropped, hard breaks mapped, the rest deleted, runs dropped
    with numpy): this runs on every post, and three regex passes made it the slowest step.
    """
    if "-" in text or "\u2013" in text or "\u2014" in text:
        text = _DASH_GAP.sub(_BREAK, text)
    raw = text.encode("ascii", "ignore").translate(_TO_BREAK, _NOT_STREAM_BYTES)
    if len(raw) < 2:
        return raw.decode("ascii")
    codes = np.frombuffer(raw, dtype=np.uint8)
    keep = np.empty(len(codes), dtype=bool)
    keep[0] = True
    np.not_equal(codes[1:], codes[:-1], out=keep[1:])
    return str(codes[keep].tobytes().decode("ascii"))


def consonants(letters: str) -> str:
    """A letter stream without vowels, runs collapsed again ("peelaway" -> "plwy")."""
    return _RUNS.sub(r"\1", letters.translate(_VOWELS))


def shift_key(letters: str) -> str:
    """The Caesar-invariant form of a letter stream: each step to the next letter, mod 26.

    Computed with numpy: a post's stream can be megabytes, and a Python loop over it would
    be the slowest part of matching. ``uint8`` arithmetic wraps, which the table absorbs.
    """
    codes = np.frombuffer(letters.encode("ascii"), dtype=np.uint8)
    steps = _STEP_TABLE[codes[1:] + _26 - codes[:-1]]
    steps[(codes[1:] == 0) | (codes[:-1] == 0)] = 0  # no step across a hard break
    return str(steps.tobytes().decode("ascii"))


@dataclass(frozen=True, slots=True)
class SkeletonHit:
    """One indicator found in a view by its skeleton; ``start``/``end`` are view positions."""

    indicator: Indicator
    start: int
    end: int
    steps: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Pattern:
    letters: str
    """The indicator's letter stream as it should appear in the text (turned if ``turn``)."""
    turn: str
    """``""``, or the step that turned it: ``reversed`` (the whole text backwards) or
    ``words_reversed`` (each word backwards where it stands: "evomer yna sserd")."""
    dots: tuple[int, ...]
    """Stream positions where a host's dot falls between two letters (see ``_dot_gaps``)."""
    indicators: tuple[Indicator, ...]


class SkeletonIndex:
    """The skeleton automata of one indicator set; build once per set revision."""

    def __init__(self, indicators: Iterable[Indicator]) -> None:
        shifted: dict[str, dict[_Form, list[Indicator]]] = {}
        thin: dict[str, dict[_Form, list[Indicator]]] = {}
        for ind in indicators:
            if ind.kind not in _KINDS:
                continue
            letters = letter_stream(indicator_letters(ind))
            if _BREAK in letters:
                continue  # digits or joining marks in the value itself: exact matching only
            dots = _dot_gaps(ind)
            if len(letters) >= MIN_LETTERS:
                back = tuple(len(letters) - d for d in reversed(dots))
                forms: list[_Form] = [(letters, "", dots)]
                if len(letters) >= MIN_SHIFTED_LETTERS:
                    forms.append((letters[::-1], "reversed", back))
                    in_place = _WORD_RUN.sub(lambda m: m.group()[::-1], indicator_letters(ind))
                    turned = letter_stream(in_place)
                    if turned not in (letters, letters[::-1]) and _BREAK not in turned:
                        forms.append((turned, "words_reversed", _dot_gaps_of(ind, in_place)))
                for form in forms:
                    shifted.setdefault(shift_key(form[0]), {}).setdefault(form, []).append(ind)
            bare = consonants(letters)
            enough = MIN_DOTTED_CONSONANTS if ind.kind is IndicatorKind.DOMAIN else MIN_CONSONANTS
            if len(bare) >= enough:
                # A dot's place is unknown once vowels are gone: with dots, every gap is checked.
                thin.setdefault(bare, {}).setdefault((letters, "", dots), []).append(ind)
        self._shifted = _automaton(shifted)
        self._thin = _automaton(thin)

    def __len__(self) -> int:
        return len(self._shifted) + len(self._thin)

    def find(self, view: View) -> Iterator[SkeletonHit]:
        """Skeleton hits in ``view`` on word boundaries, at most one per indicator."""
        if not len(self):
            return
        stream = _Stream(view.text)
        if not stream.letters:
            return
        seen: set[tuple[str, str]] = set()
        if len(self._shifted):
            key = shift_key(stream.letters)
            for last, patterns in self._shifted.iter(key):
                first = last - len(patterns[0].letters) + 2  # letters = differences + 1
                yield from _hits(stream, first, last + 2, patterns, seen, shifted=True)
        if len(self._thin):
            bare = consonants(stream.letters)
            for last, patterns in self._thin.iter(bare):
                first = last - len(consonants(patterns[0].letters)) + 1
                where = stream.consonant_places()
                start, stop = int(where[first]), int(where[last]) + 1
                yield from _hits(stream, start, stop, patterns, seen, shifted=False)


_Form = tuple[str, str, tuple[int, ...]]


def _dot_gaps(ind: Indicator) -> tuple[int, ...]:
    """Where a domain's dots fall in its letter stream (a dot between two equal letters,
    collapsed into one, has no position and is not checked)."""
    return _dot_gaps_of(ind, ind.value)


def _dot_gaps_of(ind: Indicator, value: str) -> tuple[int, ...]:
    """``_dot_gaps`` of the indicator as spelled in ``value`` (itself, or turned)."""
    if ind.kind is not IndicatorKind.DOMAIN:
        return ()
    out = []
    for i, char in enumerate(value):
        if char == ".":
            before = letter_stream(value[:i])
            if len(letter_stream(value[: i + 2])) > len(before):
                out.append(len(before))
    return tuple(out)


def indicator_letters(ind: Indicator) -> str:
    """The folded text of an indicator as a post would spell it (keywords folded like posts)."""
    if ind.kind is IndicatorKind.KEYWORD:
        return normalise_phrase(ind.value)[0]
    return ind.value


class _Stream:
    """A view's letter stream, with the view position of each stream letter built on demand."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.letters = letter_stream(text)
        self._starts: list[int] | None = None
        self._places: npt.NDArray[np.intp] | None = None
        self._ends: list[int] = []

    def span(self, first: int, end: int) -> tuple[int, int]:
        """The view span from stream letter ``first`` to stream letter ``end - 1``, whole runs."""
        if self._starts is None:
            self._starts, self._ends = [], []
            prev = ""
            for m in _STREAM_CHAR.finditer(self.text):
                symbol = m.group() if m.lastgroup == "letter" else _BREAK
                if symbol != prev:
                    self._starts.append(m.start())
                    self._ends.append(m.end())
                    prev = symbol
                else:
                    self._ends[-1] = m.end()
        return self._starts[first], self._ends[end - 1]

    def consonant_places(self) -> npt.NDArray[np.intp]:
        """For each letter of ``consonants(self.letters)``, its index in the letter stream
        (built on the first skeleton hit only: most posts have none)."""
        if self._places is not None:
            return self._places
        codes = np.frombuffer(self.letters.encode("ascii"), dtype=np.uint8)
        where = np.flatnonzero(~np.isin(codes, _VOWEL_CODES))
        kept = codes[where]
        if len(kept):
            fresh = np.concatenate(([True], kept[1:] != kept[:-1]))
            where = where[fresh]
        self._places = where
        return where

    def blank_gap(self, i: int) -> bool:
        """Whether only whitespace (and something) stands between stream letters i-1 and i."""
        assert self._starts is not None  # span() ran first
        gap = self.text[self._ends[i - 1] : self._starts[i]]
        return bool(gap) and gap.isspace()

    def bounded_span(self, first: int, end: int, *, vowels: bool) -> tuple[int, int] | None:
        """The view span of stream letters ``first .. end - 1`` if it starts and ends on word
        boundaries, else None.

        A stream letter can stand for a run that began in the word before ("but tob...":
        one ``t``), so each later start of the first letter, and each earlier end of the
        last, is tried too. With ``vowels``, vowels written right next to the span belong to
        it ("ers ny otft" starts at its "e").
        """
        self.span(first, first + 1)  # builds the position tables
        text = self.text
        assert self._starts is not None
        lo, hi = self._starts[first], self._ends[first]
        letter = self.letters[first]
        begin = -1
        i = lo
        while 0 <= i < hi:
            k = i
            while vowels and k > 0 and text[k - 1] in "aeiou":
                k -= 1
            if k == 0 or _WORD_CHAR.match(text, k - 1) is None:
                begin = k
                break
            i = text.find(letter, i + 1, hi)
        if begin < 0:
            return None
        lo, hi = self._starts[end - 1], self._ends[end - 1]
        letter = self.letters[end - 1]
        j = text.rfind(letter, lo, hi)
        while j >= lo and j >= begin:
            k = j + 1
            while vowels and k < len(text) and text[k] in "aeiou":
                k += 1
            if self._ends_word(k):
                return begin, k
            j = text.rfind(letter, lo, j)
        return None

    def _ends_word(self, end: int) -> bool:
        text = self.text
        if end < len(text) and _WORD_CHAR.match(text, end) is not None:
            return False
        # "nudify-demo.example.org" is another host: a dot followed by a letter continues it.
        return not (text.startswith(".", end) and _WORD_CHAR.match(text, end + 1) is not None)


def _hits(
    stream: _Stream,
    first: int,
    end: int,
    patterns: tuple[_Pattern, ...],
    seen: set[tuple[str, str]],
    *,
    shifted: bool,
) -> Iterator[SkeletonHit]:
    bounded = stream.bounded_span(first, end, vowels=not shifted)
    if bounded is None:
        return
    start, stop = bounded
    found = stream.letters[first:end] if shifted else letter_stream(stream.text[start:stop])
    for pattern in patterns:
        shift = (ord(found[0]) - ord(pattern.letters[0])) % 26 if shifted else 0
        if shifted and _shifted_by(pattern.letters, shift) != found:
            continue  # a different indicator with the same differences
        if (shift or pattern.turn) and len(pattern.letters) < MIN_SHIFTED_LETTERS:
            continue
        if not shifted and not _is_subsequence(found, pattern.letters):
            continue  # letters the indicator lacks were added, not vowels dropped
        if not shifted and len(consonants(pattern.letters)) < MIN_CONSONANTS:
            written = stream.text[start:stop]
            if not any(written.endswith("." + _suffix(ind)) for ind in pattern.indicators):
                continue  # a short domain's consonants count only before its written suffix
        gaps = pattern.dots if shifted else range(1, end - first) if pattern.dots else ()
        if any(stream.blank_gap(first + d) for d in gaps):
            continue  # the host's dot left out as a plain space: two words, not a host
        steps = {"letters_only"}
        if not shifted:
            steps.add("vowels_dropped")
        if shift == 13:
            steps.add("rot13")
        elif shift:
            steps.add("letter_shift")
        if pattern.turn:
            steps.add(pattern.turn)
        for ind in pattern.indicators:
            if ind.key in seen:
                continue
            seen.add(ind.key)
            yield SkeletonHit(ind, start, stop, frozenset(steps))


def _suffix(ind: Indicator) -> str:
    return ind.value.rpartition(".")[2] if ind.kind is IndicatorKind.DOMAIN else "\0"


def _is_subsequence(found: str, letters: str) -> bool:
    """Whether ``found`` is ``letters`` with some letters left out (and nothing added)."""
    rest = iter(letters)
    return all(c in rest for c in found)


def _shifted_by(letters: str, shift: int) -> str:
    return "".join(chr(97 + (ord(c) - 97 + shift) % 26) for c in letters)


def _automaton(patterns: dict[str, dict[_Form, list[Indicator]]]) -> Any:
    automaton = ahocorasick.Automaton()
    for key, forms in patterns.items():
        value = tuple(
            _Pattern(letters, turn, dots, tuple(inds))
            for (letters, turn, dots), inds in forms.items()
        )
        automaton.add_word(key, value)
    if len(automaton):
        automaton.make_automaton()
    return automaton
