"""The rules the stores apply, tested without a database: roles, case statuses, four eyes."""

from __future__ import annotations

import pytest

from shieldwall import access, casework
from shieldwall.access import Role
from shieldwall.errors import ConflictError, FourEyesError


def test_every_role_group_is_made_of_roles() -> None:
    groups = (
        access.REVIEWERS,
        access.APPEAL_DECIDERS,
        access.AUDITORS,
        access.ADMINS,
        access.HOLD_ROLES,
        access.DASHBOARD_ROLES,
    )
    assert set(access.ROLES) == {r.value for r in Role}
    for group in groups:
        assert set(group) <= set(Role)


def test_an_auditor_reads_but_never_decides() -> None:
    """An auditor account (often an outside firm) must not be able to take content down or
    overturn a victim's case: it may read the trail and place a legal hold, nothing more."""
    assert Role.AUDITOR not in access.REVIEWERS
    assert Role.AUDITOR not in access.APPEAL_DECIDERS
    assert Role.AUDITOR not in access.ADMINS
    assert Role.AUDITOR in access.AUDITORS and Role.AUDITOR in access.HOLD_ROLES


@pytest.mark.parametrize("value", ["admin", "moderator", "auditor", "senior_moderator"])
def test_roles_are_known_by_their_stored_value(value: str) -> None:
    assert access.is_role(value) and Role(value).value == value


@pytest.mark.parametrize("value", ["Admin", "root", "", "admin ", "moderator,admin"])
def test_anything_else_is_not_a_role(value: str) -> None:
    assert not access.is_role(value)


def test_a_request_moves_through_its_statuses() -> None:
    assert casework.status_when_complete(casework.INCOMPLETE, ["photo"]) == casework.INCOMPLETE
    assert casework.status_when_complete(casework.INCOMPLETE, []) == casework.UNDER_REVIEW
    assert casework.status_when_actioned(casework.UNDER_REVIEW) == casework.ACTIONED
    assert casework.status_when_actioned(casework.WITHDRAWN) == casework.WITHDRAWN
    assert casework.status_when_closed(casework.ACTIONED) == casework.CLOSED
    # The requester's own withdrawal stays on record when staff close the case.
    assert casework.status_when_closed(casework.WITHDRAWN) == casework.WITHDRAWN
    assert set(casework.APPROVABLE) <= set(casework.CASE_STATUSES)


def test_one_person_is_never_both_pairs_of_eyes() -> None:
    casework.require_second_pair_of_eyes("alice", "bob", what="x")
    with pytest.raises(FourEyesError) as caught:
        casework.require_second_pair_of_eyes("alice", "alice", what="ask someone else")
    assert isinstance(caught.value, ConflictError)
    assert caught.value.code == "four_eyes" and caught.value.message == "ask someone else"
