"""Turning the text of one record into a :class:`NewEntry`, and back.

Shared by every format so that a field means the same thing, and is checked
the same way, whether it came from CSV, JSON Lines or a threatexchange file.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from shieldwall.errors import InvalidHashError, InvalidRecordError
from shieldwall.exchange.formats import (
    FIELDS,
    SIGNAL_ALIASES,
    STATUS_FIELD,
    TEXT_FIELD_MAX,
    UNSUPPORTED_THREATEXCHANGE_TYPES,
)
from shieldwall.hashing.values import normalize_hash
from shieldwall.types import EntryStatus, HashKind, NewEntry, Provenance

_TEXT_FIELDS = ("category", "source", "external_id", "case_id")
_TIME_FIELDS = ("submitted_at", "expires_at")


def parse_signal_type(name: str) -> HashKind:
    """Our signal type for ``name`` (ours or threatexchange's), or a per-line error."""
    key = name.strip().lower()
    found = SIGNAL_ALIASES.get(key)
    if found is not None:
        return found
    if key in UNSUPPORTED_THREATEXCHANGE_TYPES:
        raise InvalidRecordError(
            "signal type is not one Shieldwall banks (pdq, md5, sha256)", value=name
        )
    raise InvalidHashError(
        "unknown signal type; expected one of pdq, md5, sha256, video_md5, video_sha256",
        value=name,
    )


def check_text(field: str, value: str) -> str:
    """``value`` if it is fit for a text field, else raise :class:`InvalidRecordError`.

    Control characters are refused: they break line-based formats and can
    disguise text in logs and review screens.
    """
    if len(value) > TEXT_FIELD_MAX:
        raise InvalidRecordError(f"{field} is longer than {TEXT_FIELD_MAX} characters", value=value)
    if any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        raise InvalidRecordError(f"{field} contains control characters", value=value)
    return value


def parse_time(field: str, text: str) -> datetime:
    """An ISO 8601 timestamp as an aware UTC datetime; naive ones are taken as UTC."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidRecordError(
            f"{field} must be an ISO 8601 timestamp like 2024-05-01T12:00:00Z", value=text
        ) from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def format_time(value: datetime | None) -> str | None:
    """The written form of a timestamp: ISO 8601 in UTC (naive values are taken as UTC)."""
    if value is None:
        return None
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat()


def entry_from_fields(fields: Mapping[str, object]) -> NewEntry:
    """Build a :class:`NewEntry` from one record's fields (strings or None).

    Missing and empty optional fields are None. Raises an
    :class:`~shieldwall.errors.InputError` naming the first bad field.
    """
    values: dict[str, str | None] = {}
    for name in FIELDS:  # other keys (a partner's own columns) are ignored
        if name == STATUS_FIELD:
            continue
        raw = fields.get(name)
        if raw is None:
            values[name] = None
        elif isinstance(raw, str):
            values[name] = raw if raw.strip() else None
        else:
            raise InvalidRecordError(f"{name} must be a string or null", value=raw)
    kind_text, hash_text = values.get("signal_type"), values.get("value")
    if kind_text is None:
        raise InvalidRecordError("signal_type is missing")
    if hash_text is None:
        raise InvalidRecordError("value is missing")
    kind = parse_signal_type(kind_text)
    value = normalize_hash(kind, hash_text)
    text = {name: check_text(name, v) for name in _TEXT_FIELDS if (v := values.get(name))}
    times = {name: parse_time(name, v) for name in _TIME_FIELDS if (v := values.get(name))}
    return NewEntry(
        signal_type=kind,
        value=value,
        provenance=Provenance(
            source=text.get("source"),
            external_id=text.get("external_id"),
            case_id=text.get("case_id"),
            submitted_at=times.get("submitted_at"),
        ),
        category=text.get("category"),
        expires_at=times.get("expires_at"),
    )


def status_from_fields(fields: Mapping[str, object]) -> EntryStatus:
    """A record's status: ``active`` when missing or empty, else ``withdrawn`` or
    ``deleted`` (a tombstone)."""
    raw = fields.get(STATUS_FIELD)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return EntryStatus.ACTIVE
    if not isinstance(raw, str) or raw.strip().lower() not in {s.value for s in EntryStatus}:
        raise InvalidRecordError("status must be active, withdrawn or deleted", value=raw)
    return EntryStatus(raw.strip().lower())


def fields_from_entry(
    entry: NewEntry, status: EntryStatus = EntryStatus.ACTIVE
) -> dict[str, str | None]:
    """The written fields of ``entry``; refuses text a line-based reader could not read back."""
    prov = entry.provenance
    text = {
        "category": entry.category,
        "source": prov.source,
        "external_id": prov.external_id,
        "case_id": prov.case_id,
    }
    for name, value in text.items():
        if value is not None:
            check_text(name, value)
    kind = HashKind(entry.signal_type)
    return {
        "signal_type": kind.value,
        "value": normalize_hash(kind, entry.value),
        **text,
        "submitted_at": format_time(prov.submitted_at),
        "expires_at": format_time(entry.expires_at),
        STATUS_FIELD: status.value,
    }
