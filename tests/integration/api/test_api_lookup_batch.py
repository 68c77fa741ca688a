"""Lookups under load through the real app: grouped writes, the batch endpoint, back-pressure.

A platform sends many lookups at once (or 1,000 in one request): every one must be
stored and chained before it is answered, a repeated ``content_id`` keeps its first
decision, a bad item fails alone, and a saturated service says "come back" (503 +
``Retry-After``) instead of slowing everyone down.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from shieldwall.api.auth import RateLimiter
from shieldwall.audit.verify import verify_chain
from shieldwall.pipeline.group_commit import GroupCommitter
from shieldwall.store import session_factory
from shieldwall.store.audit_store import AuditStore
from shieldwall.store.service_records import NewDecision, NewItem, Recorded
from tests.integration.api.conftest import Api

BANKED = "f0" * 32


def _bank(api: Api) -> None:
    api.client.post("/v1/banks", json={"name": "victims", "purpose": "victim"}, headers=api.admin)
    response = api.client.post(
        "/v1/banks/victims/entries",
        json={"entries": [{"signal_type": "pdq", "value": BANKED, "case_id": "case-1"}]},
        headers=api.admin,
    )
    assert response.status_code == 201, response.text


def _count(api: Api, table: str) -> int:
    with api.runtime.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def _chain_ok(api: Api) -> bool:
    return verify_chain(list(AuditStore(session_factory(api.runtime.engine)).iter_events())).ok


def test_concurrent_lookups_are_all_stored_and_chained(api: Api) -> None:
    _bank(api)
    before = _count(api, "audit_events")

    def send(n: int) -> dict:
        pdq = BANKED if n % 5 == 0 else f"{n:064x}"
        r = api.client.post(
            "/v1/lookup", json={"content_id": f"up-{n}", "pdq": pdq}, headers=api.admin
        )
        assert r.status_code == 200, r.text
        return dict(r.json())

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(60)))
    assert all(a["created"] for a in answers)
    assert [a["verdict"] == "remove" for a in answers] == [n % 5 == 0 for n in range(60)]
    assert _count(api, "items") == 60
    assert _count(api, "audit_events") == before + 60
    assert _chain_ok(api)
    # Each answer is what is stored.
    for a in answers[:5]:
        stored = api.client.get(f"/v1/items/{a['content_id']}", headers=api.admin)
        assert stored.status_code == 200
        assert a["decision_id"] in stored.text


def test_a_batch_is_answered_in_order_with_per_item_errors(api: Api) -> None:
    _bank(api)
    items = [
        {"content_id": "b-0", "pdq": BANKED},
        {"content_id": "b-1", "pdq": "zz"},  # not a PDQ hash
        {"content_id": "b-2"},  # no hash at all
        {"content_id": "b-3", "md5": "00" * 16, "surface": "post"},
        {"content_id": "b-0", "pdq": "00" * 32},  # a repeat inside the batch
        "not an object",
        {"content_id": "b-6", "pdq": BANKED, "unknown_field": 1},
    ]
    r = api.client.post("/v1/lookup/batch", json={"items": items}, headers=api.admin)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [x["index"] for x in results] == list(range(7))
    assert results[0]["decision"]["verdict"] == "remove" and results[0]["decision"]["created"]
    assert results[1]["error"]["code"] == "invalid_input" and "pdq" in results[1]["error"]["detail"]
    assert results[2]["error"]["code"] == "invalid_input"
    assert results[3]["decision"]["verdict"] == "allow"
    # The repeat gets the first b-0's stored decision (not a decision on its own hash).
    assert results[4]["decision"]["created"] is False
    assert results[4]["decision"]["decision_id"] == results[0]["decision"]["decision_id"]
    assert results[4]["decision"]["verdict"] == "remove"
    assert results[5]["error"]["code"] == "invalid_input"
    assert results[6]["error"]["code"] == "invalid_input"  # strict: unknown fields refused
    assert _count(api, "items") == 2
    assert _chain_ok(api)
    # Each decided item is stored as if sent alone.
    alone = api.client.post(
        "/v1/lookup", json={"content_id": "b-3", "md5": "00" * 16}, headers=api.admin
    ).json()
    assert alone["created"] is False
    assert alone["decision_id"] == results[3]["decision"]["decision_id"]


def test_a_batch_of_a_thousand_is_stored_and_more_is_refused(api: Api) -> None:
    items = [{"content_id": f"k-{n}", "pdq": f"{n:064x}"} for n in range(1000)]
    r = api.client.post("/v1/lookup/batch", json={"items": items}, headers=api.admin)
    assert r.status_code == 200, r.text
    assert all(x["decision"]["created"] for x in r.json()["results"])
    assert _count(api, "items") == 1000
    assert _chain_ok(api)
    too_many = [{"content_id": f"m-{n}", "pdq": f"{n:064x}"} for n in range(1001)]
    refused = api.client.post("/v1/lookup/batch", json={"items": too_many}, headers=api.admin)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert _count(api, "items") == 1000


def test_a_batch_cannot_overwrite_another_uploads_decision(api: Api) -> None:
    """An abuser who knows a victim-matched upload's content_id resends it with harmless
    hashes, alone or inside a batch, hoping to replace the "remove" decision: the stored
    decision stands and nothing new is written."""
    _bank(api)
    first = api.client.post(
        "/v1/lookup", json={"content_id": "victim-post", "pdq": BANKED}, headers=api.admin
    ).json()
    assert first["verdict"] == "remove"
    events = _count(api, "audit_events")
    r = api.client.post(
        "/v1/lookup/batch",
        json={"items": [{"content_id": "victim-post", "pdq": "00" * 32}] * 3},
        headers=api.admin,
    )
    for x in r.json()["results"]:
        assert x["decision"]["decision_id"] == first["decision_id"]
        assert x["decision"]["verdict"] == "remove" and x["decision"]["created"] is False
    assert _count(api, "audit_events") == events
    assert _count(api, "items") == 1


def test_a_narrow_key_cannot_use_the_batch_endpoint(api: Api) -> None:
    reader = api.headers_for("banks:read")
    body = {"items": [{"content_id": "n-1", "pdq": "00" * 32}]}
    assert api.client.post("/v1/lookup/batch", json=body).status_code == 401
    assert api.client.post("/v1/lookup/batch", json=body, headers=reader).status_code == 403
    assert api.client.post("/v1/lookup/batch", json=body, headers=api.headers_for("lookup")).json()
    assert _count(api, "items") == 1


def test_a_saturated_service_answers_503_with_retry_after_and_loses_nothing(api: Api) -> None:
    entered, release = threading.Event(), threading.Event()
    record_many = api.runtime.items.record_many

    def held(pairs: Sequence[tuple[NewItem, NewDecision]]) -> list[Recorded]:
        entered.set()
        assert release.wait(30)
        return record_many(pairs)

    api.runtime.scanner.committer = GroupCommitter(held, max_pending=1)
    body = {"content_id": "s-0", "pdq": "00" * 32}
    results: dict[str, int] = {}

    def send(cid: str) -> None:
        r = api.client.post("/v1/lookup", json={**body, "content_id": cid}, headers=api.admin)
        results[cid] = r.status_code

    first = threading.Thread(target=send, args=("s-0",))
    first.start()
    assert entered.wait(30)  # the writer holds s-0
    second = threading.Thread(target=send, args=("s-1",))
    second.start()
    while api.runtime.scanner.committer.pending < 1:  # s-1 waits for the next batch
        second.join(0.01)
    refused = api.client.post("/v1/lookup", json={**body, "content_id": "s-2"}, headers=api.admin)
    assert refused.status_code == 503
    assert refused.json()["code"] == "overloaded"
    assert int(refused.headers["retry-after"]) >= 1
    batch = api.client.post("/v1/lookup/batch", json={"items": [body]}, headers=api.admin)
    assert batch.status_code == 503
    release.set()
    first.join(30)
    second.join(30)
    assert results == {"s-0": 200, "s-1": 200}
    api.runtime.scanner.committer.close()
    assert _count(api, "items") == 2  # the refused ones were not stored; the others were


def test_a_key_cannot_exceed_its_lookup_limit_through_the_batch_endpoint(api: Api) -> None:
    """An abuser with a key limited to 10 lookups a minute packs them into batches, hoping a
    batch counts as one request: each item counts, so the 11th lookup is refused."""
    api.client.app.state.rate_limiter = RateLimiter(clock=lambda: 0.0)  # no refill mid-test
    limited = api.headers_for("lookup", rate_limit=10)

    def batch(prefix: str, n: int) -> object:
        items = [{"content_id": f"{prefix}-{i}", "pdq": f"{i + 1:064x}"} for i in range(n)]
        return api.client.post("/v1/lookup/batch", json={"items": items}, headers=limited)

    first = batch("r1", 6)
    assert first.status_code == 200, first.text
    second = batch("r2", 6)  # 12 lookups in the minute: refused whole, nothing stored
    assert second.status_code == 429
    assert second.headers["content-type"].startswith("application/problem+json")
    assert second.json()["code"] == "rate_limited"
    assert int(second.headers["retry-after"]) >= 1
    assert _count(api, "items") == 6
    # What is left of the minute's ten still goes through (the refused request cost one).
    rest = batch("r3", 3)
    assert rest.status_code == 200, rest.text
    single = api.client.post(
        "/v1/lookup", json={"content_id": "r4", "pdq": "ab" * 32}, headers=limited
    )
    assert single.status_code == 429  # the batches used the same budget as single lookups
    assert _count(api, "items") == 9


def test_a_batch_larger_than_the_whole_limit_is_told_to_split(api: Api) -> None:
    limited = api.headers_for("lookup", rate_limit=5)
    items = [{"content_id": f"big-{i}", "pdq": f"{i + 1:064x}"} for i in range(6)]
    r = api.client.post("/v1/lookup/batch", json={"items": items}, headers=limited)
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_input" and "at most 5" in r.json()["detail"]
    assert _count(api, "items") == 0
