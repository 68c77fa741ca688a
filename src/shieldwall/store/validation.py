"""Checks the bank store applies before it writes anything.

The same rules hold whichever shell calls the store (API, CLI import,
pipeline), so a bad value is refused with the same error everywhere, and a
value the database would refuse (a too-long field on PostgreSQL) never gets
as far as aborting a bulk transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from shieldwall.errors import InputError, InvalidHashError, InvalidRecordError
from shieldwall.hashing.local_features import MAX_STORED_KEYPOINTS, LocalFeatures
from shieldwall.hashing.robust import MAX_BANK_VARIANTS
from shieldwall.hashing.values import check_variant_name, normalize_hash
from shieldwall.store.models import NAME_MAX, TEXT_FIELD_MAX
from shieldwall.types import HashKind, NewEntry

BANK_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
"""Bank names appear in URLs, CLI arguments and file names: keep them plain."""

THRESHOLD_MAX = 64
"""Largest PDQ threshold a bank may have; beyond it unrelated images match."""


def check_bank_name(name: str) -> str:
    """Return ``name`` if it is a valid bank name, else raise :class:`InputError`."""
    if not isinstance(name, str) or not BANK_NAME_RE.fullmatch(name) or len(name) > NAME_MAX:
        raise InputError(
            f"bank name must be 1-{NAME_MAX} letters, digits, '_', '.' or '-', "
            "starting with a letter or digit",
            value=name,
        )
    return name


def check_threshold(threshold: int) -> int:
    """Return ``threshold`` if it is a usable PDQ threshold, else raise :class:`InputError`."""
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise InputError("threshold must be an integer", value=threshold)
    if not 0 <= threshold <= THRESHOLD_MAX:
        raise InputError(f"threshold must be between 0 and {THRESHOLD_MAX}", value=threshold)
    return threshold


@dataclass(frozen=True, slots=True)
class CleanEntry:
    """A :class:`NewEntry` after validation, flattened to the columns it fills."""

    signal_type: HashKind
    value: str
    category: str | None
    source: str | None
    external_id: str | None
    case_id: str | None
    submitted_at: datetime | None
    expires_at: datetime | None
    variants: tuple[tuple[str, str], ...] = ()
    """Bank-side variants ``(name, lowercase hex)``, names unique, in the order given."""
    local_features: bytes | None = None
    """ORB keypoints (``LocalFeatures.to_bytes``), checked to parse; PDQ entries only."""


def _text(field: str, value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecordError(f"{field} must be text", value=value)
    if len(value) > TEXT_FIELD_MAX:
        raise InvalidRecordError(f"{field} is longer than {TEXT_FIELD_MAX} characters", value=value)
    return value


def _time(field: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise InvalidRecordError(f"{field} must be a datetime", value=value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def clean_entry(entry: NewEntry) -> CleanEntry:
    """Validate one entry (hash value, text lengths, timestamps) or raise an :class:`InputError`."""
    if not isinstance(entry, NewEntry):
        raise InvalidRecordError("expected a NewEntry", value=entry)
    value = normalize_hash(entry.signal_type, entry.value)  # refuses unknown types too
    signal_type = HashKind(entry.signal_type)
    variants = clean_variants(signal_type, entry.variants)
    prov = entry.provenance
    return CleanEntry(
        signal_type=signal_type,
        value=value,
        category=_text("category", entry.category),
        source=_text("source", prov.source),
        external_id=_text("external_id", prov.external_id),
        case_id=_text("case_id", prov.case_id),
        submitted_at=_time("submitted_at", prov.submitted_at),
        expires_at=_time("expires_at", entry.expires_at),
        variants=variants,
        local_features=clean_local_features(signal_type, entry.local_features),
    )


def clean_local_features(signal_type: HashKind, data: object) -> bytes | None:
    """Validate an entry's local features: PDQ only, bytes that parse, not more keypoints
    than ``MAX_STORED_KEYPOINTS`` (a client cannot make every upload verify against a
    million keypoints)."""
    if data is None:
        return None
    if not isinstance(data, bytes):
        raise InvalidRecordError("local features must be bytes", value=type(data).__name__)
    if signal_type is not HashKind.PDQ:
        raise InvalidRecordError(
            f"local features are stored only with PDQ entries, not {signal_type.value}",
            value=signal_type.value,
        )
    features = LocalFeatures.from_bytes(data)
    if len(features) > MAX_STORED_KEYPOINTS:
        raise InvalidRecordError(
            f"at most {MAX_STORED_KEYPOINTS} keypoints may be stored with an entry",
            value=len(features),
        )
    return data


def clean_variants(signal_type: HashKind, variants: object) -> tuple[tuple[str, str], ...]:
    """Validate an entry's bank-side variants: PDQ only, at most ``MAX_BANK_VARIANTS``,
    named (unique, and as :func:`~shieldwall.hashing.values.check_variant_name` says, the
    rule the API and imports apply too), PDQ hex values.

    The cap is the matcher's: it numbers an entry's variants 0..15 inside its index id.
    """
    if not variants:
        return ()
    if not isinstance(variants, tuple | list):
        raise InvalidRecordError("variants must be a list of (name, hash) pairs", value=variants)
    if signal_type is not HashKind.PDQ:
        raise InvalidRecordError(
            f"variants are stored only with PDQ entries, not {signal_type.value}",
            value=signal_type.value,
        )
    if len(variants) > MAX_BANK_VARIANTS:
        raise InvalidRecordError(
            f"an entry may carry at most {MAX_BANK_VARIANTS} variants, got {len(variants)}",
            value=len(variants),
        )
    cleaned: list[tuple[str, str]] = []
    names: set[str] = set()
    for i, pair in enumerate(variants):
        if not isinstance(pair, tuple | list) or len(pair) != 2:
            raise InvalidRecordError(f"variant {i} must be a (name, hash) pair", value=pair)
        name, hex_value = pair
        check_variant_name(name, where=f"variant {i} name")
        if name in names:
            raise InvalidRecordError(f"variant {i} repeats the name {name!r}", value=name)
        names.add(name)
        try:
            normal = normalize_hash(HashKind.PDQ, hex_value)
        except InvalidHashError as exc:
            raise InvalidHashError(f"variant {name!r}: {exc.message}", value=exc.value) from exc
        cleaned.append((name, normal))
    return tuple(cleaned)
