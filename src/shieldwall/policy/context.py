"""The input of a policy evaluation: everything known about one item when a decision is due.

A :class:`PolicyContext` is assembled by the pipeline (upload, lookup, retro-hunt, user
notice) from the hashes, the index matches and the signal results. The policy only reads
it, so the same context always yields the same decision, which is what makes shadow-mode
replay of past items against a new policy version meaningful.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from shieldwall.errors import InputError
from shieldwall.types import SURFACES, Match, SignalResult


def _freeze(metadata: Mapping[str, object]) -> Mapping[str, object]:
    # A read-only view keeps the context immutable in practice, not just by annotation.
    return MappingProxyType(dict(metadata))


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """One item as the policy sees it.

    ``quality`` is the PDQ quality of the query hash (``None`` when the caller sent a
    bare hash without it, e.g. a partner lookup). ``jurisdictions`` are ISO 3166 codes
    (and ``EU``) that apply to the uploader or the content; they are upper-cased here so
    that ``gb`` and ``GB`` never make a rule silently miss.
    """

    content_id: str
    surface: str = "other"
    uploader_id: str | None = None
    jurisdictions: tuple[str, ...] = ()
    text: str | None = None
    url: str | None = None
    metadata: Mapping[str, object] = field(default_factory=dict)
    quality: int | None = None
    matches: tuple[Match, ...] = ()
    signals: tuple[SignalResult, ...] = ()
    source: str = "upload"

    def __post_init__(self) -> None:
        if self.surface not in SURFACES:
            raise InputError(
                f"surface must be one of {', '.join(sorted(SURFACES))}", value=self.surface
            )
        if self.quality is not None and not 0 <= self.quality <= 100:
            raise InputError("PDQ quality must be between 0 and 100", value=self.quality)
        # object.__setattr__ is the documented way to normalise fields of a frozen dataclass.
        object.__setattr__(
            self, "jurisdictions", tuple(code.strip().upper() for code in self.jurisdictions)
        )
        object.__setattr__(self, "matches", tuple(self.matches))
        object.__setattr__(self, "signals", tuple(self.signals))
        object.__setattr__(self, "metadata", _freeze(self.metadata))
