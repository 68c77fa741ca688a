"""The change feed keeps a served matcher up to date without any request reading the log.

- A notification above the applied position wakes the feed at once; one at or below it
  costs nothing; a lost one is repaired by the fallback poll; a failing read is retried.
- On PostgreSQL the change log's trigger notifies on commit only, with the seq written;
  a rolled-back change is never announced.
- A new replica starts from a shared snapshot plus the log after it, never reading the whole
  table; a damaged snapshot is rebuilt from the store instead of stopping the start.
- Served in push mode, lookups read no change log at all (the old way read it every 50 ms),
  and a change made by another process still arrives.
- Served in either mode, lookups read no match holds (trust levels, quarantine: the old way
  reloaded them inside a lookup every 5 s); the feed reloads them, so another process's
  quarantine and release still take effect.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from shieldwall.api import create_app
from shieldwall.config import load_settings
from shieldwall.pipeline.change_feed import ChangeFeed
from shieldwall.pipeline.matcher import Query
from shieldwall.runtime import Runtime
from shieldwall.store import BankStore, ExchangeStore, make_engine, session_factory, upgrade
from shieldwall.store.change_signal import CHANNEL, ChangeListener
from shieldwall.store.migrations.versions import r0016_change_notify
from shieldwall.store.quarantine import QuarantineStore
from shieldwall.types import BankPurpose, HashKind, NewEntry
from tests.conftest import POSTGRES_ADMIN_URL

LONG = 60.0
"""A fallback poll that never fires within a test: what arrives, was pushed."""


def _until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


class FakeLog:
    """A change log position that moves when told, and a refresh that applies it."""

    def __init__(self) -> None:
        self.head = 0
        self.applied = 0
        self.reads = 0
        self.fail = 0

    def refresh(self) -> int:
        self.reads += 1
        if self.fail:
            self.fail -= 1
            raise ConnectionError("database away")
        moved, self.applied = self.head - self.applied, self.head
        return moved


class FakeListener:
    def __init__(self, notify: Callable[[int | None], None]) -> None:
        self.notify = notify
        self.connected = False

    def start(self) -> None:
        self.connected = True

    def stop(self) -> None:
        self.connected = False


@pytest.fixture
def feed() -> Iterator[tuple[ChangeFeed, FakeLog, list[FakeListener]]]:
    log = FakeLog()
    made: list[FakeListener] = []

    def listener(notify: Callable[[int | None], None]) -> FakeListener:
        made.append(FakeListener(notify))
        return made[-1]

    f = ChangeFeed(
        refresh=log.refresh, position=lambda: log.applied, listener=listener, fallback_s=LONG
    )
    f.start()
    yield f, log, made
    f.stop()


def test_a_notification_wakes_the_feed_and_a_stale_one_costs_no_read(
    feed: tuple[ChangeFeed, FakeLog, list[FakeListener]],
) -> None:
    f, log, (listener,) = feed
    log.head = 3
    listener.notify(3)
    _until(lambda: log.applied == 3)
    assert f.status().pushed == 1 and f.status().connected
    reads = log.reads
    for seq in (1, 2, 3):  # late or duplicate notifications: already applied
        listener.notify(seq)
    time.sleep(0.2)
    assert log.reads == reads
    listener.notify(None)  # a reconnect: "read from your position"
    _until(lambda: log.reads == reads + 1)


def test_a_failing_read_is_retried_until_the_database_is_back(
    feed: tuple[ChangeFeed, FakeLog, list[FakeListener]],
) -> None:
    _, log, (listener,) = feed
    log.fail = 3
    log.head = 5
    listener.notify(5)
    _until(lambda: log.applied == 5)
    assert log.reads >= 4


def test_a_lost_notification_is_repaired_by_the_fallback_poll() -> None:
    log = FakeLog()
    f = ChangeFeed(
        refresh=log.refresh, position=lambda: log.applied, listener=FakeListener, fallback_s=0.05
    )
    f.start()
    try:
        log.head = 7  # committed, but its notification never came
        _until(lambda: log.applied == 7)
        assert f.status().polled == 1 and f.status().pushed == 0
    finally:
        f.stop()


def test_a_failing_also_callback_is_retried_and_never_stops_the_log() -> None:
    """The holds reload rides on the feed: a database away for it must not stop the
    matcher's changes, and it is tried again on the next wake."""
    log = FakeLog()
    calls: list[int] = []

    def flaky() -> None:
        calls.append(1)
        if len(calls) <= 2:
            raise ConnectionError("database away")

    f = ChangeFeed(
        refresh=log.refresh,
        position=lambda: log.applied,
        listener=None,
        fallback_s=0.02,
        also=(flaky,),
    )
    f.start()
    try:
        log.head = 4
        _until(lambda: log.applied == 4 and len(calls) >= 4)
    finally:
        f.stop()


def test_a_flood_of_forged_notifications_costs_a_few_reads_and_moves_nothing() -> None:
    """Anyone who may connect to the database can NOTIFY the channel. A notification is never
    trusted: it only wakes the feed, wake-ups coalesce, and the position comes from the log."""
    log = FakeLog()
    real_refresh = log.refresh

    def slow_refresh() -> int:
        time.sleep(0.05)
        return real_refresh()

    made: list[FakeListener] = []

    def listener(notify: Callable[[int | None], None]) -> FakeListener:
        made.append(FakeListener(notify))
        return made[-1]

    f = ChangeFeed(
        refresh=slow_refresh, position=lambda: log.applied, listener=listener, fallback_s=LONG
    )
    f.start()
    try:
        began = time.monotonic()
        for n in range(10_000):
            made[0].notify(10**18 + n if n % 2 else _seq_of("not a number"))
        flood_s = time.monotonic() - began
        time.sleep(0.2)
        # At most one read per 50 ms refresh while the flood lasted, plus the one after it.
        assert log.reads <= flood_s / 0.05 + 2
        assert f.status().position == 0  # the log did not move, so neither did the replica
    finally:
        f.stop()


def _seq_of(payload: str) -> int | None:
    from shieldwall.store.change_signal import _seq

    return _seq(payload)


def test_a_notification_payload_is_only_ever_a_number() -> None:
    assert [_seq_of(p) for p in ("12", "", "12; DROP", "-3", " 7 ")] == [12, None, None, -3, 7]


# -- PostgreSQL: the trigger and the listener ---------------------------------------------------


@pytest.fixture
def own_database() -> Iterator[str]:
    """A database of this test's own: a NOTIFY channel is per database, not per schema."""
    name = f"sw_feed_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_the_listener_channel_is_the_one_the_migration_notifies() -> None:
    assert r0016_change_notify.CHANNEL == CHANNEL


@pytest.mark.postgres
def test_a_bank_change_is_announced_on_commit_only(own_database: str) -> None:
    upgrade(own_database)
    engine = make_engine(own_database)
    store = BankStore(session_factory(engine))
    store.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    heard: list[int | None] = []
    got = threading.Event()

    def on_change(seq: int | None) -> None:
        heard.append(seq)
        got.set()

    listener = ChangeListener(own_database, on_change)
    listener.start()
    try:
        assert listener.wait_connected(30)
        _until(lambda: heard == [None])  # the catch-up call after connecting
        # A change that rolls back is never announced.
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO entry_changes (entry_id, bank_id, signal_type, value, op, at) "
                    "VALUES (999, 1, 'md5', :v, 'add', now())"
                ),
                {"v": "0" * 32},
            )
            conn.rollback()
        store.add_entries(
            bank="victims",
            entries=[NewEntry(HashKind.MD5, f"{i:032x}") for i in range(1, 4)],
        )
        _until(lambda: len(heard) == 2)
        time.sleep(0.3)  # nothing else arrives
        assert heard == [None, store.latest_change_seq()]
        assert listener.connected
    finally:
        listener.stop()
        engine.dispose()


# -- served: no request reads the log ------------------------------------------------------------


def test_served_lookups_read_no_change_log_and_still_see_other_processes_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(data_dir=tmp_path / "data", change_feed_local_poll_s=0.05)
    setup = Runtime.open(settings, migrate=True)
    key, _ = setup.keys.create_api_key(name="t", scopes=["admin"], rate_limit_per_minute=10**6)
    setup.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    reads: list[str] = []
    for name in ("changes_since", "replay_since"):  # every way of reading the log
        original = getattr(BankStore, name)

        def counted(self: BankStore, *, _read: object = original, **kwargs: object) -> object:
            reads.append(threading.current_thread().name)
            return _read(self, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(BankStore, name, counted)
    auth = {"Authorization": f"Bearer {key}"}
    banked = "ab" * 32
    with TestClient(create_app(settings)) as client:
        # Another process (here: another runtime) adds an entry; the feed brings it in.
        setup.banks.add_entries(bank="victims", entries=[NewEntry(HashKind.PDQ, banked)])
        _until(
            lambda: client.get("/readyz").json()["change_seq"] >= setup.banks.latest_change_seq()
        )
        before = len(reads)
        for n in range(20):
            r = client.post(
                "/v1/lookup", json={"content_id": f"c-{n}", "pdq": banked}, headers=auth
            )
            assert r.status_code == 200 and r.json()["verdict"] == "remove", r.text
            time.sleep(0.01)
    setup.close()
    # While lookups were answered, every read of the log was the feed's, none a request's.
    assert set(reads[before:]) == {"shieldwall-change-feed"}


@pytest.mark.parametrize("mode", ["push", "poll"])
def test_served_lookups_read_no_match_holds_and_still_see_another_process_quarantine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    settings = load_settings(
        data_dir=tmp_path / "data",
        change_feed=mode,
        change_feed_local_poll_s=0.02,
        change_feed_fallback_s=0.05,
    )
    setup = Runtime.open(settings, migrate=True)
    key, _ = setup.keys.create_api_key(name="t", scopes=["admin"], rate_limit_per_minute=10**6)
    setup.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    banked = "cd" * 32
    (entry,) = setup.banks.add_entries(bank="victims", entries=[NewEntry(HashKind.PDQ, banked)]).ids
    reads: list[str] = []
    for store, name in ((ExchangeStore, "list_exchanges"), (QuarantineStore, "active_ids")):
        original = getattr(store, name)

        def counted(self: object, *, _read: object = original) -> object:
            reads.append(threading.current_thread().name)
            return _read(self)  # type: ignore[operator]

        monkeypatch.setattr(store, name, counted)
    auth = {"Authorization": f"Bearer {key}"}
    asked = iter(range(10**6))

    def verdict() -> str:
        content = {"content_id": f"h-{next(asked)}", "pdq": banked}  # new each time: not a replay
        r = client.post("/v1/lookup", json=content, headers=auth)
        assert r.status_code == 200, r.text
        return str(r.json()["verdict"])

    with TestClient(create_app(settings)) as client:
        assert verdict() == "remove"
        # Another process quarantines the entry; the feed's reload holds its matches here.
        setup.quarantine.quarantine(
            entry_id=entry, bank="victims", hits=9, window_s=60, reason="test flood"
        )
        _until(lambda: verdict() == "review")
        setup.quarantine.release(entry, by="alice", note="checked")
        _until(lambda: verdict() == "remove")
        # The loads so far include the one made before the feed started (the lifespan's).
        _until(lambda: "shieldwall-change-feed" in reads)
        before = len(reads)
        for _ in range(20):
            assert verdict() == "remove"
            time.sleep(0.01)
        during = reads[before:]
    setup.close()
    assert during and set(during) == {"shieldwall-change-feed"}


# -- a new replica: a shared snapshot plus the log's tail -----------------------------------------


def _runtime(tmp_path: Path, name: str, snapshots: Path) -> Runtime:
    settings = load_settings(
        data_dir=tmp_path / name,
        database_url=f"sqlite:///{tmp_path / 'shared.db'}",
        index_snapshot_dir=snapshots,
    )
    return Runtime.open(settings, migrate=True)


def test_a_new_replica_starts_from_the_shared_snapshot_and_the_changes_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshots = tmp_path / "shared-index"
    first = _runtime(tmp_path, "a", snapshots)
    first.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    # Random hashes are ~128 bits apart: none matches another at threshold 31.
    before = [NewEntry(HashKind.PDQ, secrets.token_hex(32)) for _ in range(199)]
    first.banks.add_entries(bank="victims", entries=before)
    assert first.matcher.save_snapshot().parent == snapshots
    after = NewEntry(HashKind.PDQ, secrets.token_hex(32))
    first.banks.add_entries(bank="victims", entries=[after])
    first.banks.withdraw_entry(bank="victims", signal_type="pdq", value=before[0].value)
    first.close()

    def no_full_read(self: BankStore, **kwargs: object) -> object:
        raise AssertionError("the new replica read the whole table")

    monkeypatch.setattr(BankStore, "iter_active_entries", no_full_read)
    second = _runtime(tmp_path, "b", snapshots)
    try:
        matcher = second.matcher
        assert len(matcher) == len(before)  # 199 in the snapshot, +1 added, -1 withdrawn
        assert matcher.match(Query(pdq=after.value)).active
        assert matcher.match(Query(pdq=before[5].value)).active
        assert not matcher.match(Query(pdq=before[0].value)).active
    finally:
        second.close()


def test_a_damaged_snapshot_is_rebuilt_from_the_store_not_fatal(tmp_path: Path) -> None:
    snapshots = tmp_path / "shared-index"
    first = _runtime(tmp_path, "a", snapshots)
    first.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    first.banks.add_entries(bank="victims", entries=[NewEntry(HashKind.PDQ, "ab" * 32)])
    first.matcher.save_snapshot()
    first.close()
    (snapshots / "current" / "pdq" / "manifest.json").write_text("{not json")
    second = _runtime(tmp_path, "b", snapshots)
    try:
        assert second.matcher.match(Query(pdq="ab" * 32)).active
    finally:
        second.close()
