"""The worker's exchange schedule with the database away: one outage for the pass, not a
traceback per exchange; a fetch that fails for any other reason still spares the others."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any, cast

import pytest
from sqlalchemy.exc import OperationalError

from shieldwall.runtime import Runtime
from shieldwall.worker.exchanges import fetch_due


class _Exchanges:
    def due(self) -> list[str]:
        return ["first", "second", "third"]


class _Runtime:
    def __init__(self, fail: Exception) -> None:
        self.exchanges = _Exchanges()
        self.tried: list[str] = []
        self._fail = fail

    def fetch_exchange(self, name: str) -> Any:
        self.tried.append(name)
        raise self._fail


def test_the_database_away_ends_the_pass_for_the_loop_to_log_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    locked = OperationalError("INSERT ...", {}, sqlite3.OperationalError("database is locked"))
    rt = _Runtime(locked)
    with pytest.raises(OperationalError):
        fetch_due(cast(Runtime, rt))
    assert rt.tried == ["first"]  # the others would meet the same outage
    assert not [r for r in caplog.records if r.exc_info]


def test_any_other_failure_is_logged_for_that_exchange_and_the_others_are_fetched(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    rt = _Runtime(ValueError("the partner sent nonsense"))
    assert fetch_due(cast(Runtime, rt)) == []
    assert rt.tried == ["first", "second", "third"]
    failed = [r for r in caplog.records if "exchange_fetch_failed" in r.getMessage()]
    assert len(failed) == 3 and all(r.exc_info for r in failed)
