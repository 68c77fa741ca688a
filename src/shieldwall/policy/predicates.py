"""The built-in predicates: what a rule can ask about an item.

Each predicate is a function over a :class:`PolicyContext` with a pydantic argument model,
registered in ``DEFAULT_REGISTRY``. Two safety properties live here, in the ``match``
predicate, so that no policy can forget them:

* a match cancelled by a negative (allow-list) bank hit does not count unless the rule
  says ``include_suppressed: true``;
* a PDQ match made from a hash whose quality is below the threshold (default 50) does not
  count unless the rule lowers ``min_quality`` explicitly; flat images give unreliable
  hashes and must not block content on their own.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any, Final, Literal

from pydantic import BeforeValidator, Field, model_validator

from shieldwall.policy.conditions import (
    PredicateArgs,
    PredicateEnv,
    PredicateRegistry,
    PredicateResult,
)
from shieldwall.policy.context import PolicyContext
from shieldwall.types import PDQ_BITS, BankPurpose, HashKind, Match, Surface

DEFAULT_REGISTRY: Final = PredicateRegistry()
"""The built-in predicates. Copy it (``DEFAULT_REGISTRY.copy()``) to add your own."""

_MAX_SIGNAL_EVIDENCE = 5
"""How many evidence lines of one signal a rule hit repeats (the signal keeps them all)."""


def _one_or_many(value: Any) -> Any:
    # Policy authors write `bank: victims` as often as `bank: [victims]`; accept both.
    return (value,) if isinstance(value, str | int | float | bool) else value


Names = Annotated[tuple[str, ...], BeforeValidator(_one_or_many), Field(min_length=1)]
Scalar = str | int | float | bool


def _upper_codes(value: Any) -> Any:
    value = _one_or_many(value)
    return tuple(v.strip().upper() if isinstance(v, str) else v for v in value)


JurisdictionCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]


def describe_match(match: Match) -> str:
    """One line naming a match the way a moderator would want to read it."""
    where = f"{match.bank_purpose.value} bank '{match.bank}' entry {match.entry_id}"
    variant = f" (variant {match.variant})" if match.variant else ""
    if match.signal_type.is_exact:
        return f"exact {match.signal_type.value} match in {where}{variant}"
    return f"pdq match in {where} at distance {match.distance}{variant}"


# --- match ---------------------------------------------------------------------------


class MatchArgs(PredicateArgs):
    """Arguments of ``match``: which bank matches count.

    With no ``purposes`` every purpose except ``negative`` counts: a hit in an allow-list
    bank is never a reason to act. ``max_distance``/``min_distance`` apply to PDQ (exact
    digests always have distance 0). ``min_quality`` overrides the policy's quality gate.
    """

    banks: Names | None = None
    purposes: Annotated[tuple[BankPurpose, ...], BeforeValidator(_one_or_many)] | None = None
    signal_types: Annotated[tuple[HashKind, ...], BeforeValidator(_one_or_many)] | None = None
    max_distance: int | None = Field(None, ge=0, le=PDQ_BITS)
    min_distance: int | None = Field(None, ge=0, le=PDQ_BITS)
    min_quality: int | None = Field(None, ge=0, le=100)
    include_suppressed: bool = False

    @model_validator(mode="after")
    def _distance_range(self) -> MatchArgs:
        if (
            self.max_distance is not None
            and self.min_distance is not None
            and self.min_distance > self.max_distance
        ):
            raise ValueError("min_distance must not exceed max_distance")
        return self


_NON_NEGATIVE = tuple(p for p in BankPurpose if p is not BankPurpose.NEGATIVE)


@DEFAULT_REGISTRY.register("match", MatchArgs, help="a bank match passes the filters")
def match_predicate(args: MatchArgs, ctx: PolicyContext, env: PredicateEnv) -> PredicateResult:
    purposes = args.purposes or _NON_NEGATIVE
    min_quality = env.quality_threshold if args.min_quality is None else args.min_quality
    hits: list[Match] = []
    evidence: list[str] = []
    notes: list[str] = []
    for m in ctx.matches:
        if m.bank_purpose not in purposes:
            continue
        if args.banks is not None and m.bank not in args.banks:
            continue
        if args.signal_types is not None and m.signal_type not in args.signal_types:
            continue
        if args.max_distance is not None and m.distance > args.max_distance:
            continue
        if args.min_distance is not None and m.distance < args.min_distance:
            continue
        if m.suppressed and not args.include_suppressed:
            notes.append(f"{describe_match(m)} suppressed by negative bank entry {m.suppressed_by}")
            continue
        gated = m.signal_type is HashKind.PDQ and ctx.quality is not None
        if gated and ctx.quality is not None and ctx.quality < min_quality:
            notes.append(
                f"{describe_match(m)}: quality {ctx.quality} below {min_quality}: "
                "match not acted on"
            )
            continue
        line = describe_match(m)
        if gated and ctx.quality is not None and ctx.quality < env.quality_threshold:
            line += (
                f"; quality {ctx.quality} below {env.quality_threshold} "
                f"accepted because the rule sets min_quality {min_quality}"
            )
        if m.suppressed:
            line += f"; suppressed by negative bank entry {m.suppressed_by}, included by the rule"
        hits.append(m)
        evidence.append(line)
    return PredicateResult(bool(hits), tuple(evidence), tuple(hits), tuple(notes))


# --- signal --------------------------------------------------------------------------


class SignalArgs(PredicateArgs):
    """Arguments of ``signal``: a named signal scored at least ``min_score`` and/or carrying
    one of ``labels``. At least one of the two is required so that a rule never fires merely
    because a detector ran."""

    name: str = Field(min_length=1)
    min_score: float | None = Field(None, ge=0.0, le=1.0)
    labels: Names | None = None

    @model_validator(mode="after")
    def _needs_a_test(self) -> SignalArgs:
        if self.min_score is None and self.labels is None:
            raise ValueError("give min_score, labels or both")
        return self


@DEFAULT_REGISTRY.register("signal", SignalArgs, help="a signal scored or labelled the item")
def signal_predicate(args: SignalArgs, ctx: PolicyContext, env: PredicateEnv) -> PredicateResult:
    evidence: list[str] = []
    notes: list[str] = []
    for result in ctx.signals:
        if result.signal != args.name:
            continue
        if result.error is not None:
            notes.append(f"signal {result.signal} failed ({result.error}): not acted on")
            continue
        parts: list[str] = []
        if args.min_score is not None:
            if result.score is None or result.score < args.min_score:
                continue
            parts.append(f"score {result.score:.2f} >= {args.min_score:g}")
        if args.labels is not None:
            found = [label for label in result.labels if label in args.labels]
            if not found:
                continue
            parts.append(f"labels {', '.join(found)}")
        evidence.append(f"signal {result.signal} {result.version}: {'; '.join(parts)}")
        evidence.extend(f"  {line}" for line in result.evidence[:_MAX_SIGNAL_EVIDENCE])
    return PredicateResult(bool(evidence), tuple(evidence), (), tuple(notes))


# --- where the item is and how it arrived ---------------------------------------------


class SurfaceArgs(PredicateArgs):
    in_: Annotated[tuple[Surface, ...], BeforeValidator(_one_or_many)] = Field(
        alias="in", min_length=1
    )


@DEFAULT_REGISTRY.register("surface", SurfaceArgs, help="the item appears on one of these surfaces")
def surface_predicate(args: SurfaceArgs, ctx: PolicyContext, env: PredicateEnv) -> PredicateResult:
    if ctx.surface in args.in_:
        return PredicateResult(True, (f"surface is {ctx.surface}",))
    return PredicateResult(False)


class JurisdictionArgs(PredicateArgs):
    in_: Annotated[tuple[JurisdictionCode, ...], BeforeValidator(_upper_codes)] = Field(
        alias="in", min_length=1
    )


@DEFAULT_REGISTRY.register(
    "jurisdiction", JurisdictionArgs, help="one of the item's jurisdictions is listed"
)
def jurisdiction_predicate(
    args: JurisdictionArgs, ctx: PolicyContext, env: PredicateEnv
) -> PredicateResult:
    found = [code for code in ctx.jurisdictions if code in args.in_]
    if found:
        return PredicateResult(True, (f"jurisdiction {', '.join(found)}",))
    return PredicateResult(False)


class SourceArgs(PredicateArgs):
    in_: Names = Field(alias="in")


@DEFAULT_REGISTRY.register("source", SourceArgs, help="the item arrived this way (upload, ...)")
def source_predicate(args: SourceArgs, ctx: PolicyContext, env: PredicateEnv) -> PredicateResult:
    if ctx.source in args.in_:
        return PredicateResult(True, (f"source is {ctx.source}",))
    return PredicateResult(False)


class MetadataArgs(PredicateArgs):
    """``key`` equals ``equals``, or is one of ``in`` (exactly one of the two)."""

    key: str = Field(min_length=1)
    equals: Scalar | None = None
    in_: Annotated[tuple[Scalar, ...], BeforeValidator(_one_or_many)] | None = Field(
        None, alias="in", min_length=1
    )

    @model_validator(mode="after")
    def _one_test(self) -> MetadataArgs:
        if (self.equals is None) == (self.in_ is None):
            raise ValueError("give exactly one of equals or in")
        return self


@DEFAULT_REGISTRY.register("metadata", MetadataArgs, help="a metadata value equals or is in a list")
def metadata_predicate(
    args: MetadataArgs, ctx: PolicyContext, env: PredicateEnv
) -> PredicateResult:
    if args.key not in ctx.metadata:
        return PredicateResult(False)
    value = ctx.metadata[args.key]
    wanted = (args.equals,) if args.in_ is None else args.in_
    # bool is an int in Python; compare types too so `true` never equals 1.
    if any(type(value) is type(w) and value == w for w in wanted):
        return PredicateResult(True, (f"metadata {args.key} = {value!r}",))
    return PredicateResult(False)


def _fold(text: str) -> str:
    # NFKC + casefold: full-width and ligature tricks are common in evasive text.
    return unicodedata.normalize("NFKC", text).casefold()


class TextContainsArgs(PredicateArgs):
    """Any of ``any`` appears in the item's text or URL (case-insensitive, NFKC-folded).

    Real indicator matching (obfuscation, feeds, handles) belongs to the ``text_indicators``
    signal; this is for the odd phrase a policy needs to route, e.g. a report keyword.
    """

    any: Names
    fields: Annotated[tuple[Literal["text", "url"], ...], BeforeValidator(_one_or_many)] = (
        "text",
        "url",
    )


@DEFAULT_REGISTRY.register(
    "text_contains", TextContainsArgs, help="a phrase appears in the text or URL"
)
def text_contains_predicate(
    args: TextContainsArgs, ctx: PolicyContext, env: PredicateEnv
) -> PredicateResult:
    evidence: list[str] = []
    for name in args.fields:
        value = ctx.text if name == "text" else ctx.url
        if not value:
            continue
        folded = _fold(value)
        evidence.extend(f"{name} contains {p!r}" for p in args.any if _fold(p) in folded)
    return PredicateResult(bool(evidence), tuple(evidence))


class QualityBelowArgs(PredicateArgs):
    value: int = Field(ge=0, le=100)


@DEFAULT_REGISTRY.register(
    "quality_below", QualityBelowArgs, help="the item's PDQ quality is known and below value"
)
def quality_below_predicate(
    args: QualityBelowArgs, ctx: PolicyContext, env: PredicateEnv
) -> PredicateResult:
    if ctx.quality is not None and ctx.quality < args.value:
        return PredicateResult(True, (f"PDQ quality {ctx.quality} below {args.value}",))
    return PredicateResult(False)
