"""One request page creates one case, on SQLite and on PostgreSQL: two sends of the same
page at the same moment (a double click) race to store it, and exactly one case results;
the other send learns which one it was."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from shieldwall.store import session_factory
from shieldwall.store.cases import CaseInfo, CaseStore, SubmissionRepeatedError


def test_two_sends_of_one_page_at_once_store_one_case(engine: sa.Engine) -> None:
    cases = CaseStore(session_factory(engine))
    start = threading.Barrier(2)
    made: list[CaseInfo] = []
    repeated: list[str] = []

    def send(email: str) -> None:
        start.wait()
        try:
            case, _ = cases.create_case(
                jurisdiction="GB",
                details={"email": email},
                missing=["signature"],
                hashes=[("md5", "0" * 32, None)],
                due_hours=None,
                receipt=("k" * 64, "sealed"),
            )
            made.append(case)
        except SubmissionRepeatedError:
            repeated.append(email)

    threads = [threading.Thread(target=send, args=(f"p{i}@example.org",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(made) == 1 and len(repeated) == 1
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM cases")) == 1
        assert conn.scalar(sa.text("SELECT count(*) FROM case_hashes")) == 1
    found = cases.receipt_for("k" * 64)
    assert found is not None and found.case.id == made[0].id
    # The later send never changed the case the first one stored.
    assert found.case.details == made[0].details
    with pytest.raises(SubmissionRepeatedError):
        cases.create_case(
            jurisdiction="US",
            details={"email": "later@example.org"},
            missing=[],
            hashes=[],
            due_hours=48,
            receipt=("k" * 64, "other"),
        )
    assert cases.receipt_for("k" * 64) == found
    assert cases.receipt_for("x" * 64) is None
