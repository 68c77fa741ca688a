"""``/v1/scan`` of pictures too small or too thin for some robust regions: a decision, no 500.

With bank-side windows in the index, the query hashes ~50 regions of each upload; for a 1x1
pixel or a 4000x2 banner some of them round to no pixels. That used to raise inside the
scan (500, nothing stored); now those regions are skipped and the upload is decided.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.integration.api.conftest import Api


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 30)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(("width", "height"), [(1, 1), (4000, 2), (8, 4000)])
def test_scan_of_a_degenerate_shape_is_decided(api: Api, width: int, height: int) -> None:
    # An entry with a window turns the query-side window grid on.
    assert api.client.post("/v1/banks", json={"name": "win"}, headers=api.admin).status_code == 201
    entry = {
        "signal_type": "pdq",
        "value": "f" * 64,
        "variants": [{"name": "crop(center,80%)", "pdq": "e" * 64}],
    }
    added = api.client.post(
        "/v1/banks/win/entries", json={"entries": [entry], "retro_hunt": False}, headers=api.admin
    )
    assert added.status_code == 201, added.text
    content_id = f"shape-{width}x{height}"
    response = api.client.post(
        "/v1/scan",
        files={"file": ("a.png", _png(width, height), "image/png")},
        data={"content_id": content_id},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    assert response.json()["verdict"] == "allow"
    stored = api.client.get(f"/v1/items/{content_id}", headers=api.admin)
    assert stored.status_code == 200
    assert (stored.json()["width"], stored.json()["height"]) == (width, height)
