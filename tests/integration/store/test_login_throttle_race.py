"""Concurrent password guesses cannot get past the login lock, on SQLite and PostgreSQL.

The throttle used to read a count and write it back: on PostgreSQL concurrent guesses all
read the same count (47 guesses got through a 5-failure lock) and concurrent first
failures collided on the row's primary key (500). Now the rows are created with ON
CONFLICT DO NOTHING and locked FOR UPDATE before the count is read.
"""

from __future__ import annotations

import threading

from shieldwall.store import make_engine, session_factory, upgrade
from shieldwall.store.users import MAX_FAILURES, LoginResult, UserStore

PASSWORD = "correct horse battery staple"
GUESSES = 24


def test_concurrent_guesses_cannot_pass_the_lock(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engines = [make_engine(empty_db_url) for _ in range(GUESSES)]
    stores = [UserStore(session_factory(e)) for e in engines]
    stores[0].create_user(username="moderator", role="moderator", password=PASSWORD)
    barrier = threading.Barrier(GUESSES)
    results: list[LoginResult] = []
    errors: list[BaseException] = []

    def guess(store: UserStore, n: int) -> None:
        barrier.wait()
        try:
            # Each guesser from its own address: only the account lock can stop them.
            results.append(
                store.authenticate(
                    username="moderator", password=f"guess-{n}", address=f"198.51.100.{n}"
                )
            )
        except BaseException as exc:  # any replica's failure is the test's failure
            errors.append(exc)

    threads = [threading.Thread(target=guess, args=(s, n)) for n, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == GUESSES and all(r.user is None for r in results)
    # Exactly MAX_FAILURES guesses were checked; the last of them set the lock and every
    # later one met it. Before, most of the 24 were checked against a stale count.
    unlocked = [r for r in results if not r.locked]
    assert len(unlocked) == MAX_FAILURES - 1
    # And the right password is refused while the lock holds.
    after = stores[0].authenticate(username="moderator", password=PASSWORD, address="192.0.2.1")
    assert after.user is None and after.locked
    for e in engines:
        e.dispose()


def test_an_over_long_username_or_address_is_throttled_not_a_500(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engine = make_engine(empty_db_url)
    store = UserStore(session_factory(engine))
    long_name = "n" * 300
    for _ in range(MAX_FAILURES):
        result = store.authenticate(username=long_name, password="x", address="a" * 300)
    assert result.locked
    engine.dispose()
