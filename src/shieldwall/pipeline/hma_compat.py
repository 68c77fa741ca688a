"""Use cases behind the HMA-compatible API (``/hma``): hash, look up, compare, curate.

Meta's Hasher-Matcher-Actioner (HMA) speaks of *content* holding one or more
*signals*; Shieldwall speaks of *entries*, one hash each. The mapping kept here
is one HMA content = one Shieldwall entry, so the ``bank_content_id`` an HMA
client receives is the entry id it can later fetch, withdraw or delete. That is
why a content is added with exactly one signal: HMA's own photo hashing yields
one (``pdq``) and its video hashing one (``video_md5``), so ordinary HMA
clients never notice.

Signal names are HMA's (``pdq``, ``video_md5``) plus Shieldwall's exact digests
(``md5``, ``sha256``); ``video_md5`` is the MD5 of the file's bytes, the same
value Shieldwall stores as ``md5``, so both names find the same entries.

Nothing here knows HTTP: the API shell parses requests and renders HMA's
shapes; the CLI or a test can call the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shieldwall.errors import EntryNotFoundError, InputError
from shieldwall.hashing import DecodeLimits, decode_image, digests, hash_image_bytes
from shieldwall.hashing.robust import bank_variants
from shieldwall.hashing.values import normalize_hash
from shieldwall.pipeline.banking import Banking, DecisionsSink, add_to_bank, withdraw_from_bank
from shieldwall.pipeline.matcher import Matcher, Query
from shieldwall.store import BankStore, EntryInfo
from shieldwall.types import EntryStatus, HashKind, NewEntry, Provenance

SIGNAL_TYPES: Mapping[str, HashKind] = {
    "pdq": HashKind.PDQ,
    "video_md5": HashKind.MD5,
    "md5": HashKind.MD5,
    "sha256": HashKind.SHA256,
}
"""Signal-type names accepted on the HMA surface and the Shieldwall hash each names."""

CONTENT_SIGNALS: Mapping[str, tuple[str, ...]] = {
    "photo": ("pdq", "md5", "sha256"),
    "video": ("video_md5", "sha256"),
}
"""Signal types each HMA content type can be hashed into (the first is HMA's default)."""

HMA_SOURCE = "hma-api"
"""Provenance ``source`` of entries added through the HMA-compatible API."""

HMA_ENABLED = 1
HMA_DISABLED = 0
"""HMA's ``disable_until_ts`` magic values for content that matches / does not."""


@dataclass(frozen=True, slots=True)
class HmaMatch:
    """One hit as the HMA surface reports it, with what HMA itself leaves out: the bank,
    the signal type and value that matched, and the submitter's own content id."""

    bank: str
    bank_content_id: int
    distance: int
    signal_type: str
    content_id: str | None


@dataclass(frozen=True, slots=True)
class HmaContent:
    """A bank entry seen as HMA content."""

    entry: EntryInfo
    signal_name: str

    @property
    def enabled(self) -> bool:
        return self.entry.status is EntryStatus.ACTIVE

    @property
    def disable_until_ts(self) -> int:
        return HMA_ENABLED if self.enabled else HMA_DISABLED


def signal_type_of(name: str) -> HashKind:
    """The Shieldwall hash kind an HMA signal-type name stands for, or a clear error."""
    kind = SIGNAL_TYPES.get(name)
    if kind is None:
        raise InputError(
            f"no such signal type; use one of {', '.join(sorted(SIGNAL_TYPES))}", value=name
        )
    return kind


def check_content_type(name: str) -> str:
    if name not in CONTENT_SIGNALS:
        raise InputError(
            f"no such content type; use one of {', '.join(sorted(CONTENT_SIGNALS))}", value=name
        )
    return name


def pick_signal_types(content_type: str, types: str | None) -> tuple[str, ...]:
    """The signal types to compute: HMA's default for the content type, or the ``types``
    a caller listed (comma-separated), each of which must suit the content type."""
    allowed = CONTENT_SIGNALS[check_content_type(content_type)]
    if types is None:
        return allowed[:1]
    wanted = tuple(t.strip() for t in types.split(",") if t.strip())
    if not wanted:
        raise InputError("empty signal type selection", value=types)
    for name in wanted:
        if name not in allowed:
            raise InputError(
                f"signal type is not available for {content_type}; use {', '.join(allowed)}",
                value=name,
            )
    return wanted


def hash_media(
    content_type: str, data: bytes, *, limits: DecodeLimits, types: str | None = None
) -> dict[str, str]:
    """Hash uploaded media into HMA's ``{signal type: value}`` mapping.

    Photos go through Shieldwall's safe decoder (size and pixel limits, EXIF
    orientation) exactly as a scan would; video hashes are digests of the bytes.
    """
    names = pick_signal_types(content_type, types)
    md5, sha256 = digests(data)
    out: dict[str, str] = {}
    pdq: str | None = None
    if "pdq" in names:
        pdq = hash_image_bytes(data, limits=limits).pdq
    for name in names:
        out[name] = {"pdq": pdq or "", "md5": md5, "video_md5": md5, "sha256": sha256}[name]
    return out


def region_variants(data: bytes, *, limits: DecodeLimits) -> tuple[tuple[str, str], ...]:
    """PDQ hashes of an image's regions, stored with a banked photo so that cropped and
    captioned copies match (what HMA cannot do)."""
    return tuple((v.name, v.pdq) for v in bank_variants(decode_image(data, limits=limits)))


def lookup(
    matcher: Matcher,
    store: BankStore,
    signal_name: str,
    value: str,
    *,
    banks: Sequence[str] | None = None,
) -> list[HmaMatch]:
    """Every active entry of an enabled bank that matches one hash, closest first.

    Each bank's own PDQ threshold applies; negative (allow-list) banks and hits they
    suppress are not reported, because an HMA client would act on them.
    """
    kind = signal_type_of(signal_name)
    value = normalize_hash(kind, value)
    query = Query(
        pdq=value if kind is HashKind.PDQ else None,
        md5=value if kind is HashKind.MD5 else None,
        sha256=value if kind is HashKind.SHA256 else None,
    )
    outcome = matcher.match(query, banks=list(banks) if banks is not None else None)
    hits = [m for m in outcome.active if m.signal_type is kind and m.variant is None]
    if banks is not None:
        wanted = set(banks)
        hits = [m for m in hits if m.bank in wanted]
    found_entries = store.entries_by_ids(ids=[m.entry_id for m in hits]) if hits else {}
    entries = {int(k): v for k, v in found_entries.items()}
    found = [
        HmaMatch(
            bank=m.bank,
            bank_content_id=m.entry_id,
            distance=m.distance,
            signal_type=signal_name,
            content_id=entries[m.entry_id].provenance.external_id
            if m.entry_id in entries
            else None,
        )
        for m in hits
    ]
    return sorted(found, key=lambda h: (h.distance, h.bank_content_id))


def compare(signal_name: str, left: str, right: str, *, threshold: int) -> tuple[bool, int | None]:
    """Whether two hashes match, and their distance for PDQ (HMA's ``/m/compare``)."""
    kind = signal_type_of(signal_name)
    a = normalize_hash(kind, left)
    b = normalize_hash(kind, right)
    if kind is not HashKind.PDQ:
        return a == b, None
    distance = (int(a, 16) ^ int(b, 16)).bit_count()
    return distance <= threshold, distance


def add_content(
    banking: Banking,
    *,
    bank: str,
    signals: Mapping[str, str],
    content_id: str | None = None,
    variants: tuple[tuple[str, str], ...] = (),
    decided: DecisionsSink | None = None,
) -> tuple[int, dict[str, str]]:
    """Bank one content (one signal, see the module docstring) and hunt it across the
    items already seen, as every bank add does. Returns the entry id and the signal
    as stored (normalised)."""
    if not signals:
        raise InputError("no signals given")
    if len(signals) > 1:
        raise InputError(
            "Shieldwall stores one signal per content: send one request per signal type",
            value=",".join(signals),
        )
    ((name, raw),) = signals.items()
    if not isinstance(raw, str):
        raise InputError("a signal value must be a string", value=name)
    kind = signal_type_of(name)
    value = normalize_hash(kind, raw)
    banking.banks.get_bank(name=bank)
    entry = NewEntry(
        signal_type=kind,
        value=value,
        provenance=Provenance(source=HMA_SOURCE, external_id=content_id),
        variants=variants if kind is HashKind.PDQ else (),
    )
    done = add_to_bank(banking, bank=bank, entries=[entry], notify=decided)
    return int(done.entry_ids[0]), {name: value}


def get_content(store: BankStore, *, bank: str, content_id: int) -> HmaContent:
    """One entry of ``bank`` as HMA content; an entry of another bank is not found."""
    store.get_bank(name=bank)
    entry = store.get_entry(entry_id=content_id)
    if entry.bank_name != bank or entry.status is EntryStatus.DELETED:
        raise EntryNotFoundError("no such content in this bank", value=content_id)
    return HmaContent(entry, entry.signal_type.value)


def disable_content(
    banking: Banking, *, bank: str, content_id: int, disable_until_ts: int
) -> HmaContent:
    """HMA's ``disable_until_ts``: ``0`` withdraws the entry (at once, for good);
    ``1`` keeps an active entry as it is. Re-enabling a withdrawn entry and timed
    disabling are refused: a withdrawal is a victim's or a moderator's decision,
    and silently undoing it would bring the hash back into matching."""
    store = banking.banks
    content = get_content(store, bank=bank, content_id=content_id)
    if disable_until_ts == HMA_DISABLED:
        withdraw_from_bank(banking, bank=bank, entry_id=content_id)
        return get_content(store, bank=bank, content_id=content_id)
    if disable_until_ts == HMA_ENABLED:
        if not content.enabled:
            raise InputError(
                "a withdrawn entry cannot be re-enabled; add the hash again if it should match",
                value=content_id,
            )
        return content
    raise InputError(
        "disable_until_ts: only 0 (disable) and 1 (enabled) are supported", value=disable_until_ts
    )


def delete_content(banking: Banking, *, bank: str, content_id: int) -> int:
    """Delete one entry; returns how many were deleted (0 when it was not in ``bank``)."""
    try:
        get_content(banking.banks, bank=bank, content_id=content_id)
    except EntryNotFoundError:
        return 0
    banking.banks.delete_entry(entry_id=content_id)
    banking.refresh_matcher()
    return 1


def index_status(matcher: Matcher) -> dict[str, int]:
    """Active hashes per HMA signal type in this process's index."""
    sizes = matcher.sizes()
    return {
        "pdq": sizes.get(HashKind.PDQ, 0),
        "video_md5": sizes.get(HashKind.MD5, 0),
        "md5": sizes.get(HashKind.MD5, 0),
        "sha256": sizes.get(HashKind.SHA256, 0),
    }
