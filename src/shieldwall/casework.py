"""The rules of casework, as pure functions: a victim's request's statuses, and four eyes.

These are decisions about people, not about storage, so they live in the core where a
reader finds them in one place and a unit test needs no database; the case store calls
them when it writes.

A victim's request moves ``incomplete`` → ``under_review`` (when nothing is missing;
the legal clock starts) → ``actioned`` (its hashes are banked and the copies already
seen were hunted), and ends ``withdrawn`` (by the requester) or ``closed``.

Four eyes: a request to add an item to a bank is approved by someone other than who
asked, and an appeal is decided by someone other than who made the first decision.

Legal clocks: a request must be acted on within the shortest deadline among the
jurisdictions it names (:func:`deadline_hours`, :func:`effective_deadline`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from shieldwall.errors import FourEyesError

INCOMPLETE = "incomplete"
UNDER_REVIEW = "under_review"
ACTIONED = "actioned"
WITHDRAWN = "withdrawn"
CLOSED = "closed"

CASE_STATUSES = (INCOMPLETE, UNDER_REVIEW, ACTIONED, WITHDRAWN, CLOSED)

HUNT_HELD = "held"
"""The request's hashes are banked; removing copies already published waits for a second
moderator (four eyes, unless the platform set victim removal approval to automatic)."""
HUNT_DONE = "done"
"""The retro-hunt ran."""
APPROVABLE = (UNDER_REVIEW, ACTIONED)
"""Statuses in which a moderator may approve a request's hashes."""


def status_when_complete(status: str, missing: Sequence[str]) -> str:
    """An incomplete request with nothing missing any more goes to review."""
    return UNDER_REVIEW if status == INCOMPLETE and not missing else status


def can_add_content(status: str, hunt_state: str | None, reviewed_by: str | None) -> bool:
    """The requester may add photos and places while the request waits for its first
    review; after approval the hashes already went to the bank, so more need a new request."""
    return status in (INCOMPLETE, UNDER_REVIEW) and hunt_state is None and reviewed_by is None


def status_when_actioned(status: str) -> str:
    """The hunt ran: a request under review is now actioned (other statuses stay)."""
    return ACTIONED if status == UNDER_REVIEW else status


def status_when_closed(status: str) -> str:
    """Closing keeps ``withdrawn`` (the requester's own choice stays on record)."""
    return status if status == WITHDRAWN else CLOSED


def require_second_pair_of_eyes(first: str, second: str, *, what: str) -> None:
    """Refuse when ``second`` (who decides) is ``first`` (who asked, or decided first)."""
    if first == second:
        raise FourEyesError(what)


DEADLINE_HOURS: dict[str, float] = {"GB": 48, "UK": 48, "US": 48, "AU": 24}
"""Legal clocks by jurisdiction: 48 h under the UK Online Safety Act guidance and the US
TAKE IT DOWN Act, 24 h for an Australian eSafety removal notice. (Proposed setting.)"""
DEFAULT_DEADLINE_HOURS = 48.0


def deadline_hours(jurisdictions: Iterable[str]) -> float:
    """The shortest legal clock among ``jurisdictions`` (the default when none apply)."""
    hours = [DEADLINE_HOURS[j.upper()] for j in jurisdictions if j.upper() in DEADLINE_HOURS]
    return min(hours) if hours else DEFAULT_DEADLINE_HOURS


def effective_deadline(
    due_at: datetime | None, created_at: datetime, jurisdictions: Iterable[str]
) -> datetime:
    """The deadline that applies: the task's own, or the legal clock if that is sooner."""
    legal = created_at + timedelta(hours=deadline_hours(jurisdictions))
    return legal if due_at is None else min(due_at, legal)
