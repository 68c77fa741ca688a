"""Legal clocks follow from timestamps: UK/US 48 h (US from a valid request), AU 24 h,
EU a configured period; met, breached and still-running are told apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shieldwall.reports.clocks import Jurisdiction, clock_status, deadline, jurisdiction_of

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_deadlines_per_jurisdiction() -> None:
    assert deadline("UK", received_at=T0) == T0 + timedelta(hours=48)
    assert deadline("AU", received_at=T0) == T0 + timedelta(hours=24)
    assert deadline("US", received_at=T0) is None  # not valid yet: no clock
    valid = T0 + timedelta(hours=5)
    assert deadline("US", received_at=T0, valid_at=valid) == valid + timedelta(hours=48)
    assert deadline("EU", received_at=T0, eu_timely=timedelta(hours=12)) == T0 + timedelta(hours=12)


def test_met_breached_and_running() -> None:
    met = clock_status("UK", received_at=T0, actioned_at=T0 + timedelta(hours=47))
    assert met.met is True and met.overdue_by is None
    late = clock_status("AU", received_at=T0, actioned_at=T0 + timedelta(hours=30))
    assert late.met is False and late.overdue_by == timedelta(hours=6)
    running = clock_status("UK", received_at=T0, now=T0 + timedelta(hours=1))
    assert running.met is None
    overdue = clock_status("UK", received_at=T0, now=T0 + timedelta(hours=50))
    assert overdue.met is False and overdue.overdue_by == timedelta(hours=2)


def test_codes_map_to_rules() -> None:
    assert jurisdiction_of("gb") is Jurisdiction.UK
    assert jurisdiction_of("DE") is Jurisdiction.EU
    assert jurisdiction_of("BR") is None


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        deadline("UK", received_at=datetime(2025, 1, 1))


@given(st.integers(0, 200 * 3600), st.sampled_from(["UK", "AU", "EU"]))
def test_met_exactly_when_actioned_by_the_deadline(seconds: int, rule: str) -> None:
    done = T0 + timedelta(seconds=seconds)
    status = clock_status(rule, received_at=T0, actioned_at=done)
    due = deadline(rule, received_at=T0)
    assert due is not None
    assert status.met is (done <= due)
