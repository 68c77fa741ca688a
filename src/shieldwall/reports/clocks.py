"""Legal clocks: when a takedown is due, and whether it was late, from timestamps alone.

A deadline is never typed in by a person: it follows from the jurisdiction's rule
and the moment the clock started. Rules as implemented (check them with counsel):

- ``UK``: 48 hours from receipt of the request.
- ``US``: 48 hours from receipt of a *valid* request (TAKE IT DOWN Act); no clock
  before the request is valid.
- ``AU``: 24 hours from receipt (eSafety removal notice).
- ``EU``: "without undue delay" under the DSA, made concrete by a configurable
  period (``eu_timely``, 24 hours unless the platform sets another).

Pure functions of aware datetimes; the web case screens and the transparency
report call the same ones.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


class Jurisdiction(enum.StrEnum):
    UK = "UK"
    US = "US"
    AU = "AU"
    EU = "EU"


DEFAULT_EU_TIMELY = timedelta(hours=24)

_RULES: dict[Jurisdiction, tuple[timedelta | None, bool, str]] = {
    # (period, starts when the request is valid, description)
    Jurisdiction.UK: (timedelta(hours=48), False, "48 hours from receipt"),
    Jurisdiction.US: (timedelta(hours=48), True, "48 hours from a valid request"),
    Jurisdiction.AU: (timedelta(hours=24), False, "24 hours from receipt"),
    Jurisdiction.EU: (None, False, "without undue delay (configured period) from receipt"),
}

_ALIASES = {
    "GB": Jurisdiction.UK,
    "UK": Jurisdiction.UK,
    "US": Jurisdiction.US,
    "AU": Jurisdiction.AU,
    "EU": Jurisdiction.EU,
}


def jurisdiction_of(code: str) -> Jurisdiction | None:
    """``UK``/``GB``, ``US``, ``AU``, ``EU`` (or an EU member state code) -> a rule; else None."""
    upper = code.strip().upper()
    if upper in _ALIASES:
        return _ALIASES[upper]
    return Jurisdiction.EU if upper in EU_MEMBER_STATES else None


EU_MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


@dataclass(frozen=True, slots=True)
class ClockStatus:
    """One request's clock: when it started, when it is due, and how it ended (so far)."""

    jurisdiction: Jurisdiction
    rule: str
    started_at: datetime | None
    due_at: datetime | None
    actioned_at: datetime | None
    met: bool | None
    """True: actioned by the deadline; False: breached; None: still running or not started."""
    overdue_by: timedelta | None


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("clock timestamps must be timezone-aware")
    return at.astimezone(UTC)


def deadline(
    jurisdiction: Jurisdiction | str,
    *,
    received_at: datetime,
    valid_at: datetime | None = None,
    eu_timely: timedelta = DEFAULT_EU_TIMELY,
) -> datetime | None:
    """When the content must be down; None while a US request is not yet valid."""
    rule = Jurisdiction(jurisdiction)
    period, needs_valid, _ = _RULES[rule]
    start = _aware(valid_at) if needs_valid and valid_at is not None else _aware(received_at)
    if needs_valid and valid_at is None:
        return None
    return start + (eu_timely if period is None else period)


def clock_status(
    jurisdiction: Jurisdiction | str,
    *,
    received_at: datetime,
    valid_at: datetime | None = None,
    actioned_at: datetime | None = None,
    now: datetime | None = None,
    eu_timely: timedelta = DEFAULT_EU_TIMELY,
) -> ClockStatus:
    """The clock of one request at ``now``: due time, met/breached, and by how much."""
    rule = Jurisdiction(jurisdiction)
    due = deadline(rule, received_at=received_at, valid_at=valid_at, eu_timely=eu_timely)
    moment = _aware(now) if now is not None else datetime.now(UTC)
    done = None if actioned_at is None else _aware(actioned_at)
    met: bool | None
    overdue: timedelta | None = None
    if due is None:
        met = None
    elif done is not None:
        met = done <= due
        overdue = None if met else done - due
    elif moment > due:
        met, overdue = False, moment - due
    else:
        met = None
    started = valid_at if _RULES[rule][1] else received_at
    return ClockStatus(rule, _RULES[rule][2], started, due, done, met, overdue)


def actioned_within(
    received_at: datetime,
    actioned_at: datetime | None,
    hours: float,
    *,
    valid_at: datetime | None = None,
) -> bool:
    """True when the request was actioned within ``hours`` of being valid (or received)."""
    if actioned_at is None:
        return False
    start = _aware(valid_at or received_at)
    return _aware(actioned_at) - start <= timedelta(hours=hours)
