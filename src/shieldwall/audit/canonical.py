"""The canonical byte encoding that the audit hash chain commits to.

An auditor must be able to recompute every hash without Shieldwall, so the
encoding is deliberately small and spelled out in ``docs/audit.md``:
compact JSON with sorted keys, UTF-8 without escaping non-ASCII characters,
ASCII-only object keys (so "sorted" means the same thing in every language),
integers within the IEEE-754 safe range, finite floats written the way Python's
``repr`` writes them, ``None`` as ``null`` (never dropped), and timestamps as
``YYYY-MM-DDTHH:MM:SS.ffffffZ``.

Event details are stored deeply frozen (read-only mappings and tuples) so a
chained event cannot be edited in place by accident; :func:`canonical_json`
thaws them on the way out.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import MappingProxyType
from typing import TypeAlias

JSONValue: TypeAlias = (
    "bool | int | float | str | Sequence[JSONValue] | Mapping[str, JSONValue] | None"
)
"""A value that may appear in event details (after validation)."""

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of the first event (seq 1): 32 zero bytes in hex."""

FORMAT_VERSION = 1
"""Written as ``"v"`` in every canonical object; a new encoding gets a new number."""

MAX_SAFE_INT = 2**53 - 1
"""Largest integer every JSON reader (JavaScript included) reads back exactly."""

_AT_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def format_at(at: datetime) -> str:
    """The canonical text of an instant: UTC, always six fractional digits, ``Z``.

    Naive datetimes are refused: a time without a zone cannot be placed on the
    regulator's timeline.
    """
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit timestamps must be timezone-aware")
    u = at.astimezone(UTC)
    # Formatted by hand: strftime pads years below 1000 differently per platform.
    return (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T"
        f"{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"
    )


def parse_at(text: str) -> datetime:
    """Read a timestamp written by :func:`format_at`; any other form is refused."""
    if not isinstance(text, str) or not _AT_PATTERN.match(text):
        raise ValueError("timestamp must look like 2025-01-31T12:00:00.000000Z")
    # The pattern above fixed the form; fromisoformat is the fast way to read it.
    return datetime.fromisoformat(text[:-1]).replace(tzinfo=UTC)


def is_hex_digest(value: object) -> bool:
    """True for 64 lowercase hex characters (a SHA-256 digest as the chain writes it)."""
    return isinstance(value, str) and _HEX64.match(value) is not None


def freeze(value: object) -> JSONValue:
    """A read-only deep copy of a JSON value: mappings become proxies, lists become tuples."""
    kind = type(value)
    if kind in _SCALARS:  # the common case, without the ABC checks below
        return value  # type: ignore[return-value]  # validated by the caller
    if kind is dict or isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})  # type: ignore[attr-defined]
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value  # type: ignore[return-value]  # scalars, already validated by the caller


_SCALARS = frozenset({str, int, float, bool, type(None)})


def thaw(value: object) -> object:
    """Plain ``dict``/``list`` copy of a frozen value (for ``json`` and for callers)."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(v) for v in value]
    return value


def _encode_default(value: object) -> object:
    # json only knows dict; frozen details use MappingProxyType.
    if isinstance(value, MappingProxyType):
        return dict(value)
    raise TypeError(f"value of type {type(value).__name__} has no canonical encoding")


_ENCODER = json.JSONEncoder(
    sort_keys=True,
    separators=(",", ":"),
    ensure_ascii=False,
    allow_nan=False,
    default=_encode_default,
)
"""One encoder for every call: ``json.dumps`` with options builds a new one each time."""


def canonical_text(value: object) -> str:
    """:func:`canonical_json` before the UTF-8 step (for splicing into a larger encoding)."""
    return _ENCODER.encode(value)


def canonical_json(value: object) -> bytes:
    """The canonical UTF-8 encoding of a JSON value (see the module docstring).

    Raises ``ValueError``/``TypeError`` for values outside the encoding (NaN,
    bytes, lone surrogates...). Callers validate first; the verifier treats an
    exception here as a malformed event.
    """
    # "strict" makes lone surrogates an error instead of silently encoding them.
    return canonical_text(value).encode("utf-8", "strict")


def chain_hash(prev_hash: str, canonical: bytes) -> str:
    """``sha256(bytes.fromhex(prev_hash) || canonical)`` as lowercase hex."""
    if not is_hex_digest(prev_hash):
        raise ValueError("prev_hash must be 64 lowercase hex characters")
    return hashlib.sha256(bytes.fromhex(prev_hash) + canonical).hexdigest()
