"""Hash values as text and bytes: validation, conversion and Hamming distance.

Hashes travel as lowercase hex (files, JSON, the database) and are matched as
bytes. Validation lives here so that every entry point (CLI, API, imports)
rejects the same malformed values with the same error.
"""

from __future__ import annotations

import string

from shieldwall.errors import InvalidHashError
from shieldwall.types import SignalType

_HEX = frozenset(string.hexdigits)


def normalize_hash(signal_type: SignalType | str, value: str) -> str:
    """Return ``value`` as canonical lowercase hex, or raise :class:`InvalidHashError`.

    Surrounding white space is tolerated (hand-edited CSV files); anything else
    that is not exactly the right number of hex digits is refused.
    """
    try:
        kind = SignalType(signal_type)
    except ValueError as exc:
        raise InvalidHashError(
            f"unknown signal type; expected one of {', '.join(t.value for t in SignalType)}",
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
    return bytes.fromhex(normalize_hash(SignalType.PDQ, value))


def hamming(a: str, b: str) -> int:
    """Hamming distance between two PDQ hashes in hex."""
    return (int(a, 16) ^ int(b, 16)).bit_count()
