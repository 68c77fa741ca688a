"""Undo one slip of the keyboard in the guard's English key words ("remvoe", "undres", "nakked").

Abusers and hurried users misspell the few words the English rules hinge on, and a rule that
needs "undress" does not read "udnress". This module rewrites a token into one of
``KEY_WORDS`` when it is that word with two neighbouring letters swapped, one letter left out
or one letter doubled or added, keeping the first letter. It never substitutes a letter: a
substitution turns real words into key words ("named" and "baked" are one letter from
"naked", "remote" from "remove"), and the rules must not read those. Tokens that are real words
one step from a key word (``REAL_WORDS``: "cloths") and inflections (a token that starts with a
key word or that a key word starts with: "removed", "clothe", Indonesian "bikin") are left
alone, except a doubled last letter typed once ("undres").

``rules`` scans the corrected text with the English intent rules when the text as typed has no
hit; evidence says
"after correcting a misspelling".
"""

from __future__ import annotations

import re

KEY_WORDS = (
    "undress",
    "clothes",
    "clothing",
    "naked",
    "remove",
    "nudify",
    "topless",
    "lingerie",
    "underwear",
    "transparent",
    "bikini",
)
REAL_WORDS = frozenset({"cloths", "clothe", "remover", "naker"})
MIN_LENGTH = 4
_TOKEN = re.compile(r"[a-z]+")


def _one_slip(token: str, word: str) -> bool:
    """``token`` is ``word`` with two neighbours swapped, one letter dropped, or one added."""
    if token[0] != word[0] or token == word:
        return False
    if len(token) == len(word):
        diff = [i for i, (a, b) in enumerate(zip(token, word, strict=True)) if a != b]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and token[diff[0]] == word[diff[1]]
            and token[diff[1]] == word[diff[0]]
        )
    shorter, longer = (token, word) if len(token) < len(word) else (word, token)
    if len(longer) - len(shorter) != 1:
        return False
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(1, len(longer)))


def _correct(token: str) -> str:
    if len(token) < MIN_LENGTH or token in REAL_WORDS or token in KEY_WORDS:
        return token
    for word in KEY_WORDS:
        if token == word[:-1] and word[-1] == word[-2]:
            return word  # "undres": one of a doubled last letter dropped
        if token.startswith(word) or word.startswith(token):
            return token  # an inflection or a clipped form ("bikin" is Indonesian), not a slip
    return next((word for word in KEY_WORDS if _one_slip(token, word)), token)


def correct_spelling(text: str) -> str:
    """``text`` (lower case) with each one-slip misspelling of a key word corrected."""
    return _TOKEN.sub(lambda m: _correct(m.group()), text)
