"""Text every database can store: the one rule the shells apply at the edge.

PostgreSQL refuses a NUL character in ``text`` and ``jsonb`` values, and no
UTF-8 encoder accepts a lone surrogate (JSON can carry ``"\\ud800"``). SQLite
stores both. Refusing such values where they enter (API fields, paths, form
fields) makes the two databases behave the same and turns what used to be a
500 after a rolled-back transaction into a 422 that names the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

_MAX_DEPTH = 64


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text, or ``None`` when it can."""
    if "\x00" in value:
        return "must not contain a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode (no lone surrogates)"
    return None


def value_problem(value: object, _depth: int = 0) -> str | None:
    """The first unstorable string inside ``value`` (keys included), walking lists and dicts."""
    if isinstance(value, str):
        return text_problem(value)
    if _depth > _MAX_DEPTH:
        return f"is nested deeper than {_MAX_DEPTH} levels"
    if isinstance(value, Mapping):
        for key, item in value.items():
            problem = value_problem(key, _depth + 1) or value_problem(item, _depth + 1)
            if problem:
                return problem
    elif isinstance(value, Sequence) and not isinstance(value, bytes | bytearray):
        for item in value:
            problem = value_problem(item, _depth + 1)
            if problem:
                return problem
    return None
