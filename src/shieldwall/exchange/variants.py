"""Bank-side variants in a record: ``[{"name": "crop(center,80%)", "pdq": "<64 hex>"}, ...]``.

A submitter who holds the original image can store, with its plain PDQ, the
PDQ hashes of regions of it (:func:`shieldwall.hashing.robust.bank_variants`),
so a cropped or captioned copy still matches. Those hashes arrive from partner
files (JSON Lines) and from the HTTP API; this module is the one place that
says what a well-formed list is, so both refuse the same things with the same
words. The rules, and why:

- only PDQ entries carry variants (an MD5 or SHA-256 of a region means nothing);
- at most :data:`MAX_VARIANTS` per entry (the matcher numbers them 0..15);
- a name is 1..:data:`VARIANT_NAME_MAX` printable characters (``str.isprintable``,
  as the bank store checks), no spaces at either end, unique within the
  entry, not ``"original"`` (that is the entry itself) and without ``@``, which
  separates the query's and the bank's variant in ``Match.variant``
  (``"crop(center,92%)@bank:crop(center,80%)"``);
- a hash is 64 hex digits (either case, written in lowercase).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shieldwall.errors import InvalidHashError, InvalidRecordError
from shieldwall.hashing.robust import MAX_BANK_VARIANTS
from shieldwall.hashing.values import VARIANT_NAME_MAX, check_variant_name, normalize_hash
from shieldwall.types import HashKind

__all__ = [
    "MAX_VARIANTS",
    "VARIANT_NAME_MAX",
    "check_variant_name",
    "parse_variants",
    "variants_to_records",
]

MAX_VARIANTS = MAX_BANK_VARIANTS
"""Most variants one entry may carry."""


def parse_variants(raw: object, *, signal_type: HashKind | str) -> tuple[tuple[str, str], ...]:
    """A record's ``variants`` as ``(name, pdq)`` pairs, or an :class:`InputError` naming the
    first problem (``variants[2].pdq: ...``).

    ``None`` and an empty list mean no variants. Keys other than ``name`` and
    ``pdq`` in an item are ignored, as other keys of a record are (a tool may
    add ``quality``).
    """
    if raw is None:
        return ()
    if not isinstance(raw, Sequence) or isinstance(raw, str | bytes):
        raise InvalidRecordError(
            'variants must be a list of {"name": ..., "pdq": ...} objects', value=raw
        )
    if not raw:
        return ()
    kind = HashKind(signal_type)
    if kind is not HashKind.PDQ:
        raise InvalidRecordError(
            f"variants are only for pdq entries, not {kind.value}", value=kind.value
        )
    if len(raw) > MAX_VARIANTS:
        raise InvalidRecordError(
            f"at most {MAX_VARIANTS} variants per entry; found {len(raw)}", value=len(raw)
        )
    seen: set[str] = set()
    pairs: list[tuple[str, str]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise InvalidRecordError(
                f'variants[{i}] must be an object {{"name": ..., "pdq": ...}}', value=item
            )
        name = check_variant_name(item.get("name"), where=f"variants[{i}].name")
        if name in seen:
            raise InvalidRecordError(f"variants[{i}].name repeats {name!r}", value=name)
        seen.add(name)
        try:
            value = normalize_hash(HashKind.PDQ, item.get("pdq"))  # type: ignore[arg-type]
        except InvalidHashError as exc:
            raise InvalidHashError(f"variants[{i}].pdq: {exc.message}", value=exc.value) from exc
        pairs.append((name, value))
    return tuple(pairs)


def variants_to_records(
    variants: Sequence[tuple[str, str]], *, signal_type: HashKind | str
) -> list[dict[str, str]]:
    """The written form of ``variants``; refuses (:class:`InputError`) what
    :func:`parse_variants` could not read back."""
    records = [{"name": name, "pdq": value} for name, value in variants]
    checked = parse_variants(records, signal_type=signal_type)
    return [{"name": name, "pdq": value} for name, value in checked]
