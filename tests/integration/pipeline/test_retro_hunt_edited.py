"""Retro-hunts find earlier uploads that were *edited* copies: each stored item keeps its
normalised views (flips, borders removed, collage tiles...), and a new entry's plain hash is
hunted against them too. A distinct photo stored alongside is not hit."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from shieldwall.config import load_settings
from shieldwall.pipeline.retro_hunt import SeenIndex
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


def _letterboxed_mirror(photo: Image.Image) -> Image.Image:
    """Mirrored, then put on a black square canvas (a repost to a square feed)."""
    mirrored = ImageOps.mirror(photo)
    side = max(photo.size)
    canvas = Image.new("RGB", (side, side), (0, 0, 0))
    canvas.paste(mirrored, ((side - photo.width) // 2, (side - photo.height) // 2))
    return canvas


def test_hunt_finds_mirrored_and_letterboxed_uploads_seen_before(
    rt: Runtime, photo: Image.Image, plain_entry: NewEntry, photo_paths: list[Path]
) -> None:
    scan = rt.scanner.scan
    mirrored = scan(ScanMeta(content_id="mirror", surface="post"), _png(ImageOps.mirror(photo)))
    boxed = scan(ScanMeta(content_id="boxed", surface="post"), _png(_letterboxed_mirror(photo)))
    other = Image.open(next(p for p in photo_paths if "bee" in p.name)).convert("RGB")
    other.thumbnail((640, 640))
    unrelated = scan(ScanMeta(content_id="bee", surface="post"), _png(other))
    assert {mirrored.decision.verdict, boxed.decision.verdict} == {"allow"}
    assert any(name == "flip_horizontal" for name, _ in mirrored.item.pdq_views)

    rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    (entry_id,) = rt.banks.add_entries(bank="victims", entries=[plain_entry]).ids
    rt.matcher.refresh()
    report = rt.retro_hunter.hunt([entry_id])

    by_item = {h.item_id: h for h in report.hits}
    assert set(by_item) == {mirrored.item.id, boxed.item.id}
    assert unrelated.item.id not in by_item
    assert by_item[mirrored.item.id].view == "flip_horizontal"
    boxed_view = by_item[boxed.item.id].view or ""
    assert boxed_view.startswith(("border_removed", "frame_removed"))
    assert boxed_view.endswith("+flip_horizontal")
    assert len(report.decisions) == 2
    for decision in report.decisions:
        assert decision.verdict != "allow"
        assert any("of the stored upload" in r for r in decision.reasons)

    # A fresh index (another process, a restart) reads the views back from the store.
    fresh = SeenIndex(rt.items)
    fresh.refresh()
    (row,) = fresh.search_views([plain_entry.value], 31)
    assert {item for item, _, _ in row} == {mirrored.item.id, boxed.item.id}
    again = rt.retro_hunter.hunt([entry_id])
    assert (again.items_hit, again.decisions) == (2, ())
    assert all(h.view for h in again.hits)
