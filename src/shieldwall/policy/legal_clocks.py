"""Which legal clocks a victim's request starts, and the moment each one starts.

Each regime has its own elements and its own start event; a clock starts at the receipt of
the first submission that carries *that regime's* elements, whatever else the form asks for
(other fields may be asked, never required for validity):

- US TAKE IT DOWN Act §3(a)(1)(B): a valid request has four elements: a physical or
  electronic signature; identification of the depiction and information to locate it; a
  brief good-faith statement that it is not consensual; contact information. §3(a)(3): remove
  within 48 hours of receiving a valid request.
- UK Online Safety Act 2023 s.10(3A) (inserted by the Crime and Policing Act 2026): 48 hours
  from receipt of a report that carries the intimate-image declaration, comes from the person
  shown or someone acting for them, identifies the content and gives contact details.
- Australia, Online Safety Act 2021 (Cth) s.77 (intimate image removal notice): 24 hours
  from the time the eSafety Commissioner's notice was given, or longer if the Commissioner
  allows it. A request from the person shown starts no Australian clock; only a notice does
  (see :func:`removal_notice_clock`).

A regime applies when its country is one the platform operates in (setting
``platform_jurisdictions``) or the requester's country. Pure functions of aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

US_TIDA = "us_take_it_down"
UK_OSA = "uk_osa_s10_3a"
AU_OSA = "au_osa_removal_notice"


@dataclass(frozen=True, slots=True)
class Regime:
    key: str
    country: str
    hours: float
    source: str
    start_event: str
    elements: tuple[str, ...]


REGIMES: tuple[Regime, ...] = (
    Regime(
        US_TIDA,
        "US",
        48,
        "TAKE IT DOWN Act §3(a)(1)(B), §3(a)(3)",
        "valid request received (signature, identification and location, good-faith "
        "statement, contact information)",
        ("signature", "identifies_content", "good_faith", "contact"),
    ),
    Regime(
        UK_OSA,
        "GB",
        48,
        "Online Safety Act 2023 s.10(3A)",
        "intimate image report received (declaration, from the person shown or on their "
        "behalf, identifies the content, contact details)",
        ("intimate_declaration", "subject_or_behalf", "identifies_content", "contact"),
    ),
)
AU_REGIME = Regime(
    AU_OSA,
    "AU",
    24,
    "Online Safety Act 2021 (Cth) ss.77-80 (intimate image removal notices)",
    "eSafety removal notice given",
    ("removal_notice",),
)
_ALIASES = {"UK": "GB"}


@dataclass(frozen=True, slots=True)
class RequestElements:
    """What one submission carries, element by element (from the portal's form)."""

    signature: bool
    identifies_content: bool
    good_faith: bool
    contact: bool
    intimate_declaration: bool
    subject_or_behalf: bool

    def has(self, element: str) -> bool:
        return bool(getattr(self, element, False))


@dataclass(frozen=True, slots=True)
class LegalClock:
    regime: str
    source: str
    start_event: str
    started_at: datetime
    due_at: datetime
    notice_id: str = ""


def countries(platform: Iterable[str], requester: str | None) -> frozenset[str]:
    """The countries whose law applies: where the platform operates, and the requester's."""
    found = {_ALIASES.get(c.strip().upper(), c.strip().upper()) for c in platform if c.strip()}
    if requester:
        found.add(_ALIASES.get(requester.strip().upper(), requester.strip().upper()))
    return frozenset(found)


def missing_elements(regime: Regime, elements: RequestElements) -> list[str]:
    return [e for e in regime.elements if not elements.has(e)]


def request_clocks(
    elements: RequestElements, *, applies: frozenset[str], received_at: datetime
) -> list[LegalClock]:
    """The clocks this submission starts (those of applicable regimes whose elements are all
    present); the caller keeps a clock that already started and ignores a repeat."""
    return [
        LegalClock(
            r.key, r.source, r.start_event, received_at, received_at + timedelta(hours=r.hours)
        )
        for r in REGIMES
        if r.country in applies and not missing_elements(r, elements)
    ]


def removal_notice_clock(
    *, notice_id: str, given_at: datetime, extension_hours: float = 0.0
) -> LegalClock:
    """An eSafety removal notice's clock: 24 hours from when it was given, plus any extension
    the Commissioner allowed."""
    hours = AU_REGIME.hours + max(0.0, extension_hours)
    return LegalClock(
        AU_OSA,
        AU_REGIME.source,
        AU_REGIME.start_event,
        given_at,
        given_at + timedelta(hours=hours),
        notice_id,
    )


__all__ = [
    "AU_OSA",
    "AU_REGIME",
    "REGIMES",
    "UK_OSA",
    "US_TIDA",
    "LegalClock",
    "Regime",
    "RequestElements",
    "countries",
    "missing_elements",
    "removal_notice_clock",
    "request_clocks",
]
