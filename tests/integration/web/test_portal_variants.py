"""The portal's region hashes ("bank-side variants") in-process: the page carries the window
list, well-formed region hashes are kept with the request and reach the bank entry on
approval, and a malformed list is a form error that keeps nothing at all."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web_support import Site, csrf_of, portal_fields

from shieldwall.hashing import hash_image_file
from shieldwall.hashing.decode import decode_image
from shieldwall.hashing.robust import BANK_WINDOWS, MAX_BANK_VARIANTS, bank_variants
from shieldwall.store import session_factory
from shieldwall.store.cases import CaseInfo, CaseStore
from shieldwall.types import EntryId, HashKind
from shieldwall.web.portal_form import MESSAGES, check_request

VALID = {
    "jurisdiction": "GB",
    "declare_intimate": "on",
    "declare_nonconsensual": "on",
    "relationship": "self",
    "good_faith": "on",
    "signature": "Alex Example",
    "email": "alex@example.org",
}
_WINDOWS_JSON = re.compile(r'<script type="application/json" id="bank-windows">([^<]*)</script>')


def _file(path: Path) -> dict[str, Any]:
    h = hash_image_file(path)
    variants = bank_variants(decode_image(path.read_bytes(), exact=True))
    return {
        "pdq": h.pdq,
        "quality": h.quality,
        "md5": h.md5,
        "sha256": h.sha256,
        "variants": [{"name": v.name, "pdq": v.pdq, "quality": v.quality} for v in variants],
    }


def _submit(client: TestClient, fields: dict[str, str]) -> tuple[int, str]:
    page = client.get("/report")
    response = client.post("/report", data={**portal_fields(page.text), **fields})
    return response.status_code, response.text


def _cases(site: Site) -> list[CaseInfo]:
    return CaseStore(session_factory(site.runtime.engine)).list_cases(
        statuses=["incomplete", "under_review", "actioned", "withdrawn", "closed"]
    )


def test_the_page_carries_the_window_list_as_data(site: Site) -> None:
    html = site.client.get("/report").text
    found = _WINDOWS_JSON.search(html)
    assert found, "report page has no bank-windows JSON"
    windows = json.loads(found.group(1).replace("&#34;", '"'))
    assert [(w["name"], w["left"], w["top"], w["right"], w["bottom"]) for w in windows] == [
        (w.name, w.left, w.top, w.right, w.bottom) for w in BANK_WINDOWS[:MAX_BANK_VARIANTS]
    ]


def test_region_hashes_are_kept_and_reach_the_bank_entry_on_approval(
    site: Site, photo_paths: list[Path]
) -> None:
    sent = _file(photo_paths[4])
    assert sent["variants"], "the test photo should have region hashes of good quality"
    client = TestClient(site.client.app, follow_redirects=False)
    status, html = _submit(client, {**VALID, "hashes": json.dumps([sent])})
    assert status == 201, html
    number = re.search(r'id="case-number">([^<]+)<', html)
    assert number
    (case,) = [c for c in _cases(site) if c.case_number == number.group(1)]
    expected = tuple((v["name"], v["pdq"]) for v in sent["variants"])
    by_kind = {h.signal_type: h for h in case.hashes}
    assert by_kind["pdq"].variants == expected
    assert by_kind["md5"].variants == () and by_kind["sha256"].variants == ()

    mod = site.client_for("moderator")
    page = mod.get("/review/cases")
    mod.post(
        f"/review/cases/{case.id}", data={"csrf_token": csrf_of(page.text), "decision": "approve"}
    )
    (case,) = [c for c in _cases(site) if c.case_number == number.group(1)]
    (pdq,) = [h for h in case.hashes if h.signal_type == HashKind.PDQ.value]
    assert pdq.status == "approved" and pdq.entry_id is not None
    stored = site.runtime.banks.variants_for(entry_ids=[pdq.entry_id])
    assert [(name, value) for _, name, value in stored[EntryId(pdq.entry_id)]] == list(expected)


def _bad_variants(good: list[dict[str, Any]]) -> dict[str, Any]:
    one = good[0]
    return {
        "unknown window": [{**one, "name": "crop(center,55%)"}],
        "not hex": [{**one, "pdq": "z" * 64}],
        "short hash": [{**one, "pdq": one["pdq"][:60]}],
        "name twice": [one, one],
        "too many": [one] * (MAX_BANK_VARIANTS + 1),
        "not a list": {"name": one["name"], "pdq": one["pdq"]},
        "not an object": ["crop"],
        "bad quality": [{**one, "quality": 101}],
    }


@pytest.mark.parametrize(
    "case",
    [
        "unknown window",
        "not hex",
        "short hash",
        "name twice",
        "too many",
        "not a list",
        "not an object",
        "bad quality",
    ],
)
def test_malformed_region_hashes_are_a_form_error_and_nothing_is_kept(
    site: Site, photo_paths: list[Path], case: str
) -> None:
    good = _file(photo_paths[4])
    second = _file(photo_paths[5])
    files = [second, {**good, "variants": _bad_variants(good["variants"])[case]}]
    before = len(_cases(site))
    status, html = _submit(
        TestClient(site.client.app, follow_redirects=False),
        {**VALID, "hashes": json.dumps(files), "locations": "https://example.test/p/1"},
    )
    assert status == 422
    assert 'id="err-variants"' in html and "parts of your photos" in html
    assert "Some things are missing" in html
    # Nothing kept, not even the well-formed first file or the link; the page asks again.
    assert len(_cases(site)) == before
    assert 'name="hashes" id="hashes" value=""' in html
    assert "https://example.test/p/1" in html  # what was typed is not lost


def test_region_hashes_on_a_file_without_a_pdq_are_refused() -> None:
    video = {"md5": "0" * 32, "sha256": "1" * 64, "pdq": None}
    bad = {**video, "variants": [{"name": BANK_WINDOWS[0].name, "pdq": "a" * 64}]}
    _, missing = check_request({**VALID, "hashes": json.dumps([bad])})
    assert missing == ["variants"]
    req, missing = check_request({**VALID, "hashes": json.dumps([{**video, "variants": []}])})
    assert missing == [] and req.files[0].variants == ()
    assert "variants" in MESSAGES


def test_a_file_without_region_hashes_is_still_accepted(
    site: Site, photo_paths: list[Path]
) -> None:
    plain = {k: v for k, v in _file(photo_paths[6]).items() if k != "variants"}
    status, html = _submit(
        TestClient(site.client.app, follow_redirects=False),
        {**VALID, "hashes": json.dumps([plain])},
    )
    assert status == 201, html
