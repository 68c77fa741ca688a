"""Retro-hunts search a new entry's bank-side variants too: a cropped copy seen before the
victim came forward is found, the hit names the variant, and a second hunt decides nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from shieldwall.config import load_settings
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, NewEntry


@pytest.fixture
def rt(database_url: str, tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.open(
        load_settings(data_dir=tmp_path / "d", database_url=database_url), migrate=True
    )
    yield runtime
    runtime.close()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_hunt_finds_a_seen_cropped_copy_through_the_variants(
    rt: Runtime, cropped: Image.Image, plain_entry: NewEntry, entry_with_variants: NewEntry
) -> None:
    seen = rt.scanner.scan(ScanMeta(content_id="old-post", surface="post"), _png(cropped))
    assert seen.decision.verdict == "allow"
    rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)

    # The plain hash alone does not reach the cropped copy.
    (entry_id,) = rt.banks.add_entries(bank="victims", entries=[plain_entry]).ids
    rt.matcher.refresh()
    assert rt.retro_hunter.hunt([entry_id]).items_hit == 0

    rt.banks.add_entries(bank="victims", entries=[entry_with_variants])
    rt.matcher.refresh()
    report = rt.retro_hunter.hunt([entry_id])
    assert report.items_hit == 1
    (hit,) = report.hits
    assert hit.entry_id == entry_id
    assert hit.variant in {name for name, _ in entry_with_variants.variants}
    (decision,) = report.decisions
    assert decision.verdict != "allow"
    assert decision.source == "retro_hunt"
    assert any(f"submitter's hash of {hit.variant}" in r for r in decision.reasons)

    # The same hunt again (a retry) finds the item but decides nothing new.
    again = rt.retro_hunter.hunt([entry_id])
    assert (again.items_hit, again.decisions) == (1, ())
