"""The victim's pages carry no other service's name as their brand ("Take It Down" is
NCMEC's) and no staff sign-in; staff still reach sign-in through /review."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_support import Site


def test_victim_pages_have_no_borrowed_brand_and_no_staff_sign_in(site: Site) -> None:
    client = TestClient(site.client.app, follow_redirects=False)
    for path in ("/", "/report", "/status"):
        page = client.get(path)
        assert page.status_code == 200
        brand = page.text.split('class="brand">', 1)[1].split("<", 1)[0]
        assert "take it down" not in brand.lower()
        assert 'href="/login"' not in page.text, path
    assert client.get("/review").headers["location"].startswith("/login")
