"""Normalisation of evasive text into views that indicators can be matched against.

Posts that advertise nudify services are written to slip past filters: look-alike letters from
other scripts, full-width or "bold" Unicode letters, zero-width characters inside words,
leetspeak, letters spaced out ("n u d i f y") or split by punctuation ("nu-di-fy"), and defanged
URLs ("nudify-demo[.]example"). This module undoes those tricks, but never in one blind pass:

* ``base`` view: escapes decoded (HTML references, ``+`` in a query string, percent-escapes,
  markdown backslashes; see ``escapes``), characters folded (NFKD compatibility forms,
  confusables, accents and invisible characters removed, lowercase) and URLs re-fanged. URLs,
  domains and handles are read here.
* ``words`` view: ``base`` plus markdown emphasis marks at word edges dropped, spaced-out
  letters joined and leetspeak undone, whitespace squeezed. Keywords match here on word
  boundaries, so "therapist" never matches "rapist".
* ``joined`` view: ``words`` plus punctuation inside words removed ("nu-di-fy" -> "nudify").
* ``numeric`` view (only when there is one): ``words`` with all-digit leet tokens read as
  letters ("533 through"); a keyword hit there must also cover letters as written.

Every view keeps its offset map (see ``rewrite``), so a hit can quote the original text and
name the steps that were needed to find it. Only runs of single letters are collapsed, so
ordinary prose keeps its word boundaries.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from shieldwall.signals.text.confusables import (
    CONFUSABLES,
    INVISIBLE,
    named_latin_letter,
    uts39_letter,
)
from shieldwall.signals.text.escapes import decode_escapes
from shieldwall.signals.text.rewrite import Edit, View

SuffixCheck = Callable[[str], bool]
"""Does a dotted name end in a public suffix? (``urls.DomainParser.has_suffix``)."""

STEP_PHRASES: dict[str, str] = {
    "html_entities": "decoding HTML character references",
    "percent_encoding": "decoding percent-encoded characters",
    "markup": "removing markdown emphasis or escapes",
    "invisible": "removing zero-width or bidi control characters",
    "compatibility": "folding full-width or styled Unicode letters",
    "homoglyph": "replacing look-alike letters from other scripts",
    "accents": "removing accents",
    "defang": "re-fanging a defanged URL",
    "spaced_letters": "joining spaced-out letters",
    "punctuation_in_word": "removing punctuation inside words",
    "leetspeak": "undoing leetspeak",
    "lookalike_il": "treating l, I and 1 as the same letter",
    "punycode": "decoding a punycode domain",
    "reverse_dns": "reading a reverse-DNS name (an app id or package) label by label backwards",
    "dot_word": "reading a word or symbol between a name and its suffix as the dot",
    "code_escapes": "decoding \\u or \\x escapes",
    "base64": "decoding a base64 token",
    "base32": "decoding a base32 token",
    "hex_bytes": "decoding bytes written in hex",
    "upside_down": "turning upside-down text the right way up",
    "letters_only": "reading the letters alone (separators and repeated letters ignored)",
    "reversed": "reading the text backwards",
    "words_reversed": "reading each word backwards where it stands",
    "rot13": "undoing rot13",
    "letter_shift": "undoing a letter shift (Caesar cipher)",
    "vowels_dropped": "matching the consonants alone (vowels dropped)",
}
"""Each normalisation step's stable name and the phrase evidence uses for it, in report order."""

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD = r"[^\W_]"

LEET: dict[str, str] = {
    "0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s",
    "!": "i", "|": "i",
}  # fmt: skip
"""Leetspeak digits and symbols and the letter each stands for (``1`` also covers ``l``)."""

_SKELETON = str.maketrans({"l": "i"})
"""Applied to views and patterns alike: after leetspeak ``1`` -> ``i``, ``l`` and ``i`` are one."""

# Only tokens holding both a letter and a leet character; the lookaheads keep this in C.
_LEET_TOKEN = re.compile(
    r"(?<![a-z0-9@$!|])(?=[a-z0-9@$!|]*[0-9@$!|])(?=[a-z0-9@$!|]*[a-z])[a-z0-9@$!|]+"
)
_HAS_LETTER = re.compile(r"[a-z]")
_DIGIT_TOKEN = re.compile(r"(?<![\w@$!|])[013457]+(?![\w@$!|])")
"""A token made only of leet digits ("533"): a number, unless it sits inside a phrase."""

_SINGLE = r"(?:[^\W_]|[@$!|])"
_SEP = r"(?:[^\w@$!|]|_){1,3}"
"""Any one to three non-letters between the letters of a spaced-out word: spaces, dots,
slashes, bullets, emoji... (one fixed list of separators was one list to step around)."""
_SPACED = re.compile(
    # Three or more single characters with the same separator between each: "n u d i f y",
    # "n.u.d.i.f.y". A change of separator ends the run, so "u-n-d-o a.n.y" stays two words;
    # the one exception is a hyphen or underscore between two separators, part of a spaced-out
    # host or handle ("n•a•k•e•d•-•a•p•p.example", "@u . n . _ . b . o . t"), which stays in
    # the joined word.
    # A leet character before the run is part of it, except the @ sigil of a handle.
    rf"(?<![^\W_])(?<![$!|])(?<![^\W_]@)(?<![@$!|]@){_SINGLE}({_SEP}){_SINGLE}(?![^\W_])"
    rf"(?:\1(?:[-_]\1)?{_SINGLE}(?![^\W_]))+"
)
_LABEL_GAP = re.compile(r"\s+(?:\.\s+)?|\s*\.\s+")
"""What may stand for the dot between spaced-out labels: "t.e.s.t . e.x", "n.u.d.e t.e.s.t"."""
_NEXT_LABEL = re.compile(r"[a-z0-9][a-z0-9-]*")
_HOST_LABEL = re.compile(r"[a-z0-9][a-z0-9-]*")
_IN_WORD_PUNCT = re.compile(rf"(?<={_WORD})(?:[^\w\s]|_)+(?={_WORD})")
_IN_WORD_BREAK = re.compile(r"(?<=\w)-?[^\S ]+(?=\w)")
"""A line break (or tab) straight between two letters, with no space, or after a hyphen at the
end of the line (a typeset wrap, "tri-\nangle"): a word split in two."""
_SPACE_RUN = re.compile(r"\s{2,}|[^\S ]")

_EMPHASIS = re.compile(r"(?<![\w*~`])[*_~`]{1,3}(?=[^\W_])|(?<=[^\W_])[*_~`]{1,3}(?![\w*~`])")
"""Markdown emphasis, strike-through or code marks hugging a word ("**any**", "`undress`")."""

_HXXP = re.compile(r"\bh(?:xx|\*\*|\[xx\]|xt|tx)p(?=s?(?:\[:\]|\(:\)|:))")
_BRACKET_COLON = re.compile(r"\[:\]|\(:\)")
_BRACKET_DOT = re.compile(r"(?<!\s)\s*[\[({<]\s*(?:\.|dot)\s*[\])}>]\s*")
"""A dot or the word "dot" in any brackets: "[.]", "(dot)", "<.>", "[ . ]", "{ dot }". A match
starts only where a whitespace run starts, so a long run of spaces is scanned once, not once
per space (which took minutes on 200,000 spaces)."""
_SPOKEN_DOTS = re.compile(
    r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
    r"(?:(?:\s+d[o0]t\s+|\s+\.\s*|\.)[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+"
)
_SPOKEN_SEP = re.compile(r"\s+d[o0]t\s+|\s+\.\s*")


@lru_cache(maxsize=8192)
def fold_char(char: str) -> tuple[str, str]:
    """The Latin lowercase form of one non-ASCII character and the step that produced it.

    Returns ``(replacement, step)``; step is ``""`` when the change is only a case change.
    """
    if char in INVISIBLE or unicodedata.category(char) == "Cf":
        return "", "invisible"
    if char in CONFUSABLES:
        return CONFUSABLES[char], "homoglyph"
    out, step = _decomposed(char)
    if out.isascii():
        return out, step
    # Nothing in the hand table and no ASCII decomposition: Unicode's confusables data, then
    # the letter a symbol is named after (see confusables.py for why in this order).
    if letter := uts39_letter(char):
        return letter, "homoglyph"
    if letter := named_latin_letter(char):
        return letter, "compatibility"
    return out, step


def _decomposed(char: str) -> tuple[str, str]:
    """NFKD with combining marks dropped and the hand table applied to each piece."""
    decomposed = unicodedata.normalize("NFKD", char)
    out: list[str] = []
    step = ""
    if unicodedata.normalize("NFKC", char) != unicodedata.normalize("NFC", char):
        step = "compatibility"
    for piece in decomposed:
        if unicodedata.combining(piece):
            step = step or "accents"
            continue
        if piece in CONFUSABLES:
            out.append(CONFUSABLES[piece])
            step = step or "homoglyph"
        else:
            out.append(piece.lower())
    return "".join(out), step


def fold_text(text: str) -> View:
    """Fold every character (see ``fold_char``) and lowercase; the first stage of every view."""
    return fold_view(View(text))


def fold_view(view: View) -> View:
    """``fold_text`` over a view that earlier stages have already rewritten."""
    text = view.text
    edits = []
    for m in _NON_ASCII.finditer(text):
        repl, step = fold_char(m.group())
        if repl != m.group():
            edits.append(Edit(m.start(), m.end(), repl, step))
    view = view.then(edits)
    lowered = view.text.lower()
    if len(lowered) == len(view.text):  # always true once non-ASCII is folded; guard anyway
        view.text = lowered
    return view


def refang(view: View, *, is_suffix: SuffixCheck) -> View:
    """Undo URL defanging: ``hxxp``, ``[:]``, ``[.]``/``(dot)``, and spoken ``name dot tld``.

    Spoken or spaced dots are only joined when the last label is a public suffix, so prose
    such as "connect the dots. Then" is left alone.
    """
    edits = [Edit(m.start(), m.end(), "http", "defang") for m in _HXXP.finditer(view.text)]
    edits += [Edit(m.start(), m.end(), ":", "defang") for m in _BRACKET_COLON.finditer(view.text)]
    edits += [Edit(m.start(), m.end(), ".", "defang") for m in _BRACKET_DOT.finditer(view.text)]
    edits.sort(key=lambda e: e.start)
    view = view.then(edits)
    spoken: list[Edit] = []
    if " dot " not in view.text and " d0t " not in view.text and " ." not in view.text:
        return view  # the common case: nothing spoken or spaced to join
    for m in _SPOKEN_DOTS.finditer(view.text):
        seps = list(_SPOKEN_SEP.finditer(m.group()))
        if not seps:
            continue
        labels = _SPOKEN_SEP.sub(".", m.group())
        parts = labels.split(".")
        if len(parts) > 2 and all(len(part) == 1 for part in parts[:-1]):
            continue  # "p . r . o.example": spaced-out letters, joined by join_spaced_letters
        if is_suffix(labels):
            spoken += [
                Edit(m.start() + s.start(), m.start() + s.end(), ".", "defang") for s in seps
            ]
    return view.then(spoken)


def join_spaced_letters(view: View, *, is_suffix: SuffixCheck | None = None) -> View:
    """Collapse runs of three or more single characters: "n u d i f y" -> "nudify".

    With ``is_suffix``, the gap after a joined run also becomes a dot when the next label
    (joined or written whole) makes a name with a public suffix: in "c.l.o.t.h.e.s t.e.s.t"
    or "n u d e . example" the host's own dot was spaced out like its letters.
    """
    text = view.text
    runs = list(_SPACED.finditer(text))
    if not runs:
        return view
    joined = {m.start(): (m.end(), _join_run(m.group(), m.group(1))) for m in runs}
    edits = [Edit(start, end, word, "spaced_letters") for start, (end, word) in joined.items()]
    if is_suffix is not None:
        consumed = -1  # a run read as the last label of a host ends that host
        for start, (end, word) in list(joined.items()):
            gap = _LABEL_GAP.match(text, end)
            if start == consumed:
                continue
            if gap is None or gap.end() >= len(text):
                continue
            if gap.end() in joined:
                label = joined[gap.end()][1]
            elif (nxt := _NEXT_LABEL.match(text, gap.end())) and not _is_word_at(text, nxt.end()):
                label = nxt.group()
            else:
                continue
            if _HOST_LABEL.fullmatch(word) and is_suffix(f"{word}.{label}"):
                edits.append(Edit(gap.start(), gap.end(), ".", "spaced_letters"))
                consumed = gap.end()
        edits.sort(key=lambda e: e.start)
    return view.then(edits)


def _join_run(run: str, sep: str) -> str:
    """A spaced-out run without its separators; a ``-`` or ``_`` between two of them stays."""
    gap = re.compile(re.escape(sep) + r"(?:([-_])" + re.escape(sep) + ")?")
    return gap.sub(lambda m: m.group(1) or "", run)


def _is_word_at(text: str, i: int) -> bool:
    return i < len(text) and (text[i].isalnum() or text[i] == "_")


def strip_emphasis(view: View) -> View:
    """Drop markdown emphasis and code marks hugging a word: "**any**", "`undress`", "_x_".

    Marks inside a word ("clothoff_demo_bot") are not touched.
    """
    if not any(c in view.text for c in "*_~`"):
        return view
    return view.then(Edit(m.start(), m.end(), "", "markup") for m in _EMPHASIS.finditer(view.text))


def undo_leetspeak(view: View) -> View:
    """Map leet characters to letters inside tokens that also contain letters ("nud1fy")."""
    edits = []
    text = view.text
    for m in _LEET_TOKEN.finditer(text):
        token = m.group()
        for i, char in enumerate(token):
            if char not in LEET:
                continue
            before = token[i - 1] if i else ""
            after = token[i + 1] if i + 1 < len(token) else ""
            # "@" and "!" only stand for letters between letters: "@handle" and "free!" stay.
            if char in "@!|" and not (before.isalpha() and after.isalpha()):
                continue
            if char == "$" and not (before.isalpha() or after.isalpha()):
                continue  # "$5" is money
            edits.append(Edit(m.start() + i, m.start() + i + 1, LEET[char], "leetspeak"))
    return view.then(edits)


def undo_numeric_leetspeak(view: View) -> View:
    """Read tokens made only of leet digits as letters: "533 through" -> "see through".

    Never used on its own: a hit in this view counts only when it also covers letters as
    written (see ``Views.numeric``), so a bare number never matches a word.
    """
    edits = [
        Edit(m.start() + i, m.start() + i + 1, LEET[char], "leetspeak")
        for m in _DIGIT_TOKEN.finditer(view.text)
        for i, char in enumerate(m.group())
    ]
    return view.then(edits)


def squeeze_spaces(view: View) -> View:
    """Every whitespace run becomes one space (not reported: it hides nothing)."""
    return view.then(Edit(m.start(), m.end(), " ", "") for m in _SPACE_RUN.finditer(view.text))


def remove_in_word_punctuation(view: View) -> View:
    """Drop punctuation between letters: "nu-di-fy" and "nu.di.fy" -> "nudify"."""
    edits = [
        Edit(m.start(), m.end(), "", "punctuation_in_word")
        for m in _IN_WORD_PUNCT.finditer(view.text)
    ]
    return view.then(edits)


def skeleton(text: str) -> str:
    """The l/i-folded form used on both sides of every keyword comparison."""
    return text.translate(_SKELETON)


def leet_fold_label(label: str) -> str:
    """A domain label or handle with leet characters read as letters (only if it has letters)."""
    if not _HAS_LETTER.search(label):
        return label
    return "".join(LEET.get(c, c) if c not in "@!|" else c for c in label)


@dataclass(slots=True)
class Views:
    """The three views of one text; see the module docstring."""

    base: View
    words: View
    joined: View
    unbroken: View | None = None
    """The words view read across line breaks inside words ("clothoff_de\nmo_bot"), when
    the text has any; an extra view, because most such breaks are between real words."""
    unbroken_joined: View | None = None
    numeric: View | None = None
    """The words view with all-digit leet tokens read as letters ("533 through any outfit"),
    when it has any; keyword hits here count only if they also cover a letter of ``words``
    (the two views have the same length, character for character)."""
    spaced_host: View | None = None
    """The words view with a spaced-out host's own dot read back where it was written as a
    space or a spaced dot ("c.l.o.t.h.e.s t.e.s.t"); only hosts and handles are read here, as
    the same gap between spaced-out words of a phrase ("h.e.r p.i.c.s") is a word break."""
    letters_joined: bool = False
    """Whether spaced-out letters were joined: only then can the words view hold a host or
    handle the base view does not (leetspeak in hosts is folded when matching)."""

    def host_views(self) -> list[View]:
        """Views other than ``base`` worth reading URLs and handles in: where spaced-out,
        separated or broken letters were joined into a host or handle ("d•e•e•p.test")."""
        out = [self.words] if self.letters_joined else []
        if self.spaced_host is not None:
            out.append(self.spaced_host)
        if self.unbroken is not None:
            out.append(self.unbroken)
        return out

    def keyword_views(self) -> list[View]:
        """Views keywords are looked for in."""
        extra = [self.unbroken_joined] if self.unbroken_joined is not None else []
        return [self.words, self.joined, *extra]


def join_broken_words(view: View) -> View:
    """Drop a line break that sits straight between two word characters ("clothoff_de\nmo")."""
    edits = [
        Edit(m.start(), m.end(), "", "punctuation_in_word")
        for m in _IN_WORD_BREAK.finditer(view.text)
    ]
    return view.then(edits)


def build_views(text: str, *, is_suffix: SuffixCheck) -> Views:
    """Normalise ``text`` into its base, words and joined views (and the unbroken ones)."""
    base = refang(fold_view(decode_escapes(View(text))), is_suffix=is_suffix)
    plain = strip_emphasis(base)
    spaced = join_spaced_letters(plain)
    words = squeeze_spaces(undo_leetspeak(spaced))
    # Leetspeak again after joining: "ph-0t-0" only has letters next to its "0"s once joined.
    joined = undo_leetspeak(remove_in_word_punctuation(words))
    views = Views(base=base, words=words, joined=joined)
    views.letters_joined = spaced.text != plain.text
    if views.letters_joined:
        labels = join_spaced_letters(plain, is_suffix=is_suffix)
        if labels.text != spaced.text:
            views.spaced_host = squeeze_spaces(undo_leetspeak(labels))
    if _DIGIT_TOKEN.search(words.text):
        views.numeric = undo_numeric_leetspeak(words)
    if _IN_WORD_BREAK.search(base.text):
        unbroken = squeeze_spaces(
            undo_leetspeak(join_spaced_letters(strip_emphasis(join_broken_words(base))))
        )
        views.unbroken = unbroken
        views.unbroken_joined = undo_leetspeak(remove_in_word_punctuation(unbroken))
    return views


def normalise_phrase(phrase: str) -> tuple[str, str]:
    """A keyword as it would appear in the words view and in the joined view."""
    words = squeeze_spaces(undo_leetspeak(fold_text(phrase))).text.strip()
    joined = undo_leetspeak(remove_in_word_punctuation(View(words))).text
    return words, joined
