"""Who may do what on the people-facing side: the staff roles, named once.

Before this module the four roles were a tuple in the user store, and the groups of
them that may review, decide appeals, see the dashboard or place a legal hold were
tuples of strings spread over the web pages and the case store. A typo in one of them
locked a role out (or let one in) silently. Now each group is derived from one
:class:`Role` enum, in the pure core, and the store and the pages import it.

API keys have their own scopes (``shieldwall.api.auth.SCOPES``): a key is a machine, a
role is a person signed in to the review UI.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A staff account's role in the review UI (stored as its value)."""

    ADMIN = "admin"
    SENIOR_MODERATOR = "senior_moderator"
    MODERATOR = "moderator"
    AUDITOR = "auditor"


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
"""Every role, in the order forms and help text list them."""

REVIEWERS: tuple[Role, ...] = (Role.ADMIN, Role.SENIOR_MODERATOR, Role.MODERATOR)
"""Who may decide on items and victims' requests (auditors only read)."""

APPEAL_DECIDERS: tuple[Role, ...] = (Role.ADMIN, Role.SENIOR_MODERATOR)
"""Who may decide an appeal (never the person who made the first decision)."""

AUDITORS: tuple[Role, ...] = (Role.ADMIN, Role.AUDITOR)
"""Who may read the audit pages."""

ADMINS: tuple[Role, ...] = (Role.ADMIN,)
"""Who may manage accounts."""

HOLD_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.AUDITOR)
"""Who may place or release a legal hold."""

DASHBOARD_ROLES: tuple[Role, ...] = (Role.ADMIN, Role.AUDITOR, Role.SENIOR_MODERATOR)
"""Who may see the compliance dashboard."""


MIN_PASSWORD = 12
"""The shortest password a staff account may have (the store refuses shorter ones)."""


def is_role(value: str) -> bool:
    """Whether ``value`` names a role (the store refuses an account with any other)."""
    return value in ROLES
