"""Value objects shared by every ring of Shieldwall.

These are the nouns of the domain: hashes, bank entries, matches. They are
plain frozen dataclasses and enums so that the pure core (hashing, index,
signals, policy) can pass them around without knowing about HTTP or SQL, and
so that the shells can serialise them without surprises.

This module imports nothing from the package on purpose: everything else
imports it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Literal, NewType, get_args

Surface = Literal["post", "message", "profile", "ad", "other"]
"""Where on the platform the content appears; rules often treat messages differently.
Defined once: the API schema, the policy's ``surface`` predicate and the context's check
all read it."""
SURFACES: Final[frozenset[str]] = frozenset(get_args(Surface))

BankId = NewType("BankId", int)
EntryId = NewType("EntryId", int)

PDQ_HEX_LEN = 64
"""A PDQ hash is 256 bits, written as 64 lowercase hex characters."""

PDQ_BITS = 256

DEFAULT_PDQ_THRESHOLD = 31
"""Hamming distance at or below which two PDQ hashes are the same image (Meta's default)."""

DEFAULT_QUALITY_THRESHOLD = 50
"""PDQ quality below which a hash never creates a match on its own (flat, low-detail images)."""


class HashKind(enum.StrEnum):
    """The kinds of hash Shieldwall stores and matches.

    The string values are the ones used on the wire and in exchange files;
    ``pdq``, ``md5`` and ``sha256`` match ThreatExchange's names so partner
    files round-trip. (It was called ``SignalType``, ThreatExchange's word; in
    Shieldwall a *signal* is a detector, so the class says what it is. The wire
    field, the database column and the records' attribute keep the name
    ``signal_type``, which HMA's clients and partner files use.)
    """

    PDQ = "pdq"
    MD5 = "md5"
    SHA256 = "sha256"

    @property
    def hex_length(self) -> int:
        """Length of the hex form of a value of this type."""
        return {HashKind.PDQ: 64, HashKind.MD5: 32, HashKind.SHA256: 64}[self]

    @property
    def is_exact(self) -> bool:
        """True for cryptographic digests, which only match byte-identical files."""
        return self is not HashKind.PDQ


class BankPurpose(enum.StrEnum):
    """Why a bank exists; the policy treats matches differently by purpose."""

    VICTIM = "victim"
    """Hashes submitted by victims or on their behalf (the StopNCII model)."""
    PARTNER = "partner"
    """Hashes imported from another platform or an industry hash-sharing programme."""
    INTERNAL = "internal"
    """Hashes added by the platform's own moderators."""
    NEGATIVE = "negative"
    """Allow-list: a hit here suppresses matches in other banks (memes, stock photos)."""


class EntryStatus(enum.StrEnum):
    """Lifecycle of a bank entry. Only ``active`` entries take part in matching."""

    ACTIVE = "active"
    WITHDRAWN = "withdrawn"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class ImageHashes:
    """Everything Shieldwall computes from one image file.

    ``quality`` is PDQ's own 0-100 measure of how much detail the image has;
    hashes of flat images are unreliable, which is why the quality gate exists.
    """

    pdq: str
    quality: int
    md5: str
    sha256: str
    width: int
    height: int
    format: str


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a bank entry came from, kept so a match can be explained and traced."""

    source: str | None = None
    external_id: str | None = None
    case_id: str | None = None
    submitted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewEntry:
    """A hash about to be added to a bank (before it has an id)."""

    signal_type: HashKind
    value: str
    provenance: Provenance = field(default_factory=Provenance)
    category: str | None = None
    expires_at: datetime | None = None
    variants: tuple[tuple[str, str], ...] = ()
    """Extra PDQ hashes of regions of the same original, ``(name, hex)``: what a submitter
    who holds the image can compute besides the plain hash (``bank_variants``; the browser
    hasher does). Only for PDQ entries; at most 16. They make cropped, captioned and
    overlaid copies findable; matching reports them as the entry itself."""
    local_features: bytes | None = None
    """ORB keypoints of the same original, in the compact form of
    ``shieldwall.hashing.local_features.LocalFeatures.to_bytes`` (about 18 KB): only
    where the image is at hand (``bank add`` from a file). Only for PDQ entries. They let
    the optional second matching stage find copies that lost too much picture for PDQ."""


@dataclass(frozen=True, slots=True)
class Match:
    """One bank entry that matched a query.

    ``distance`` is the Hamming distance for PDQ and 0 for exact digests.
    ``suppressed_by`` names the negative-bank entry that cancelled the match,
    when there is one: the match is still reported, so a moderator can see why
    nothing happened. ``variant`` says which transform of the query matched
    (``None`` for the image as submitted). ``held`` says why this match may send the
    item to review but never act on its own (its exchange is trusted for review only,
    or the entry is quarantined after a flood of matches).
    """

    bank: str
    entry_id: int
    signal_type: HashKind
    distance: int
    bank_purpose: BankPurpose = BankPurpose.INTERNAL
    threshold: int = DEFAULT_PDQ_THRESHOLD
    variant: str | None = None
    suppressed_by: int | None = None
    held: str | None = None

    @property
    def suppressed(self) -> bool:
        return self.suppressed_by is not None


class Outcome(enum.StrEnum):
    """What the policy decides should happen to a piece of content.

    Ordered from least to most severe in ``OUTCOME_SEVERITY``; a decision's
    verdict is the most severe outcome of the rules that fired.
    """

    ALLOW = "allow"
    REVIEW = "review"
    HOLD = "hold"
    BLOCK = "block"
    REMOVE = "remove"
    ADD_TO_BANK = "add_to_bank"
    ESCALATE_CHILD_SAFETY = "escalate_child_safety"


Verdict = Outcome
"""What a stored decision says should happen to its item: the policy's outcome, or a
reviewer's or an appeal's (remove, block, hold, allow), which are outcomes too. Decisions
carry it typed from the pipeline to the store and back (a value not in the enum cannot
be stored or read back silently)."""


OUTCOME_SEVERITY: dict[Outcome, int] = {
    Outcome.ALLOW: 0,
    Outcome.ADD_TO_BANK: 1,
    Outcome.REVIEW: 2,
    Outcome.HOLD: 3,
    Outcome.BLOCK: 4,
    Outcome.REMOVE: 5,
    Outcome.ESCALATE_CHILD_SAFETY: 6,
}


@dataclass(frozen=True, slots=True)
class SignalResult:
    """What one signal (detector) concluded about one item.

    ``evidence`` is text a moderator can read ("bot handle @x matched
    indicator 17 from feed Y after removing zero-width characters").
    ``error`` is set, and ``score`` is None, when the signal failed or ran out
    of time: the rest of the scan goes on.
    """

    signal: str
    version: str
    score: float | None = None
    labels: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    error: str | None = None
    elapsed_ms: float | None = None
