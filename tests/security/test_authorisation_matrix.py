"""The authorisation matrix: every route x every kind of caller x with and without CSRF.

The rules are read from the access table in docs/security.md; the routes are read from the
running site (its OpenAPI document and its page routes). A route without a row fails, so a new
endpoint cannot ship without someone deciding who may call it. Then every route is called as
every caller, and the answer must be the one the table promises: refused callers get 401/403
(or the sign-in redirect for pages) and never reach the handler; admitted callers are never
refused and never get a 5xx.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from shieldwall.web.security import SESSION_COOKIE
from tests.security.support import KEY_SCOPES, ROLES, Site, csrf_in

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "security.md"
_ROW = re.compile(r"^\| `(GET|POST|PUT|PATCH|DELETE) (/[^`]*)` \| ([^|]+) \| ([^|]+) \|$")
_PARAM = re.compile(r"\{([a-z_]+)\}")
_PARAM_VALUES = {"name": "matrix", "content_id": "matrix", "decision_id": "matrix", "path": "x"}
_EVIL_ORIGIN = "https://attacker.example"
REQUESTS = {"count": 0}
REVEALED = "; after a reveal"


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    who: str
    csrf: str


def documented_rules() -> dict[tuple[str, str], Rule]:
    rules: dict[tuple[str, str], Rule] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        found = _ROW.match(line.strip())
        if found:
            method, path, who, csrf = (g.strip() for g in found.groups())
            assert (method, path) not in rules, f"two rows for {method} {path}"
            rules[(method, path)] = Rule(method, path, who, csrf)
    return rules


def _route_list(routes: list[object]) -> Iterator[object]:
    try:  # FastAPI >= 0.130 keeps included routers as nodes; older versions flatten them
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - depends on the FastAPI version
        yield from routes
        return
    for context in iter_route_contexts(routes):  # type: ignore[arg-type]
        yield context.route


def served_routes(site: Site) -> set[tuple[str, str]]:
    """What the running site answers: the OpenAPI document plus the pages and mounts."""
    app = site.client.app
    found: set[tuple[str, str]] = set()
    for path, operations in app.openapi()["paths"].items():  # type: ignore[attr-defined]
        found |= {(method.upper(), path) for method in operations}
    for route in _route_list(list(app.routes)):  # type: ignore[attr-defined]
        if isinstance(route, Mount):
            found.add(("GET", f"{route.path}/{{path}}"))
        elif isinstance(route, APIRoute | Route):
            found |= {(m, route.path) for m in route.methods or () if m != "HEAD"}
    return found


def test_every_served_route_has_exactly_one_documented_rule(site: Site) -> None:
    rules = documented_rules()
    served = served_routes(site)
    undocumented = sorted(served - set(rules))
    stale = sorted(set(rules) - served)
    assert not undocumented, f"routes without a rule in docs/security.md: {undocumented}"
    assert not stale, f"rules in docs/security.md for routes the site does not serve: {stale}"


CALLERS = (
    "anonymous",
    "wrong-key",
    *(f"key:{s}" for s in KEY_SCOPES),
    *(f"role:{r}" for r in ROLES),
)


def _url(rule: Rule) -> str:
    path = _PARAM.sub(lambda m: _PARAM_VALUES.get(m.group(1), "1"), rule.path)
    return path + ("?content_id=matrix" if rule.path == "/v1/audit/evidence" else "")


def _call(site: Site, rule: Rule, caller: str, with_csrf: bool) -> tuple[int, dict[str, str], str]:
    """One request as ``caller``; returns (status, headers, body text)."""
    client = site.fresh_client()
    headers: dict[str, str] = {}
    token = None
    if caller == "wrong-key":
        headers["Authorization"] = "Bearer sw_000000000000_not-a-real-key"
    elif caller.startswith("key:"):
        headers |= site.bearer(caller.removeprefix("key:"))
    elif caller.startswith("role:") and rule.csrf != "login":
        # (Signing in is tried as a fresh visitor: the caller's role is the account used.)
        cookie, token = site.session_of(caller.removeprefix("role:"))
        client.cookies.set(SESSION_COOKIE, cookie)
    if not caller.startswith("role:"):
        # Cross-site riding: the admin's browser session is present but must not count
        # for API calls, and a key holder's request to a page is an anonymous visit.
        cookie, _ = site.session_of("admin") if rule.path.startswith("/v1/") else (None, None)
        if cookie:
            client.cookies.set(SESSION_COOKIE, cookie)
            headers["Origin"] = _EVIL_ORIGIN
    data: dict[str, str] = {}
    if with_csrf:
        if rule.csrf in ("portal", "login"):
            page = client.get("/report" if rule.csrf == "portal" else "/login")
            token = csrf_in(page.text)
        if token:
            data["csrf_token"] = token
            headers["X-CSRF-Token"] = token
    elif rule.csrf == "login":
        # Sign-in with the right password: only the missing token may refuse it.
        data |= {"username": "moderator", "password": "correct horse battery staple"}
    if with_csrf and rule.csrf == "login":
        data |= {"username": "moderator", "password": "correct horse battery staple"}
    url = _url(rule)
    REQUESTS["count"] += 1
    if rule.method == "GET":
        response = client.get(url, headers=headers)
    elif url.startswith("/v1/") and rule.method in ("POST", "PATCH"):
        response = client.request(rule.method, url, headers=headers, json={})
    else:
        response = client.request(rule.method, url, headers=headers, data=data)
    if rule.path == "/logout":
        site.forget_session(caller.removeprefix("role:"))
        site.forget_session("admin")
    return response.status_code, dict(response.headers), response.text


def _admitted(rule: Rule, caller: str) -> bool:
    if rule.who == "public":
        return True
    if rule.who.startswith("key:"):
        scope = rule.who.removeprefix("key:")
        held = caller.removeprefix("key:") if caller.startswith("key:") else None
        return held is not None and held in (scope, "admin")
    if rule.who == "signed-in":
        return caller.startswith("role:")
    roles = rule.who.removeprefix("role:").removesuffix(REVEALED).split()
    return caller.startswith("role:") and caller.removeprefix("role:") in roles


def _check(
    rule: Rule, caller: str, with_csrf: bool, status: int, headers: dict[str, str], body: str
) -> str | None:
    """None when the answer keeps the rule, else what went wrong."""
    if rule.who == "not-served":
        return None if status == 404 else f"expected 404 (not served), got {status}"
    if status >= 500 or "Traceback" in body:
        return f"server error {status}"
    api = rule.who.startswith("key:")
    if not _admitted(rule, caller):
        if api:
            expected = 403 if caller.startswith("key:") else 401
            if status != expected or "application/problem+json" not in headers.get(
                "content-type", ""
            ):
                return f"expected {expected} problem+json, got {status}"
            return None
        if caller.startswith("role:"):
            return None if status == 403 else f"expected the 403 page, got {status}"
        location = headers.get("location", "")
        if status == 303 and location.startswith("/login"):
            return None
        return f"expected the sign-in redirect, got {status} {location}"
    # Admitted: never refused for who they are.
    if rule.who.endswith(REVEALED) and status == 403 and "Reveal the image first" in body:
        return None  # the clear image follows only the same person's recorded reveal
    if status in (401, 403) and (with_csrf or rule.csrf == "-"):
        return f"admitted caller refused with {status}"
    if status == 303 and headers.get("location", "").startswith("/login?"):
        return "admitted caller sent to sign in"
    if rule.csrf != "-" and not with_csrf:
        if rule.csrf == "login":
            if SESSION_COOKIE in headers.get("set-cookie", "") or status < 400:
                return f"sign-in without its CSRF token succeeded ({status})"
            return None
        if status != 403:
            return f"POST without its CSRF token answered {status}, not 403"
    return None


@pytest.mark.parametrize("caller", CALLERS)
def test_every_route_answers_each_caller_as_documented(site: Site, caller: str) -> None:
    failures = []
    for rule in documented_rules().values():
        for with_csrf in (False, True):
            status, headers, body = _call(site, rule, caller, with_csrf)
            problem = _check(rule, caller, with_csrf, status, headers, body)
            if problem:
                csrf = "with" if with_csrf else "without"
                failures.append(f"{rule.method} {rule.path} as {caller} {csrf} CSRF: {problem}")
    assert not failures, "\n".join(failures)


def test_zz_report_the_number_of_requests(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    """The figure the security note quotes (runs last in this module, per backend)."""
    with capsys.disabled():
        print(f"\nauthorisation matrix: {REQUESTS['count']} requests so far")
    assert REQUESTS["count"] >= len(documented_rules()) * len(CALLERS) * 2
