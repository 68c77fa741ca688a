"""Request and response models: ``XCreate`` in, ``XPublic`` out.

Field limits are part of the contract (and of the OpenAPI document): an
oversized or malformed field is a 422 with the field's path, never a 500.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from shieldwall.errors import InputError
from shieldwall.exchange.variants import MAX_VARIANTS, VARIANT_NAME_MAX, parse_variants
from shieldwall.storable import value_problem
from shieldwall.types import BankPurpose, HashKind, Surface

UPLOADER_ID_MAX = 255
"""The ``items.uploader_id`` column's width: a longer value is refused, never truncated."""
CONTENT_ID_MAX = 255
ContentId = Annotated[str, StringConstraints(min_length=1, max_length=CONTENT_ID_MAX)]
Hex = Annotated[str, StringConstraints(min_length=32, max_length=64, pattern=r"^[0-9a-fA-F]+$")]
Jurisdiction = Annotated[str, StringConstraints(min_length=2, max_length=8)]
PdqHex = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]
VariantName = Annotated[
    str,
    StringConstraints(
        min_length=1, max_length=VARIANT_NAME_MAX, pattern=r"^[^\x00-\x1f\x7f-\x9f@]+$"
    ),
]


class StrictBody(BaseModel):
    """A request body: unknown fields refused, every string storable on any database."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: object) -> object:
        problem = value_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class LookupCreate(StrictBody):
    """Hashes computed by the platform, with the item's metadata."""

    content_id: ContentId
    pdq: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    quality: int | None = Field(None, ge=0, le=100)
    md5: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{32}$")] | None = None
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")] | None = None
    surface: Surface = "other"
    uploader_id: Annotated[str, StringConstraints(max_length=UPLOADER_ID_MAX)] | None = None
    text: Annotated[str, StringConstraints(max_length=20_000)] | None = None
    url: Annotated[str, StringConstraints(max_length=4_000)] | None = None
    jurisdictions: list[Jurisdiction] = Field(default_factory=list, max_length=20)
    metadata: dict[str, Any] = Field(default_factory=dict, max_length=50)


MAX_LOOKUP_BATCH = 1000


class LookupBatchCreate(StrictBody):
    """Many lookups in one request; each item is read on its own (a bad one fails alone)."""

    items: list[Any] = Field(min_length=1, max_length=MAX_LOOKUP_BATCH)


class ItemErrorPublic(BaseModel):
    code: str
    detail: str
    value: str | None = None


class MatchPublic(BaseModel):
    bank: str
    entry_id: int
    signal_type: str
    distance: int
    bank_purpose: str
    threshold: int
    variant: str | None = None
    suppressed_by: int | None = None
    held: str | None = Field(
        None,
        description=(
            "Why this match may only send the item to review: its exchange is trusted for "
            "review only, or the entry is quarantined after a flood of matches."
        ),
    )


class SignalPublic(BaseModel):
    signal: str
    version: str
    score: float | None = None
    labels: list[str] = []
    evidence: list[str] = []
    error: str | None = None
    elapsed_ms: float | None = None


class DecisionPublic(BaseModel):
    """The verdict on one item and everything that explains it."""

    decision_id: str
    content_id: str
    verdict: str
    source: str
    created: bool = Field(description="False when this content_id was already decided.")
    policy_version: str
    reasons: list[str]
    categories: list[str]
    matches: list[MatchPublic]
    signals: list[SignalPublic]
    notes: list[str]
    rules: list[dict[str, Any]]
    created_at: datetime
    hashes: dict[str, Any] | None = None
    elapsed_ms: float | None = None


class LookupBatchItem(BaseModel):
    """One item's answer: its decision, or why it was not decided."""

    index: int
    decision: DecisionPublic | None = None
    error: ItemErrorPublic | None = None


class LookupBatchResult(BaseModel):
    results: list[LookupBatchItem]


class BankCreate(StrictBody):
    name: Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[\w.\-]+$")]
    purpose: BankPurpose = BankPurpose.INTERNAL
    threshold: int | None = Field(None, ge=0, le=31)
    description: Annotated[str, StringConstraints(max_length=2000)] = ""
    enabled: bool = True


class BankUpdate(StrictBody):
    threshold: int | None = Field(None, ge=0, le=31)
    enabled: bool | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None


class BankPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    purpose: str
    description: str
    threshold: int
    enabled: bool
    active_entries: int
    created_at: datetime


class VariantCreate(StrictBody):
    """A PDQ hash of a region of the entry's original (``robust.bank_variants`` computes them)."""

    name: VariantName = Field(examples=["crop(center,80%)"])
    pdq: PdqHex


class EntryCreate(StrictBody):
    signal_type: HashKind
    value: Hex
    category: Annotated[str, StringConstraints(max_length=255)] | None = None
    source: Annotated[str, StringConstraints(max_length=255)] | None = None
    external_id: Annotated[str, StringConstraints(max_length=255)] | None = None
    case_id: Annotated[str, StringConstraints(max_length=255)] | None = None
    submitted_at: datetime | None = None
    expires_at: datetime | None = None
    variants: list[VariantCreate] | None = Field(
        None,
        max_length=MAX_VARIANTS,
        description=(
            "PDQ entries only: hashes of regions of the same original (names unique, "
            "printable, without '@', not 'original'), so cropped or captioned copies match "
            "the entry. An entry already stored keeps its variants and gains the names it "
            "lacks, up to 16 in all."
        ),
    )

    @model_validator(mode="after")
    def _variants_fit_the_entry(self) -> EntryCreate:
        # The rules live once, in shieldwall.exchange.variants, shared with JSON Lines imports.
        if self.variants:
            try:
                parse_variants(
                    [v.model_dump() for v in self.variants], signal_type=self.signal_type
                )
            except InputError as exc:
                raise ValueError(exc.message) from None
        return self

    def variant_pairs(self) -> tuple[tuple[str, str], ...]:
        """The variants as ``NewEntry.variants`` holds them (hex in lowercase)."""
        return tuple((v.name, v.pdq.lower()) for v in self.variants or ())


class EntriesCreate(StrictBody):
    entries: list[EntryCreate] = Field(min_length=1, max_length=10_000)
    retro_hunt: bool = Field(True, description="Search everything already seen for the new hashes.")


class EntriesAdded(BaseModel):
    bank: str
    added: int
    unchanged: int
    entry_ids: list[int]
    retro_hunt: dict[str, Any] | None = None


class VariantPublic(BaseModel):
    name: str
    pdq: str


class EntryPublic(BaseModel):
    id: int
    bank: str
    signal_type: str
    value: str
    status: str
    category: str | None
    source: str | None
    external_id: str | None
    case_id: str | None
    created_at: datetime
    withdrawn_at: datetime | None
    variants: list[VariantPublic] = Field(
        default_factory=list, description="Region hashes stored with a PDQ entry."
    )


class ItemPublic(BaseModel):
    content_id: str
    source: str
    surface: str
    uploader_id: str | None
    media_type: str | None
    pdq: str | None
    pdq_quality: int | None
    md5: str | None
    sha256: str | None
    width: int | None
    height: int | None
    jurisdictions: list[str]
    created_at: datetime
    expires_at: datetime | None
    decisions: list[DecisionPublic]


class DecisionsPage(BaseModel):
    decisions: list[DecisionPublic]
    next_cursor: str | None


class OutboxPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    decision_id: str | None
    kind: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
