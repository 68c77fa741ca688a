"""Who may open what: anonymous visitors go to sign-in, each role is refused (403 page) what
it must not see, every staff POST needs the session's CSRF token, and guessing is throttled."""

from __future__ import annotations

import pytest
from web_support import PASSWORD, Site, csrf_of, login

from shieldwall.store.users import MAX_FAILURES
from shieldwall.web.security import CSP

PAGES = {
    "/review": {"admin", "senior_moderator", "moderator"},
    "/review/cases": {"admin", "senior_moderator", "moderator"},
    "/review/approvals": {"admin", "senior_moderator", "moderator"},
    "/review/settings": {"admin", "senior_moderator", "moderator"},
    "/review/appeals": {"admin", "senior_moderator"},
    "/audit": {"admin", "auditor"},
    "/admin/users": {"admin"},
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(site: Site, path: str) -> None:
    response = site.client_for(None).get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next={path}"


@pytest.mark.parametrize("role", ["admin", "senior_moderator", "moderator", "auditor"])
def test_each_role_sees_exactly_its_pages(site: Site, role: str) -> None:
    client = site.client_for(role)
    for path, allowed in PAGES.items():
        response = client.get(path)
        if role in allowed:
            assert response.status_code == 200, (role, path)
        else:
            assert response.status_code == 403, (role, path)
            assert "You cannot open this page" in response.text


def test_auditor_cannot_reveal_or_decide(site: Site) -> None:
    client = site.client_for("auditor")
    assert client.post("/review/items/1/reveal", data={"csrf_token": "x"}).status_code == 403
    assert client.post("/review/items/1/decide", data={"verdict": "allow"}).status_code == 403


def test_staff_posts_without_the_csrf_token_are_refused(site: Site) -> None:
    client = site.client_for("moderator")
    page = client.get("/review/settings")
    bad = client.post("/review/settings", data={"blur_strength": "5", "csrf_token": "forged"})
    assert bad.status_code == 403
    before = site.users.get_user("moderator").blur_strength
    assert before != 5
    good = client.post(
        "/review/settings", data={"blur_strength": "5", "csrf_token": csrf_of(page.text)}
    )
    assert good.status_code == 303
    assert site.users.get_user("moderator").blur_strength == 5


def test_a_session_cookie_is_httponly_and_samesite(site: Site) -> None:
    client = site.client_for(None)
    response = login(client, "moderator", PASSWORD)
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in the test; https sets Secure


def test_sign_out_ends_the_session(site: Site) -> None:
    client = site.client_for("moderator")
    page = client.get("/review")
    assert client.post("/logout", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert client.get("/review").status_code == 303


def test_five_failures_lock_the_account_even_for_the_right_password(site: Site) -> None:
    client = site.client_for(None)
    for _ in range(MAX_FAILURES):
        wrong = login(client, "locked", "nope")
        assert wrong.status_code == 401
    locked = login(client, "locked", PASSWORD)
    assert locked.status_code == 401
    assert "Too many failed attempts" in locked.text
    # Another account from the same address is not locked by this one's failures.
    other = login(client, "admin", PASSWORD)
    assert other.status_code == 303


def test_next_never_redirects_off_site(site: Site) -> None:
    client = site.client_for(None)
    response = login(client, "moderator", PASSWORD, next="//evil.test/x")
    assert response.headers["location"] == "/review"


def test_every_page_has_a_self_only_content_security_policy(site: Site) -> None:
    for path in ("/", "/report", "/status", "/login", "/review"):
        response = site.client_for(None).get(path)
        assert response.headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in CSP and "http" not in CSP
