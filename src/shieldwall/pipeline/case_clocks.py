"""Start each victim request's legal clocks at the moment the law says, and take in the
regulator's removal notices.

The portal calls :func:`start_request_clocks` after every submission (the first and each
"add what was missing"): the clocks of the regimes that apply (the platform's countries and
the requester's) whose elements are all present start at that submission's receipt; a clock
that already runs never moves. :func:`record_removal_notice` is the intake for an eSafety
Commissioner removal notice (API ``POST /v1/regulator-notices`` and the review UI): its
24-hour clock runs from when the notice was given, plus any extension allowed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from shieldwall.audit import ActorKind
from shieldwall.errors import InputError
from shieldwall.policy.legal_clocks import (
    RequestElements,
    countries,
    removal_notice_clock,
    request_clocks,
)
from shieldwall.store.case_clocks import CaseClockStore, ClockInfo
from shieldwall.store.cases import CaseInfo
from shieldwall.store.models import utcnow

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_EXTENSION_HOURS = 24 * 365
_NOTICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$")


def elements_of(details: Mapping[str, Any]) -> RequestElements:
    """The legal elements a stored request carries (``CaseInfo.details``)."""
    email = str(details.get("email") or "")
    return RequestElements(
        signature=len(str(details.get("signature") or "").strip()) >= 2,
        identifies_content=bool(details.get("files")) or bool(details.get("locations")),
        good_faith=bool(details.get("good_faith")),
        contact=bool(_EMAIL.match(email)) or bool(str(details.get("phone") or "").strip()),
        intimate_declaration=bool(details.get("declare_intimate"))
        and bool(details.get("declare_nonconsensual")),
        subject_or_behalf=details.get("relationship") in ("self", "authorised"),
    )


def start_request_clocks(
    clocks: CaseClockStore,
    case: CaseInfo,
    *,
    platform_jurisdictions: Sequence[str],
    received_at: datetime | None = None,
) -> list[ClockInfo]:
    """Start the clocks this submission's elements start (``received_at``: its receipt)."""
    at = received_at or utcnow()
    applies = countries(platform_jurisdictions, case.jurisdiction)
    started = request_clocks(elements_of(case.details), applies=applies, received_at=at)
    return clocks.start(case.id, started, actor="victim-portal", actor_kind=ActorKind.HUMAN)


def record_removal_notice(
    clocks: CaseClockStore,
    case: CaseInfo,
    *,
    notice_id: str,
    given_at: datetime,
    extension_hours: float = 0.0,
    actor: str,
) -> list[ClockInfo]:
    """An eSafety removal notice for ``case``: its clock (24 h from ``given_at`` plus the
    extension); the same notice again with a longer extension extends it."""
    notice_id = notice_id.strip()
    if not _NOTICE_ID.match(notice_id):
        raise InputError("give the notice id as the regulator wrote it (letters, digits, ./-_)")
    if given_at.tzinfo is None:
        raise InputError("the time the notice was given needs a time zone")
    if given_at > utcnow():
        raise InputError("the notice cannot have been given in the future")
    if not 0 <= extension_hours <= MAX_EXTENSION_HOURS:
        raise InputError("the extension must be 0 to 8760 hours", value=extension_hours)
    clock = removal_notice_clock(
        notice_id=notice_id, given_at=given_at, extension_hours=extension_hours
    )
    return clocks.start(case.id, [clock], actor=actor, extension_hours=extension_hours)
