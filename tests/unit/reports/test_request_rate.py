"""The 48-hour rate counts what it says: a request the requester withdrew before it was
actioned stopped its own clock, so it is neither on time nor late (it is counted apart)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shieldwall.reports.transparency import RequestFact, build_report

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_withdrawn_requests_leave_the_48_hour_rate() -> None:
    requests = [
        RequestFact("GB", T0, T0, T0 + timedelta(hours=5), "actioned"),
        RequestFact("GB", T0, T0, None, "withdrawn"),
        RequestFact("US", T0, T0, None, "under_review"),  # late: still not actioned
        RequestFact("US", T0, T0, T0 + timedelta(hours=3), "withdrawn"),  # done, then withdrawn
    ]
    report = build_report(
        [], period_from=T0 - timedelta(days=1), period_to=T0 + timedelta(days=30),
        requests=requests,
    )  # fmt: skip
    assert report.requests["received"] == 4
    assert report.requests["withdrawn"] == 1
    assert report.requests["valid"] == 3
    assert report.requests["valid_actioned_within_48h"] == 2
    assert report.requests["share_within_48h"] == round(2 / 3, 4)
