"""The proof commands end to end: ``audit verify/export/public-key/checkpoint/redact``,
``evidence export/verify`` and ``report`` over a month of seeded activity, through the
Typer commands on a real SQLite database (the lead registers them on the root CLI)."""

from __future__ import annotations

import csv
import json
import uuid
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from shieldwall.cli.audit_cmd import audit_app, evidence_app, report_command
from shieldwall.cli.context import state
from shieldwall.config import load_settings
from shieldwall.reports.sor import schema
from shieldwall.runtime import Runtime
from shieldwall.store.service_records import NewAction, NewDecision, NewItem

app = typer.Typer()
app.add_typer(audit_app, name="audit")
app.add_typer(evidence_app, name="evidence")
app.command("report")(report_command)
runner = CliRunner()

START = datetime(2025, 3, 1, tzinfo=UTC)


def _decision(verdict: str, source: str, category: str, *, matched: bool) -> NewDecision:
    did = str(uuid.uuid4())
    return NewDecision(
        id=did,
        source=source,
        verdict=verdict,
        policy_version="1",
        fired=[{"rule_id": "r", "category": category}] if verdict != "allow" else [],
        reasons=["seeded"],
        signals=[],
        notes=[],
        matches=[{"bank": "victims", "entry_id": 1, "signal_type": "pdq", "distance": 1}]
        if matched
        else [],
        actions=[NewAction("webhook", {}, f"{did}:n")],
        decided_by="automated" if source in ("upload", "retro_hunt") else "reviewer:amira",
    )


@pytest.fixture
def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runtime]:
    data = tmp_path / "state"
    monkeypatch.setenv("SHIELDWALL_DATA_DIR", str(data))
    monkeypatch.delenv("SHIELDWALL_DATABASE_URL", raising=False)
    state.data_dir = state.database_url = None
    runtime = Runtime.open(load_settings(data_dir=data), migrate=True)
    yield runtime
    runtime.close()


def _set_time(rt: Runtime, decision_id: str, item_id: int, at: datetime, seen: datetime) -> None:
    with rt.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE decisions SET created_at = :at WHERE id = :id"),
            {"at": at.replace(tzinfo=None), "id": decision_id},
        )
        conn.execute(
            sa.text("UPDATE items SET created_at = :at WHERE id = :id"),
            {"at": seen.replace(tzinfo=None), "id": item_id},
        )


def _seed_month(rt: Runtime) -> dict[str, int]:
    """30 days: a block per day (hash match, 1 h after upload), an allow every 3rd day, a
    retro-hunt removal every 5th day, and on day 10 an appeal that reverses day 2's block."""
    expected = {"block": 0, "allow": 0, "remove": 0, "retro": 0, "reversals": 0}
    first_item = None
    for day in range(30):
        seen = START + timedelta(days=day, hours=8)
        item, d, _ = rt.items.record(
            item=NewItem(
                content_id=f"c-{day}",
                source="upload",
                surface="feed" if day % 2 else "dm",
                uploader_id=f"user-{day}",
                jurisdictions=("DE",),
                pdq="f" * 64,
            ),
            decision=_decision("block", "upload", "ncii_known_match", matched=True),
        )
        _set_time(rt, d.id, item.id, seen + timedelta(hours=1), seen)
        expected["block"] += 1
        if day == 2:
            first_item = item
        if day % 3 == 0:
            other, d2, _ = rt.items.record(
                item=NewItem(content_id=f"ok-{day}", source="upload", surface="feed"),
                decision=_decision("allow", "upload", "", matched=False),
            )
            _set_time(rt, d2.id, other.id, seen, seen)
            expected["allow"] += 1
        if day % 5 == 0:
            d3 = rt.items.add_decision(
                item_id=item.id,
                decision=_decision("remove", "retro_hunt", "ncii_known_match", matched=True),
            )
            _set_time(rt, d3.id, item.id, seen + timedelta(hours=3), seen)
            expected["remove"] += 1
            expected["retro"] += 1
    assert first_item is not None
    appeal = rt.items.add_decision(
        item_id=first_item.id, decision=_decision("allow", "appeal", "", matched=False)
    )
    appealed_at = (START + timedelta(days=10)).replace(tzinfo=None)
    with rt.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE decisions SET created_at = :at WHERE id = :id"),
            {"at": appealed_at, "id": appeal.id},
        )
        # Decided appeals are counted from the appeals table (an upheld one writes no
        # decision): the reversal has its appeal row, decided that day.
        conn.execute(
            sa.text(
                "INSERT INTO appeals (item_id, decision_id, original_decider, reason, status, "
                "outcome, decided_by, new_decision_id, created_at, decided_at) VALUES "
                "(:item, :decision, 'automated', 'my photo', 'closed', 'reversed', 'senior', "
                ":new, :at, :at)"
            ),
            {
                "item": first_item.id,
                "decision": first_item.latest_decision_id or appeal.id,
                "new": appeal.id,
                "at": appealed_at,
            },
        )
    expected["allow"] += 1
    expected["reversals"] = 1
    return expected


def test_audit_verify_names_tampering_and_exits_1(rt: Runtime) -> None:
    _seed_month(rt)
    ok = runner.invoke(app, ["audit", "verify", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout)["ok"] is True
    with rt.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_events SET actor = 'reviewer:nobody' WHERE seq = 7"))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert "seq 7" in bad.output and "hash_mismatch" in bad.output


def test_public_key_checkpoint_export_and_redact(rt: Runtime, tmp_path: Path) -> None:
    _seed_month(rt)
    pem = runner.invoke(app, ["audit", "public-key"])
    assert pem.exit_code == 0 and pem.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    key_file = rt.settings.data_dir / "audit_signing_key.pem"
    assert key_file.stat().st_mode & 0o777 == 0o600
    cp = runner.invoke(app, ["audit", "checkpoint", "--json"])
    assert cp.exit_code == 0, cp.output
    events, cps = tmp_path / "events.jsonl", tmp_path / "cps.jsonl"
    assert (
        runner.invoke(
            app, ["audit", "export", "-o", str(events), "--checkpoints", str(cps)]
        ).exit_code
        == 0
    )
    assert len(events.read_text().splitlines()) == json.loads(cp.stdout)["seq"]
    assert len(cps.read_text().splitlines()) == 1
    red = runner.invoke(app, ["audit", "redact", "--before", "2999-01-01"])
    assert red.exit_code == 0 and "redacted" in red.output
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0


def test_evidence_bundle_round_trip_and_tamper(rt: Runtime, tmp_path: Path) -> None:
    _seed_month(rt)
    bundle, pem = tmp_path / "c-5.zip", tmp_path / "key.pem"
    result = runner.invoke(app, ["evidence", "export", "--content-id", "c-5", "-o", str(bundle)])
    assert result.exit_code == 0, result.output
    pem.write_text(runner.invoke(app, ["audit", "public-key"]).stdout)
    ok = runner.invoke(app, ["evidence", "verify", str(bundle), "--public-key", str(pem), "--json"])
    assert ok.exit_code == 0, ok.output
    report = json.loads(ok.stdout)
    assert report["trusted_key"] is True and report["events"] >= 2
    with zipfile.ZipFile(bundle) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["items"][0]["uploader_id"] == "user-5"
    assert {d["verdict"] for d in manifest["decisions"]} == {"block", "remove"}
    data = bytearray(bundle.read_bytes())
    data[len(data) // 2] ^= 1
    bundle.write_bytes(bytes(data))
    bad = runner.invoke(app, ["evidence", "verify", str(bundle)])
    assert bad.exit_code == 1 and "INVALID" in bad.output


def test_a_month_report_matches_what_was_seeded(rt: Runtime, tmp_path: Path) -> None:
    seeded = _seed_month(rt)
    out = tmp_path / "report.json"
    args = ["report", "--from", "2025-03-01", "--to", "2025-04-01"]
    result = runner.invoke(app, [*args, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["by_action"] == {
        "block": seeded["block"],
        "allow": seeded["allow"],
        "remove": seeded["remove"],
    }
    assert report["restrictions"] == seeded["block"] + seeded["remove"]
    assert report["by_category"] == {"ncii_known_match": seeded["block"] + seeded["remove"]}
    assert report["by_source"] == {"automated": seeded["block"] + seeded["remove"]}
    # Even days upload to "dm", odd to "feed"; removals on days 0, 10, 20 (dm) and 5, 15, 25.
    assert report["by_surface"] == {"dm": 15 + 3, "feed": 15 + 3}
    assert report["by_jurisdiction"] == {"DE": seeded["block"] + seeded["remove"]}
    assert report["time_to_action_s"] == {"p50": 3600.0, "p90": 10800.0, "p99": 10800.0}
    assert report["hash_matches"] == seeded["block"] + seeded["remove"]
    assert report["retro_hunt_hits"] == seeded["retro"]
    assert report["appeals"] == 1 and report["reversals"] == seeded["reversals"]
    # Day 2's block was at 09:00 on 3 March; the appeal on 11 March 00:00 reversed it.
    assert (
        report["reversal_time_s"]["p50"] == (timedelta(days=8) - timedelta(hours=9)).total_seconds()
    )
    assert report["requests"]["note"] == "no requests"
    for fmt, magic in (("html", b"<!doctype html>"), ("pdf", b"%PDF"), ("csv", b"section,key")):
        path = tmp_path / f"report.{fmt}"
        assert runner.invoke(app, [*args, "--format", fmt, "-o", str(path)]).exit_code == 0
        assert path.read_bytes().startswith(magic)
    assert b"<svg" in (tmp_path / "report.html").read_bytes()


def test_statements_of_reasons_for_every_restriction(rt: Runtime, tmp_path: Path) -> None:
    seeded = _seed_month(rt)
    out = tmp_path / "sor.jsonl"
    result = runner.invoke(
        app, ["report", "sor", "--from", "2025-03-01", "--to", "2025-04-01", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    statements = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(statements) == seeded["block"] + seeded["remove"]
    for s in statements:
        jsonschema.validate(s, schema())
        assert "user-" not in json.dumps(s)
    assert len({s["puid"] for s in statements}) == len(statements)
    # --format csv writes CSV (it used to write JSON Lines whatever the format said).
    csv_out = tmp_path / "sor.csv"
    args = ["report", "sor", "--from", "2025-03-01", "--to", "2025-04-01", "--format", "csv"]
    result = runner.invoke(app, [*args, "-o", str(csv_out)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(csv_out.open(newline="")))
    assert len(rows) == len(statements)
    assert {r["puid"] for r in rows} == {s["puid"] for s in statements}
    assert rows[0]["category"].startswith("STATEMENT_CATEGORY_")
