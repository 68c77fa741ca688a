"""Replicas started together on a fresh database must all come up on the same default policy.

Two ``shieldwall serve`` processes racing on an empty PostgreSQL database used to kill the
second at start-up: both stored the bundled default policy and the loser hit the unique
fingerprint. Here eight policy holders on their own engines start at one barrier.
"""

from __future__ import annotations

import threading

from shieldwall.pipeline.policy_holder import PolicyHolder
from shieldwall.store import KeyStore, make_engine, session_factory, upgrade


def test_replicas_starting_together_agree_on_one_default_policy(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    engines = [make_engine(empty_db_url) for _ in range(8)]
    holders = [PolicyHolder(KeyStore(session_factory(e))) for e in engines]
    barrier = threading.Barrier(len(holders))
    fingerprints: list[str] = []
    errors: list[BaseException] = []

    def start(holder: PolicyHolder) -> None:
        barrier.wait()
        try:
            fingerprints.append(holder.fingerprint)
        except BaseException as exc:  # the test reports what went wrong in any replica
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(h,)) for h in holders]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for e in engines:
        e.dispose()

    assert errors == []
    assert len(fingerprints) == len(holders) and len(set(fingerprints)) == 1
    store = KeyStore(session_factory(make_engine(empty_db_url)))
    stored = store.list_policies()
    assert len(stored) == 1 and stored[0].active
