"""``shieldwall bank add`` and ``bank import`` hunt everything already seen, as the API does.

The README promises that every new bank entry is hunted across the items the platform
has already seen. Before ``pipeline.banking.add_to_bank`` the CLI only wrote to the store,
so a victim's hash added from the command line never reached the copy uploaded last week.
These tests remember an item, add its hash through the real ``shieldwall`` command, and
check the item got a ``retro_hunt`` decision with the platform's webhook owed for it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from shieldwall.config import load_settings
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.runtime import Runtime
from tests.e2e.cli.test_cli_e2e import lines, run


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("SHIELDWALL_DATABASE_URL", raising=False)
    state = tmp_path / "state"  # the embedded default migrates it on the first command
    created = run(state, "bank", "create", "victims", "--purpose", "victim")
    assert created.returncode == 0, created.stderr
    return state


@pytest.fixture
def runtime(data_dir: Path) -> Iterator[Runtime]:
    """The same embedded database the CLI uses, opened in this process to remember uploads
    (the CLI has no upload command; the API's scan stores items exactly like this)."""
    rt = Runtime.open(load_settings(data_dir=data_dir), migrate=False)
    yield rt
    rt.close()


def _png(path: Path) -> bytes:
    out = io.BytesIO()
    Image.open(path).convert("RGB").save(out, "PNG")
    return out.getvalue()


def _remember(rt: Runtime, content_id: str, data: bytes) -> int:
    outcome = rt.scanner.scan(ScanMeta(content_id=content_id, surface="post"), data)
    assert outcome.decision.verdict == "allow"  # nothing banked yet
    return outcome.item.id


def _latest(rt: Runtime, content_id: str) -> tuple[str, str, str]:
    item = rt.items.get_item(content_id)
    assert item.latest_decision_id is not None
    d = rt.items.get_decision(item.latest_decision_id)
    return d.id, d.source, d.verdict


def test_bank_add_hunts_the_copy_seen_before_the_victim_came_forward(
    data_dir: Path, runtime: Runtime, photo_paths: list[Path]
) -> None:
    photo = photo_paths[0]
    _remember(runtime, "seen-last-week", _png(photo))
    _remember(runtime, "someone-else", _png(photo_paths[5]))

    added = run(data_dir, "bank", "add", "victims", str(photo), "--json")
    assert added.returncode == 0, added.stderr
    (summary,) = lines(added)
    assert summary["added"] == 3
    hunt = summary["retro_hunt"]
    assert hunt["items_hit"] == 1 and len(hunt["decisions"]) == 1

    decision_id, source, verdict = _latest(runtime, "seen-last-week")
    assert (decision_id, source) == (hunt["decisions"][0], "retro_hunt")
    assert verdict != "allow"
    # The platform is told: the decision's webhook is in the outbox, owed.
    assert any(r.kind == "webhook" for r in runtime.outbox.for_decision(decision_id))
    # An unrelated photo is left alone.
    assert _latest(runtime, "someone-else")[1] != "retro_hunt"

    # Adding the same photo again (a script re-run) decides nothing new: no second webhook
    # for the same copy.
    again = run(data_dir, "bank", "add", "victims", str(photo), "--json")
    (repeat,) = lines(again)
    assert (repeat["added"], repeat["retro_hunt"]) == (0, None)
    assert _latest(runtime, "seen-last-week")[0] == decision_id


def test_bank_import_hunts_every_chunk_it_adds(
    tmp_path: Path, data_dir: Path, runtime: Runtime, photo_paths: list[Path]
) -> None:
    first, second = photo_paths[1].read_bytes(), photo_paths[2].read_bytes()
    _remember(runtime, "exact-copy", first)
    _remember(runtime, "not-listed", second)
    listing = tmp_path / "partner.csv"
    listing.write_text(
        "signal_type,value,category\n"
        f"sha256,{hashlib.sha256(first).hexdigest()},ncii\n"
        "md5,not-a-hash,ncii\n"
    )

    result = run(data_dir, "bank", "import", "victims", str(listing), "--json")
    assert result.returncode == 3  # one bad line, reported; the rest imported
    summary = lines(result)[-1]
    assert (summary["added"], summary["errors"]) == (1, 1)
    assert summary["retro_hunt"]["items_hit"] == 1
    assert _latest(runtime, "exact-copy")[1] == "retro_hunt"
    assert _latest(runtime, "not-listed")[1] != "retro_hunt"

    # The same list imported again is idempotent all the way: nothing hunted, nothing decided.
    again = lines(run(data_dir, "bank", "import", "victims", str(listing), "--json"))[-1]
    assert (again["added"], again["retro_hunt"]) == (0, None)


def test_withdraw_by_id_through_another_bank_is_refused_and_the_entry_keeps_matching(
    data_dir: Path, runtime: Runtime, photo_paths: list[Path]
) -> None:
    """An operator scripted for one bank cannot take a victim's hash out of another bank by
    guessing its id: the entry must belong to the bank named."""
    assert run(data_dir, "bank", "create", "scratch").returncode == 0
    (victim,) = lines(run(data_dir, "bank", "add", "victims", "--md5", "0" * 31 + "1", "--json"))
    entry_id = victim["entry_ids"][0]

    refused = run(data_dir, "bank", "withdraw", "scratch", "--entry-id", str(entry_id))
    assert refused.returncode == 4
    assert "entry_not_found" in refused.stderr
    assert runtime.banks.get_entry(entry_id=entry_id).matching

    done = run(data_dir, "bank", "withdraw", "victims", "--entry-id", str(entry_id), "--json")
    assert done.returncode == 0, done.stderr
    assert lines(done) == [{"bank": "victims", "entry_id": entry_id, "status": "withdrawn"}]
    assert not runtime.banks.get_entry(entry_id=entry_id).matching
