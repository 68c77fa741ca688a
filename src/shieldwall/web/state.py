"""The web layer's own long-lived objects, built once per site next to the runtime."""

from __future__ import annotations

from dataclasses import dataclass

from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.cases import CaseStore, ReviewDeskStore
from shieldwall.store.portal_attempts import PortalAttemptStore
from shieldwall.store.reviews import ReviewStore
from shieldwall.store.users import UserStore
from shieldwall.web.media import MediaVault

SESSION_LIMIT_MINUTES = 90
"""After this long signed in, the review pages remind the moderator to take a break."""


@dataclass(frozen=True)
class WebState:
    users: UserStore
    desk: ReviewDeskStore
    cases: CaseStore
    reviews: ReviewStore
    vault: MediaVault
    keep_review_media: bool
    attempts: PortalAttemptStore
    session_limit_minutes: int = SESSION_LIMIT_MINUTES

    @classmethod
    def build(cls, rt: Runtime, *, keep_review_media: bool) -> WebState:
        sessions = session_factory(rt.engine)
        desk = ReviewDeskStore(sessions)
        return cls(
            users=UserStore(sessions),
            desk=desk,
            cases=CaseStore(sessions),
            reviews=ReviewStore(sessions),
            vault=MediaVault(desk, rt.settings.data_dir),
            keep_review_media=keep_review_media,
            attempts=PortalAttemptStore(sessions),
        )
