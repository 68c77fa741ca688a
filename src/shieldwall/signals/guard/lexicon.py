"""Keyword rules for the languages, scripts and transliterations that ``rules`` does not read.

``rules`` reads English and five Western European languages through the text normaliser, which
folds look-alike letters *to Latin*: right for "undrеss" with a Cyrillic ``е``, wrong for a
Russian sentence (``раздень`` comes out as ``paздehb``) and for scripts whose vowel signs are
combining marks (Devanagari loses them with the accents). So this module reads two views of
its own:

* ``native``: NFKC, case-folded, invisible characters removed, Arabic short vowels and tatweel
  removed and alef forms unified, the Devanagari nukta removed, and Latin look-alikes inside a
  Cyrillic word turned back into Cyrillic (``pаздень`` written with a Latin ``p``);
* ``compact``: ``native`` without spaces between Chinese, Japanese or Korean characters;
* ``folded``: ``native`` with the accents of Latin letters removed and ``ı``/``ł`` folded
  (Turkish, Polish and Vietnamese typed without diacritics, which is how many people type
  them), and the normaliser's ``words`` view (leetspeak and spaced letters undone).

Each language lists the same groups as ``rules`` (an undress intent, a sexualising intent, the
name of a nudify tool, a specific person, a pronoun, and markers of a question or report about
the abuse), and ``scan_languages`` returns them so that the guard applies one decision rule to
every language. The words were chosen from the tuning half of
``tests/unit/signals/guard/multilingual.py`` and general knowledge of each language; the
held-out half was never used to choose them.

Written patterns only: no wording here is explicit, and nothing here generates anything.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from shieldwall.signals.guard.languages import GROUPS, LEXICONS, Lexicon
from shieldwall.signals.guard.word_table import WORD_LEXICONS
from shieldwall.signals.text.confusables import INVISIBLE

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u0640]")
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})


ALL_LEXICONS: tuple[Lexicon, ...] = LEXICONS + WORD_LEXICONS
"""The hand-written lexicons of ``languages`` and those built from ``word_table``'s rows."""


def _compile(group: str) -> re.Pattern[str]:
    parts = []
    for lexicon in ALL_LEXICONS:
        # Patterns are folded like the view (alef forms, ta marbuta), so they can be written
        # in ordinary spelling.
        body = "|".join(getattr(lexicon, group)).translate(_ALEF)
        if not body:
            continue
        if lexicon.bounded:
            body = rf"(?<!\w)(?:{body})(?!\w)"
        parts.append(f"(?P<{_group_name(lexicon.language)}>{body})")
    return re.compile("|".join(parts))


def _group_name(language: str) -> str:
    return "l_" + re.sub(r"\W", "_", language)


_LANGUAGE_OF = {_group_name(lexicon.language): lexicon.language for lexicon in ALL_LEXICONS}
PATTERNS: dict[str, re.Pattern[str]] = {group: _compile(group) for group in GROUPS}

_NUKTA = "\u093c"
_TO_CYRILLIC = str.maketrans(
    {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к", "m": "м"}
)
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_TOKEN = re.compile(r"\S+")
_LATIN_FOLD = str.maketrans({"ı": "i", "ł": "l", "đ": "d"})


def _uncyrillic_lookalikes(text: str) -> str:
    # A Russian word typed with some Latin look-alikes ("pаздень") is read as Cyrillic; words
    # with no Cyrillic letter at all are left alone.
    return _TOKEN.sub(
        lambda m: m.group().translate(_TO_CYRILLIC) if _CYRILLIC.search(m.group()) else m.group(),
        text,
    )


def native_view(prompt: str) -> str:
    """The prompt as its own script reads it; see the module docstring."""
    text = unicodedata.normalize("NFKC", prompt).casefold()
    text = "".join(ch for ch in text if ch not in INVISIBLE and unicodedata.category(ch) != "Cf")
    text = _ARABIC_MARKS.sub("", text).translate(_ALEF).replace(_NUKTA, "")
    text = _uncyrillic_lookalikes(text)
    return " ".join(text.split())


_SPACE_IN_CJK = re.compile(
    r"(?<=[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])\s+(?=[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af])"
)


def compact_view(native: str) -> str:
    """``native`` without spaces between Chinese, Japanese or Korean characters ("脱 掉")."""
    return _SPACE_IN_CJK.sub("", native)


def folded_view(native: str) -> str:
    """``native`` with the accents of Latin letters removed (Turkish, Polish, Vietnamese)."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", native.translate(_LATIN_FOLD)):
        if unicodedata.combining(ch) and out and "a" <= out[-1] <= "z":
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


@dataclass(frozen=True, slots=True)
class LexiconHit:
    """One phrase a language's group matched, as the view read it."""

    group: str
    language: str
    quote: str

    def describe(self) -> str:
        return f"{self.group} phrase {self.quote!r} ({self.language})"


def scan_languages(prompt: str, extra_views: tuple[str, ...] = ()) -> dict[str, list[LexiconHit]]:
    """Every group's hits over the native, folded and ``extra_views`` of the prompt."""
    native = native_view(prompt)
    views = dict.fromkeys((native, folded_view(native), compact_view(native), *extra_views))
    found: dict[str, list[LexiconHit]] = {group: [] for group in GROUPS}
    for group, pattern in PATTERNS.items():
        seen: set[str] = set()
        for view in views:
            for m in pattern.finditer(view):
                quote = m.group()[:60].strip()
                if quote in seen:
                    continue
                seen.add(quote)
                language = next(
                    (_LANGUAGE_OF[name] for name, text in m.groupdict().items() if text), "?"
                )
                found[group].append(LexiconHit(group, language, quote))
    return found
