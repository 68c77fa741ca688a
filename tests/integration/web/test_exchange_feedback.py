"""Feedback to hash exchanges, end to end: a hash fetched from a StopNCII-style exchange
matches an upload; the moderator's verdict queues feedback in the outbox with the decision,
the worker delivers it to the exchange, and an appeal that reverses a takedown sends a
false-positive verdict. What travels is the hash and the verdict, never the platform's
content id, uploader or the image, and a victim's own portal hash sends nothing anywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.integration.exchange.fake_stopncii import API_KEY, FakeStopNCII
from web_support import PASSWORD, ROLES, Site, csrf_of

from shieldwall.config import load_settings
from shieldwall.hashing.files import hash_image_file
from shieldwall.pipeline.exchange_fetch import add_exchange
from shieldwall.runtime import Runtime
from shieldwall.store import session_factory
from shieldwall.store.users import UserStore
from shieldwall.types import BankPurpose
from shieldwall.web import create_site
from shieldwall.worker.service import build_deliverer


@pytest.fixture(scope="module")
def exchange() -> Iterator[FakeStopNCII]:
    fake = FakeStopNCII()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def fsite(tmp_path_factory: pytest.TempPathFactory, exchange: FakeStopNCII) -> Iterator[Site]:
    url = exchange.start()
    settings = load_settings(
        data_dir=tmp_path_factory.mktemp("fsite") / "data",
        exchange_credentials={"sncii": {"api_key": API_KEY}},
    )
    runtime = Runtime.open(settings)
    runtime.banks.create_bank(name="stopncii", purpose=BankPurpose.PARTNER)
    add_exchange(
        runtime.exchanges,
        runtime.banks,
        runtime.exchange_registry,
        name="sncii",
        kind="stopncii",
        bank="stopncii",
        config={"base_url": url},
    )
    users = UserStore(session_factory(runtime.engine))
    for role in ROLES:
        users.create_user(username=role, role=role, password=PASSWORD)
    app = create_site(settings, runtime=runtime)
    with TestClient(app, follow_redirects=False) as client:
        yield Site(runtime, client, users)
    runtime.close()


@pytest.fixture(scope="module")
def key(fsite: Site) -> str:
    secret, _ = fsite.runtime.keys.create_api_key(name="platform", scopes=["scan", "lookup"])
    return secret


def _upload(site: Site, key: str, path: Path, content_id: str) -> int:
    response = site.client.post(
        "/v1/scan",
        headers={"Authorization": f"Bearer {key}"},
        data={"content_id": content_id, "uploader_id": "uploader-7"},
        files={"file": (path.name, path.read_bytes(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    assert response.json()["matches"], "the exchanged hash should match the upload"
    return site.runtime.items.get_item(content_id).id


def _decide(client: TestClient, item_id: int, verdict: str) -> None:
    page = client.get(f"/review/items/{item_id}")
    category = "no_violation" if verdict == "allow" else "ncii_possible"
    response = client.post(
        f"/review/items/{item_id}/decide",
        data={"csrf_token": csrf_of(page.text), "verdict": verdict, "category": category},
    )
    assert response.status_code == 303 and "error=" not in response.headers["location"]


def _feedback_rows(site: Site, item_id: int) -> list[dict[str, object]]:
    rows = []
    for d in site.runtime.items.decisions_for_item(item_id):
        rows += [
            a.payload
            for a in site.runtime.outbox.for_decision(d.id)
            if a.kind == "exchange_feedback"
        ]
    return rows


def test_verdicts_on_exchanged_hashes_go_back_to_the_exchange(
    fsite: Site, key: str, exchange: FakeStopNCII, photo_paths: list[Path]
) -> None:
    a, b = photo_paths[0], photo_paths[1]
    for path in (a, b):
        exchange.put(hash_image_file(path).pdq, caseNumbers={"CASE-9": "Active"})
    fsite.runtime.fetch_exchange("sncii")
    confirmed = _upload(fsite, key, a, "fb-confirmed")
    rejected = _upload(fsite, key, b, "fb-rejected")
    moderator = fsite.client_for("moderator")
    _decide(moderator, confirmed, "remove")
    _decide(moderator, rejected, "allow")

    (sent_confirm,) = _feedback_rows(fsite, confirmed)
    assert sent_confirm["verdict"] == "confirmed" and sent_confirm["exchange"] == "sncii"
    assert set(sent_confirm) <= {
        "exchange",
        "signal_type",
        "value",
        "verdict",
        "external_id",
        "case_id",
        "entry_id",
    }  # the hash and the verdict: never the platform's content id, uploader or image
    assert "fb-confirmed" not in str(sent_confirm) and "uploader-7" not in str(sent_confirm)

    build_deliverer(fsite.runtime).drain()
    rows = [r for r in fsite.runtime.outbox.list_entries() if r.kind == "exchange_feedback"]
    assert len(rows) == 2 and {r.status for r in rows} == {"delivered"}
    sent = [f for batch in exchange.feedback for f in batch["hashFeedbacks"]]
    verdicts = {f["hashValue"]: f["feedback"] for f in sent}
    assert verdicts == {
        hash_image_file(a).pdq: "Blocked",
        hash_image_file(b).pdq: "NotBlocked",
    }
    assert all(f["caseNumbers"] == ["CASE-9"] for f in sent)


def test_a_reversed_appeal_tells_the_exchange_it_was_a_false_positive(
    fsite: Site, key: str, exchange: FakeStopNCII, photo_paths: list[Path]
) -> None:
    path = photo_paths[2]
    exchange.put(hash_image_file(path).pdq)
    fsite.runtime.fetch_exchange("sncii")
    item_id = _upload(fsite, key, path, "fb-appeal")
    _decide(fsite.client_for("moderator"), item_id, "remove")
    response = fsite.client.post(
        "/v1/appeals",
        headers={"Authorization": f"Bearer {key}"},
        json={"content_id": "fb-appeal", "reason": "my own photo"},
    )
    assert response.status_code == 201, response.text
    admin = fsite.client_for("admin")
    page = admin.get("/review/appeals")
    admin.post(
        f"/review/appeals/{response.json()['appeal_id']}",
        data={"csrf_token": csrf_of(page.text), "outcome": "reverse"},
    )
    verdicts = [p["verdict"] for p in _feedback_rows(fsite, item_id)]
    assert verdicts == ["confirmed", "rejected"]
    before = len(exchange.feedback)
    build_deliverer(fsite.runtime).drain()
    last = exchange.feedback[before:][-1]["hashFeedbacks"][0]
    assert last["feedback"] == "NotBlocked"


def test_a_hash_held_only_by_a_victim_case_sends_nothing_to_any_exchange(
    fsite: Site, key: str, photo_paths: list[Path]
) -> None:
    """A victim's portal hash is theirs: a moderator's verdict on its match must not reach
    an exchange that never supplied it (the exchange would learn of the victim's case)."""
    from shieldwall.pipeline.banking import add_to_bank
    from shieldwall.types import HashKind, NewEntry, Provenance

    path = photo_paths[3]
    fsite.runtime.banks.create_bank(name="victims-own", purpose=BankPurpose.VICTIM)
    add_to_bank(
        fsite.runtime.banking,
        bank="victims-own",
        entries=[
            NewEntry(
                HashKind.PDQ,
                hash_image_file(path).pdq,
                provenance=Provenance(source="portal", case_id="case-x"),
            )
        ],
    )
    item_id = _upload(fsite, key, path, "fb-victim")
    _decide(fsite.client_for("moderator"), item_id, "remove")
    assert _feedback_rows(fsite, item_id) == []
