"""Hash values as text and bytes: validation, conversion and Hamming distance.

Hashes travel as lowercase hex (files, JSON, the database) and are matched as
bytes. Validation lives here so that every entry point (CLI, API, imports)
rejects the same malformed values with the same error.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from shieldwall.errors import InvalidHashError, InvalidRecordError
from shieldwall.types import HashKind

_HEX = frozenset(string.hexdigits)


def normalize_hash(signal_type: HashKind | str, value: str) -> str:
    """Return ``value`` as canonical lowercase hex, or raise :class:`InvalidHashError`.

    Surrounding white space is tolerated (hand-edited CSV files); anything else
    that is not exactly the right number of hex digits is refused.
    """
    try:
        kind = HashKind(signal_type)
    except ValueError as exc:
        raise InvalidHashError(
            f"unknown signal type; expected one of {', '.join(t.value for t in HashKind)}",
            value=signal_type,
        ) from exc
    if not isinstance(value, str):
        raise InvalidHashError(f"{kind.value} hash must be a string", value=value)
    text = value.strip().lower()
    if len(text) != kind.hex_length or not _HEX.issuperset(text):
        raise InvalidHashError(
            f"{kind.value} hash must be {kind.hex_length} hex characters", value=value
        )
    return text


def pdq_to_bytes(value: str) -> bytes:
    """32 bytes of a PDQ hash given as 64 hex characters (validated)."""
    return bytes.fromhex(normalize_hash(HashKind.PDQ, value))


def hamming(a: str, b: str) -> int:
    """Hamming distance between two PDQ hashes in hex."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


VARIANT_NAME_MAX = 64
"""Longest bank-side variant name (the bank store's column is this wide)."""

_RESERVED_NAMES = frozenset({"original"})

ORIGINAL = "original"
"""The name of the query as submitted (no transform)."""
_BANK_SEPARATOR = "@bank:"


@dataclass(frozen=True, slots=True)
class MatchedVariant:
    """Which view of the query met which stored hash: the one place that knows how a hit
    on a bank-side variant is written in ``Match.variant``.

    ``query`` is the query's variant (``None``: as submitted), ``bank`` the stored
    hash's variant name (``None``: the entry's plain hash). Written ``str()`` as
    ``"<query>@bank:<bank>"`` when the bank side is a variant (so the JSON stays a plain
    string for API clients and stored decisions), else as the query's name alone.
    """

    query: str | None = None
    bank: str | None = None

    def __str__(self) -> str:
        if self.bank is None:
            return self.query or ORIGINAL
        return f"{self.query or ORIGINAL}{_BANK_SEPARATOR}{self.bank}"

    @property
    def transformed(self) -> bool:
        """Whether the query was transformed (anything but the picture as submitted)."""
        return self.query not in (None, ORIGINAL)

    @classmethod
    def parse(cls, written: str | None) -> MatchedVariant:
        """The inverse of ``str()``; ``None`` is the plain query on the plain hash."""
        if written is None:
            return cls()
        query, sep, bank = written.partition(_BANK_SEPARATOR)
        return cls(query or None, bank if sep else None)

    @classmethod
    def wire(cls, query: str | None, bank: str | None) -> str | None:
        """What ``Match.variant`` holds for this hit: ``None`` for the plain query on the
        plain hash (the common case, kept ``None`` so it costs nothing), else ``str()``."""
        if bank is None:
            return query
        return str(cls(query, bank))


def check_variant_name(name: object, *, where: str = "variant name") -> str:
    """``name`` if it is fit to name a bank-side variant, else raise :class:`InvalidRecordError`.

    One rule for every way in (API, JSON Lines, the bank store itself): 1..64
    printable characters, no spaces at either end, not ``"original"`` (the plain
    hash is the entry's own value) and no ``@``, which separates the query's and
    the bank's variant in ``Match.variant`` (``"crop(center,92%)@bank:crop(center,80%)"``).
    """
    if not isinstance(name, str):
        raise InvalidRecordError(f"{where} must be a string", value=name)
    if not name.strip():
        raise InvalidRecordError(
            f"{where} is empty (1-{VARIANT_NAME_MAX} printable characters)", value=name
        )
    if name != name.strip():
        raise InvalidRecordError(f"{where} has spaces at its start or end", value=name)
    if len(name) > VARIANT_NAME_MAX:
        raise InvalidRecordError(
            f"{where} is longer than {VARIANT_NAME_MAX} characters "
            f"(1-{VARIANT_NAME_MAX} printable characters)",
            value=name,
        )
    if not name.isprintable():  # the store refuses the same: one rule, whoever asks
        raise InvalidRecordError(
            f"{where} contains control or other unprintable characters", value=name
        )
    if "@" in name:
        raise InvalidRecordError(f"{where} may not contain '@'", value=name)
    if name in _RESERVED_NAMES:
        raise InvalidRecordError(
            f"{where} may not be {name!r}: the plain hash is the entry's own value", value=name
        )
    return name
