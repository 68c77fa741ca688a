"""Audit events: what was decided or done, by whom, when, chained by hash.

Every decision, action delivery, media reveal, bank change, policy change,
login and configuration change becomes one :class:`AuditEvent`. Each event
commits to the one before it (``prev_hash``), so editing, deleting, inserting
or reordering any event breaks the chain at that point.

:func:`build_event` is the single way to make a new event. It is pure: the
in-memory :class:`~shieldwall.audit.chain.AuditChain` calls it, and the store
layer will call it inside the database transaction that appends the row.

Personal data (uploader ids, e-mail addresses, IPs) is chained only as a salted
digest; the cleartext and salt travel beside the event in a
:class:`PersonalData` side record. Deleting the side record redacts the data
for good (the 128-bit random salt makes the digest unguessable) while the chain
still verifies.
"""

from __future__ import annotations

import enum
import hashlib
import re
import secrets
import uuid
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shieldwall.audit.canonical import (
    FORMAT_VERSION,
    GENESIS_HASH,
    JSONValue,
    canonical_json,
    canonical_text,
    chain_hash,
    format_at,
    freeze,
    thaw,
)
from shieldwall.audit.errors import InvalidAuditEventError, RevealMismatchError
from shieldwall.audit.guard import checked_details

SALT_BYTES = 16

_ACTION_PATTERN = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_MAX_NAME_CHARS = 200


class ActorKind(enum.StrEnum):
    """Who did it: regulators ask whether a person or a machine made a decision."""

    HUMAN = "human"
    AUTOMATED = "automated"
    """A rule, model or pipeline acting on its own (automated moderation)."""
    SYSTEM = "system"
    """Shieldwall itself: start-up, migrations, key rotation, scheduled jobs."""


@dataclass(frozen=True, slots=True)
class ChainHead:
    """The end of a chain: the last sequence number and its hash (genesis: 0, zeros)."""

    seq: int
    hash: str

    @classmethod
    def genesis(cls) -> ChainHead:
        return cls(0, GENESIS_HASH)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One entry of the audit trail, exactly as chained.

    ``details`` is deeply read-only. Fields declared personal appear in it as
    ``{"digest": "<hex>"}``; see :func:`reveal`. ``hash`` is
    ``sha256(prev_hash || canonical_bytes(self))`` (see :func:`canonical_bytes`).
    """

    seq: int
    event_id: str
    at: datetime
    actor: str
    actor_kind: ActorKind
    action: str
    subject_type: str | None
    subject_id: str | None
    details: Mapping[str, JSONValue] = field(hash=False)
    prev_hash: str
    hash: str

    def __post_init__(self) -> None:
        # Freeze whatever the caller passed so the chained form cannot drift.
        object.__setattr__(self, "details", freeze(self.details))

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.seq, self.hash)

    def to_dict(self) -> dict[str, object]:
        """The event as plain JSON-able data (the JSON Lines export form)."""
        data = _canonical_object(self)
        data["details"] = thaw(self.details)
        data["hash"] = self.hash
        return data


def _canonical_object(event: AuditEvent) -> dict[str, object]:
    # Details stay frozen: canonical_json encodes read-only mappings and tuples
    # directly, which saves a deep copy per event when verifying millions.
    return {
        "v": FORMAT_VERSION,
        "seq": event.seq,
        "event_id": event.event_id,
        "at": format_at(event.at),
        "actor": event.actor,
        "actor_kind": str(event.actor_kind),
        "action": event.action,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }


_DETAILS_SLOT = '"details":null'
"""Where a spliced encoding puts the details (a quote inside a string is escaped, so this
text can only be the key itself)."""


def canonical_bytes(event: AuditEvent, details_text: str | None = None) -> bytes:
    """The bytes the event's hash commits to: every field but ``hash``, canonically encoded.

    ``details_text`` is ``canonical_text`` of the event's details when the caller has it
    already (an event being built): the other fields are encoded around it, and the result
    is the same bytes, since canonical JSON of a sorted object is its members' encodings
    joined in key order. It saves re-encoding the details (the bulk of an event) from
    their read-only form on every audited write.
    """
    if details_text is None:
        return canonical_json(_canonical_object(event))
    text = canonical_text({**_canonical_object(event), "details": None})
    at = text.index(_DETAILS_SLOT) + len('"details":')
    spliced = text[:at] + details_text + text[at + len("null") :]
    return spliced.encode("utf-8", "strict")


def compute_hash(event: AuditEvent, details_text: str | None = None) -> str:
    """What ``event.hash`` must be: ``sha256(bytes.fromhex(prev_hash) || canonical_bytes)``."""
    return chain_hash(event.prev_hash, canonical_bytes(event, details_text))


@dataclass(frozen=True, slots=True)
class PersonalValue:
    """One personal field's cleartext and the salt its chained digest was made with."""

    value: JSONValue
    salt: str

    @property
    def digest(self) -> str:
        return personal_digest(self.salt, self.value)


@dataclass(frozen=True, slots=True)
class PersonalData:
    """The side record of an event's personal fields. Delete it to redact them."""

    event_id: str
    fields: Mapping[str, PersonalValue]

    def to_dict(self) -> dict[str, object]:
        return {
            "event_id": self.event_id,
            "fields": {k: {"value": thaw(v.value), "salt": v.salt} for k, v in self.fields.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PersonalData:
        fields = data.get("fields")
        event_id = data.get("event_id")
        if not isinstance(event_id, str) or not isinstance(fields, Mapping):
            raise InvalidAuditEventError("personal data record needs event_id and fields")
        values: dict[str, PersonalValue] = {}
        for key, item in fields.items():
            if not isinstance(item, Mapping) or not isinstance(item.get("salt"), str):
                raise InvalidAuditEventError("personal field needs value and salt", value=key)
            values[str(key)] = PersonalValue(freeze(item.get("value")), str(item["salt"]))
        return cls(event_id, values)


def personal_digest(salt_hex: str, value: JSONValue) -> str:
    """``sha256(bytes.fromhex(salt) || canonical_json(value))`` as lowercase hex."""
    return hashlib.sha256(bytes.fromhex(salt_hex) + canonical_json(thaw(value))).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """A newly built event and, when it has personal fields, their side record.

    ``details_text`` is the canonical encoding of ``event.details``, which the store
    writes as is instead of encoding the details a third time.
    """

    event: AuditEvent
    personal: PersonalData | None
    details_text: str


def _check_name(label: str, value: object, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > _MAX_NAME_CHARS:
        raise InvalidAuditEventError(
            f"{label} must be a non-empty string of at most {_MAX_NAME_CHARS} characters",
            value=value,
        )
    return value


def _check_event_id(event_id: str) -> str:
    try:
        canonical = str(uuid.UUID(event_id))
    except (ValueError, TypeError, AttributeError) as exc:
        raise InvalidAuditEventError("event_id must be a UUID", value=event_id) from exc
    if canonical != event_id:
        raise InvalidAuditEventError(
            "event_id must be a UUID in lowercase hyphenated form", value=event_id
        )
    return event_id


def build_event(
    previous: AuditEvent | ChainHead | None,
    *,
    actor: str,
    actor_kind: ActorKind | str,
    action: str,
    subject_type: str | None = None,
    subject_id: str | None = None,
    details: Mapping[str, object] | None = None,
    personal_fields: Collection[str] = (),
    at: datetime | None = None,
    event_id: str | None = None,
    salt_source: Callable[[int], bytes] = secrets.token_bytes,
) -> AuditRecord:
    """Validate, redact-prepare, and chain the next event after ``previous``.

    ``previous`` is the current last event (or its :class:`ChainHead`); ``None``
    starts a new chain at seq 1 with the genesis ``prev_hash``. Each key in
    ``personal_fields`` must be a top-level key of ``details``: its value is
    replaced in the chained event by ``{"digest": sha256(salt || value)}`` and
    returned, with its fresh random salt, in ``AuditRecord.personal``.

    ``salt_source`` exists for published test vectors; production code leaves
    it as the operating system's CSPRNG.

    Raises :class:`AuditDetailRejectedError` for bytes, secret-named keys or
    oversized values in ``details``, and :class:`InvalidAuditEventError` for
    malformed actor, action, time or id.
    """
    head = ChainHead.genesis() if previous is None else ChainHead(previous.seq, previous.hash)
    try:
        kind = ActorKind(actor_kind)
    except ValueError as exc:
        raise InvalidAuditEventError(
            "actor_kind must be one of " + ", ".join(k.value for k in ActorKind), value=actor_kind
        ) from exc
    _check_name("actor", actor)
    if not isinstance(action, str) or not _ACTION_PATTERN.match(action):
        raise InvalidAuditEventError(
            "action must be a dotted lowercase name such as 'decision.made'", value=action
        )
    subject_type = _check_name("subject_type", subject_type, optional=True)
    subject_id = _check_name("subject_id", subject_id, optional=True)
    when = datetime.now(UTC) if at is None else at
    try:
        format_at(when)
    except ValueError as exc:
        raise InvalidAuditEventError(str(exc), value=when) from exc
    # A fresh uuid4 is canonical by construction; only a caller's id is checked.
    event_id = str(uuid.uuid4()) if event_id is None else _check_event_id(event_id)

    clean, details_text = checked_details(details or {})
    personal: dict[str, PersonalValue] = {}
    for key in personal_fields:
        if key not in clean:
            raise InvalidAuditEventError(
                "personal field is not a top-level key of details", value=key
            )
        salted = PersonalValue(freeze(clean[key]), salt_source(SALT_BYTES).hex())
        personal[key] = salted
        clean[key] = {"digest": salted.digest}
    if personal:
        details_text = canonical_text(clean)

    unsealed = AuditEvent(
        seq=head.seq + 1,
        event_id=event_id,
        at=when.astimezone(UTC),
        actor=actor,
        actor_kind=kind,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        details=clean,
        prev_hash=head.hash,
        hash="",
    )
    # Sealed in place before anyone sees it: ``dataclasses.replace`` would freeze the
    # details a second time, on every audited write.
    object.__setattr__(unsealed, "hash", compute_hash(unsealed, details_text))
    event = unsealed
    side = PersonalData(event_id, personal) if personal else None
    return AuditRecord(event, side, details_text)


def reveal(event: AuditEvent, side_record: PersonalData) -> dict[str, JSONValue]:
    """The event's details with personal fields shown in cleartext, checked against the chain.

    Raises :class:`RevealMismatchError` when the side record belongs to another
    event or a cleartext value does not hash to the digest the chain holds
    (the side record was altered, or attached to the wrong event).
    """
    if side_record.event_id != event.event_id:
        raise RevealMismatchError(
            "personal data record belongs to another event", value=side_record.event_id
        )
    shown: dict[str, JSONValue] = dict(event.details)
    for key, item in side_record.fields.items():
        committed = event.details.get(key)
        digest = committed.get("digest") if isinstance(committed, Mapping) else None
        try:
            actual = item.digest
        except (ValueError, TypeError) as exc:
            raise RevealMismatchError(
                f"personal field {key!r} has a malformed salt or value", value=key
            ) from exc
        if digest is None or not secrets.compare_digest(str(digest), actual):
            raise RevealMismatchError(
                f"personal field {key!r} does not match the digest in the audit chain", value=key
            )
        shown[key] = item.value
    return shown
