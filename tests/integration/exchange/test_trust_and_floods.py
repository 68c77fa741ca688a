"""Per-exchange trust and flood quarantine: a match on a hash from an exchange trusted for
review only goes to a person instead of removing anything, and a hash that suddenly
matches far more items than usual (a poisoned submission: the hash of a meme) is
quarantined, reported and held until a person releases it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shieldwall.cli.app import app
from shieldwall.config import load_settings
from shieldwall.pipeline.exchange_fetch import add_exchange
from shieldwall.pipeline.matcher import Query
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose

PDQ = "f8110d4425fa063b8c759efa81036da9985387cd0ce663e5f31e6de28a9837cf"
OTHER = "0f" * 32


def _open(database_url: str, data_dir: Path, **settings: object) -> Runtime:
    return Runtime.open(
        load_settings(data_dir=data_dir, database_url=database_url, **settings), migrate=True
    )


@pytest.fixture
def feed(tmp_path: Path) -> Path:
    folder = tmp_path / "feed"
    folder.mkdir()
    (folder / "hashes.csv").write_text(f"signal_type,value\npdq,{PDQ}\n")
    return folder


def _lookup(rt: Runtime, content_id: str, pdq: str = PDQ) -> tuple[str, list[dict[str, object]]]:
    done = rt.scanner.lookup(ScanMeta(content_id=content_id, surface="post"), Query(pdq=pdq))
    queues = [
        a.payload.get("queue")
        for a in rt.outbox.for_decision(done.decision.id)
        if a.kind == "review"
    ]
    return done.decision.verdict, [{"queue": q} for q in queues] + list(done.decision.matches)


def test_review_only_trust_sends_matches_to_people_and_auto_lets_the_policy_act(
    database_url: str, tmp_path: Path, feed: Path
) -> None:
    rt = _open(database_url, tmp_path / "d")
    try:
        rt.banks.create_bank(name="partner", purpose=BankPurpose.PARTNER)
        add_exchange(
            rt.exchanges,
            rt.banks,
            rt.exchange_registry,
            name="unvetted",
            kind="local",
            bank="partner",
            config={"path": str(feed)},
            trust="review",
        )
        rt.fetch_exchange("unvetted")
        verdict, details = _lookup(rt, "post-1")
        assert verdict == "review"
        assert {"queue": "held-matches"} in details
        match = next(d for d in details if "entry_id" in d)
        assert "trusted for review only" in str(match["held"])

        rt.exchanges.update("unvetted", trust="auto")
        rt.match_holds.refresh()
        verdict, details = _lookup(rt, "post-2")
        assert verdict == "remove"
        assert next(d for d in details if "entry_id" in d)["held"] is None
    finally:
        rt.close()


def test_a_flooding_hash_is_quarantined_reported_and_held_until_released(
    database_url: str, tmp_path: Path
) -> None:
    data_dir = tmp_path / "d"
    rt = _open(database_url, data_dir, flood_matches=3, flood_window_s=3600)
    try:
        rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
        from shieldwall.types import HashKind, NewEntry

        rt.banks.add_entries(
            bank="victims",
            entries=[NewEntry(HashKind.PDQ, PDQ), NewEntry(HashKind.PDQ, OTHER)],
        )
        verdicts = [_lookup(rt, f"meme-{i}")[0] for i in range(5)]
        # Three matches are a victim's image reposted; the fourth within the hour trips it.
        assert verdicts == ["remove", "remove", "remove", "review", "review"]
        assert _lookup(rt, "unrelated", OTHER)[0] == "remove"  # only the flooding entry
        (q,) = rt.quarantine.list_quarantined()
        assert q.bank == "victims" and q.hits == 4 and "flood threshold 3" in q.reason
        reports = [
            r
            for r in rt.outbox.list_entries()
            if r.payload.get("event") == "bank.entry_quarantined"
        ]
        assert len(reports) == 1 and reports[0].payload["entry_id"] == q.entry_id
        events = [e.action for e in rt.audit_log().store.iter_events()]
        assert "entry.quarantined" in events
    finally:
        rt.close()

    runner = CliRunner()
    env = {"SHIELDWALL_DATA_DIR": str(data_dir), "SHIELDWALL_DATABASE_URL": database_url}
    listed = runner.invoke(app, ["exchange", "quarantine", "list", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.output.splitlines()[0])["entry_id"] == q.entry_id
    released = runner.invoke(
        app,
        [
            "exchange",
            "quarantine",
            "release",
            str(q.entry_id),
            "--by",
            "alice",
            "--note",
            "checked",
        ],
        env=env,
    )
    assert released.exit_code == 0, released.output

    rt = _open(database_url, data_dir, flood_matches=3, flood_window_s=3600)
    try:
        assert _lookup(rt, "after-release")[0] == "remove"
        events = [e.action for e in rt.audit_log().store.iter_events()]
        assert "entry.quarantine_released" in events
    finally:
        rt.close()


def test_a_second_process_tripping_the_same_flood_does_not_fail_the_lookup(
    database_url: str, tmp_path: Path
) -> None:
    """Two processes count separately and may trip together: one row, one report, and
    both lookups are answered."""
    first = _open(database_url, tmp_path / "d", flood_matches=1)
    second = _open(database_url, tmp_path / "d", flood_matches=1)
    try:
        first.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
        from shieldwall.types import HashKind, NewEntry

        first.banks.add_entries(bank="victims", entries=[NewEntry(HashKind.PDQ, PDQ)])
        for i, rt in enumerate((first, second, first, second)):
            _lookup(rt, f"race-{i}")
        assert len(first.quarantine.list_quarantined()) == 1
        reports = [
            r
            for r in first.outbox.list_entries()
            if r.payload.get("event") == "bank.entry_quarantined"
        ]
        assert len(reports) == 1
    finally:
        first.close()
        second.close()


def test_a_retro_hunt_in_another_process_holds_an_entry_quarantined_since_it_loaded(
    database_url: str, tmp_path: Path
) -> None:
    """A worker has no change feed to reload the holds: its retro-hunt reloads them first,
    so an entry quarantined by another process after the worker loaded does not act."""
    from shieldwall.types import HashKind, NewEntry

    worker = _open(database_url, tmp_path / "d")
    other = _open(database_url, tmp_path / "d")
    try:
        worker.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
        assert _lookup(worker, "seen-before")[0] == "allow"  # remembered; holds loaded
        (entry,) = other.banks.add_entries(
            bank="victims", entries=[NewEntry(HashKind.PDQ, PDQ)]
        ).ids
        other.quarantine.quarantine(
            entry_id=entry, bank="victims", hits=9, window_s=60, reason="test flood"
        )
        report = worker.retro_hunter.hunt([entry])
        (decision,) = report.decisions
        assert decision.verdict == "review"
        assert "quarantined" in str(decision.matches[0]["held"])
    finally:
        worker.close()
        other.close()
