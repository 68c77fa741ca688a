"""The web layer's own long-lived objects, built once per site next to the runtime."""

from __future__ import annotations

from dataclasses import dataclass

from shieldwall.pipeline.records import (
    CaseStore,
    PortalAttemptStore,
    ReviewStore,
    UserStore,
)
from shieldwall.runtime import Runtime
from shieldwall.web.media import MediaVault

SESSION_LIMIT_MINUTES = 90
"""After this long signed in, the review pages remind the moderator to take a break."""


@dataclass(frozen=True)
class WebState:
    users: UserStore
    desk: ReviewStore
    cases: CaseStore
    vault: MediaVault
    keep_review_media: bool
    attempts: PortalAttemptStore
    session_limit_minutes: int = SESSION_LIMIT_MINUTES

    @classmethod
    def build(cls, rt: Runtime, *, keep_review_media: bool) -> WebState:
        """The runtime's repositories (those that write audit events chain them with the
        runtime's shared writer: logins, reveals and legal holds share the decisions'
        signer and checkpoint cadence) and the review media vault."""
        return cls(
            users=rt.users,
            desk=rt.reviews,
            cases=rt.cases,
            vault=MediaVault(rt.reviews, rt.settings.data_dir),
            keep_review_media=keep_review_media,
            attempts=rt.portal_attempts,
        )
