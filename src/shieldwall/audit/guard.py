"""The door guard: what may never enter the audit trail.

A chained value cannot be removed without breaking verification, so media
bytes, secrets and blobs are refused before an event is built, with an error
that names the offending key. The same rules keep the canonical encoding
unambiguous: ASCII keys, no NaN, integers every JSON reader reads exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from shieldwall.audit.canonical import MAX_SAFE_INT, JSONValue, canonical_json, canonical_text
from shieldwall.audit.errors import AuditDetailRejectedError

MAX_VALUE_BYTES = 4096
"""Largest canonical encoding of one top-level details value, in bytes."""

MAX_DETAILS_BYTES = 64 * 1024
"""Largest canonical encoding of a whole details mapping, in bytes."""

MAX_DEPTH = 8
"""Deepest nesting of lists and mappings inside details."""

_KEY_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$")

# Substrings of a lower-cased key that mark a credential. Deliberately broad: a
# false refusal costs a rename, a false acceptance leaks a secret forever.
_SECRET_KEY_PATTERN = re.compile(
    r"secret|passw|passphrase|api[_.-]?key|token|private[_.-]?key|credential|cookie"
)

_BINARY_TYPES = (bytes, bytearray, memoryview)


def is_secret_key(key: str) -> bool:
    """True when ``key`` is named like a secret (password, token, api_key, ...)."""
    return _SECRET_KEY_PATTERN.search(key.lower()) is not None


_ACCEPTED_KEYS: set[str] = set()
"""Keys that passed :func:`_check_key` (events reuse a few dozen names; bounded below)."""


def _check_key(key: object, path: str) -> str:
    if type(key) is str and key in _ACCEPTED_KEYS:
        return key
    if not isinstance(key, str) or not _KEY_PATTERN.match(key):
        raise AuditDetailRejectedError(
            f"details key at {path or 'top level'} must be 1-64 ASCII letters, digits, '_', "
            "'.' or '-', starting with a letter or '_'",
            value=key,
        )
    if is_secret_key(key):
        raise AuditDetailRejectedError(
            f"details key {path + key!r} is named like a secret; secrets never enter the audit "
            "trail (log that a secret changed, not its value)",
            value=key,
        )
    if type(key) is str and len(_ACCEPTED_KEYS) < 4096:
        _ACCEPTED_KEYS.add(key)
    return key


def _check_value(value: object, path: str, depth: int) -> JSONValue:
    # The common shapes first, by exact type: the audit append is on every lookup's write.
    if type(value) is str and value.isascii():
        return value
    if type(value) is int and -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
        return value
    if type(value) is dict and depth < MAX_DEPTH:
        # An ASCII string value (most of them) is kept without a call or a path.
        return {
            _check_key(k, path + "."): _check_value(v, path + "." + k, depth + 1)
            if type(v) is not str or not v.isascii()
            else v
            for k, v in value.items()
        }
    if type(value) is list and depth < MAX_DEPTH:
        return [
            v if type(v) is str and v.isascii() else _check_value(v, f"{path}[{i}]", depth + 1)
            for i, v in enumerate(value)
        ]
    if value is None or type(value) is bool:
        return value
    if type(value) is float and math.isfinite(value):
        return value
    return _check_other(value, path, depth)


def _check_other(value: object, path: str, depth: int) -> JSONValue:
    """Everything :func:`_check_value` did not pass by exact type (None and bools it did)."""
    if isinstance(value, _BINARY_TYPES):
        raise AuditDetailRejectedError(
            f"details value {path!r} is bytes; media and binary data never enter the audit trail "
            "(record a hash of it instead)",
            value=path,
        )
    if isinstance(value, int):
        if not -MAX_SAFE_INT <= value <= MAX_SAFE_INT:
            raise AuditDetailRejectedError(
                f"details value {path!r} is outside ±(2**53-1); write large numbers as strings",
                value=value,
            )
        return int(value)  # drops IntEnum and other subclasses
    if isinstance(value, float):
        if not math.isfinite(value):
            raise AuditDetailRejectedError(
                f"details value {path!r} is not a finite number", value=value
            )
        return float(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8", "strict")
        except UnicodeEncodeError as exc:
            raise AuditDetailRejectedError(
                f"details value {path!r} is not valid Unicode text", value=value
            ) from exc
        return str(value)  # drops StrEnum and other subclasses
    if depth >= MAX_DEPTH:
        raise AuditDetailRejectedError(
            f"details nest deeper than {MAX_DEPTH} levels at {path!r}", value=path
        )
    if isinstance(value, Mapping):
        return {
            _check_key(k, f"{path}."): _check_value(v, f"{path}.{k}", depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_check_value(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    raise AuditDetailRejectedError(
        f"details value {path!r} has type {type(value).__name__}; use str, int, float, bool, "
        "None, list or mapping (convert datetimes with isoformat())",
        value=path,
    )


def check_details(details: Mapping[str, object]) -> dict[str, JSONValue]:
    """Validate event details and return a plain copy in canonical-ready form.

    Raises :class:`AuditDetailRejectedError` for bytes anywhere, keys named like
    secrets (case-insensitive), a top-level value whose canonical encoding is
    over :data:`MAX_VALUE_BYTES`, and anything the canonical encoding cannot
    represent exactly, and details over :data:`MAX_DETAILS_BYTES` in all.
    """
    return checked_details(details)[0]


def checked_details(details: Mapping[str, object]) -> tuple[dict[str, JSONValue], str]:
    """:func:`check_details` and the copy's canonical text, which the check computes anyway
    (the event builder hashes and stores it rather than encoding the details again)."""
    if not isinstance(details, Mapping):
        raise AuditDetailRejectedError("details must be a mapping", value=type(details).__name__)
    clean: dict[str, JSONValue] = {}
    for key, value in details.items():
        _check_key(key, "")
        clean[key] = _check_value(value, key, 1)
    text = canonical_text(clean)
    total = len(text.encode("utf-8", "strict"))
    # Each value's encoding is part of the whole's, so only details over the per-value
    # limit in all can hold a value over it: the common event costs one encoding, not one
    # per key (the audit append is on every lookup's write path).
    if total > MAX_VALUE_BYTES:
        for key, checked in clean.items():
            size = len(canonical_json(checked))
            if size > MAX_VALUE_BYTES:
                raise AuditDetailRejectedError(
                    f"details value {key!r} is {size} bytes once encoded; the limit is "
                    f"{MAX_VALUE_BYTES} (store large evidence elsewhere and record its hash)",
                    value=key,
                )
    if total > MAX_DETAILS_BYTES:
        raise AuditDetailRejectedError(
            f"details are {total} bytes once encoded; the limit is {MAX_DETAILS_BYTES}",
            value=", ".join(clean),
        )
    return clean, text
