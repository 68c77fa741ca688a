"""``shieldwall policy``: validation that points at the line, activation, and shadow replay."""

from __future__ import annotations

import json
from pathlib import Path

from shieldwall.config import load_settings
from shieldwall.pipeline.matcher import Query
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.policy import default_policy_text
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, HashKind, NewEntry
from tests.e2e.cli.test_cli_e2e import lines, run

PDQ = "f8110d4425fa063b8c759efa81036da9985387cd0ce663e5f31e6de28a9837cf"


def _flip(hex_hash: str, bits: int) -> str:
    return f"{int(hex_hash, 16) ^ ((1 << bits) - 1):064x}"


def test_a_broken_policy_names_the_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = default_policy_text().replace("max_distance: 20", "max_distance: 999")
    bad.write_text(text)
    line = text.splitlines().index("        max_distance: 999") + 1
    result = run(tmp_path / "d", "policy", "test", str(bad))
    assert result.returncode == 3
    assert f"bad.yaml:{line}:" in result.stderr and "max_distance" in result.stderr


def test_replay_shows_what_a_stricter_policy_would_change_without_acting(tmp_path: Path) -> None:
    data = tmp_path / "d"
    rt = Runtime.open(load_settings(data_dir=data))
    rt.banks.create_bank(
        name="v", purpose=BankPurpose.VICTIM, threshold=31, description="", enabled=True
    )
    rt.banks.add_entries(bank="v", entries=[NewEntry(HashKind.PDQ, PDQ)])
    for i, distance in enumerate([3, 15, 25]):
        rt.scanner.lookup(ScanMeta(content_id=f"c{i}"), Query(pdq=_flip(PDQ, distance), quality=90))
    outbox_before = rt.outbox.counts()
    rt.close()

    stricter = tmp_path / "strict.yaml"
    stricter.write_text(
        default_policy_text()
        .replace("max_distance: 20", "max_distance: 10")
        .replace("min_distance: 21", "min_distance: 11")
        .replace('version: "2026.1"', 'version: "2026.2"')
    )
    assert run(data, "policy", "test", str(stricter)).returncode == 0
    out = lines(run(data, "policy", "replay", str(stricter), "--json"))
    summary = out[-1]
    assert summary["replayed"] == 3 and summary["changed"] == 1
    assert summary["transitions"] == {"remove->review": 1}
    assert out[0]["content_id"] == "c1"

    rt = Runtime.open(load_settings(data_dir=data))
    assert rt.outbox.counts() == outbox_before  # replay acted on nothing
    rt.close()

    assert run(data, "policy", "activate", str(stricter)).returncode == 0
    shown = json.loads(run(data, "policy", "show", "--json").stdout)
    assert shown["version"] == "2026.2"
