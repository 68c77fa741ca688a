"""Hostile text in every text field, and deeply nested JSON, on SQLite and PostgreSQL.

A NUL byte that PostgreSQL refuses deep in a transaction turns a client's mistake into a 500 and
stores nothing: on a platform that fails open, a known image then passes. Every field must
refuse such text at the edge (422 with a stable code) or store it exactly, on both databases.
"""

from __future__ import annotations

import json

import pytest

from tests.security.hostile import HOSTILE_STRINGS, base_image, deep_json, deep_object, encode
from tests.security.support import Site, csrf_in

PNG = encode(base_image(), "PNG")
_SCAN_FIELDS = ("content_id", "uploader_id", "text", "url")
_REFUSED = {"nul", "only-nul"}
"""Values every field must refuse: PostgreSQL cannot store NUL in text."""


def _problem(status: int, content_type: str, body: str) -> str | None:
    if status >= 500:
        return f"answered {status}: {body[:200]}"
    if "Traceback" in body:
        return "traceback in the body"
    problem_json = "application/problem+json" in content_type
    if status >= 400 and problem_json and not json.loads(body).get("code"):
        return f"{status} without a code"
    return None


def _strings() -> list[tuple[str, str]]:
    return sorted(HOSTILE_STRINGS.items())


@pytest.mark.parametrize("field", _SCAN_FIELDS)
def test_lookup_refuses_or_keeps_hostile_text(site: Site, field: str) -> None:
    failures = []
    for label, value in _strings():
        body = {"content_id": f"lookup-{field}-{label}", "md5": "0" * 32, field: value}
        if field == "content_id":
            body["content_id"] = value
        r = site.client.post("/v1/lookup", headers=site.bearer("lookup"), json=body)
        problem = _problem(r.status_code, r.headers.get("content-type", ""), r.text)
        if problem is None and label in _REFUSED and r.status_code != 422:
            problem = f"NUL accepted with {r.status_code}"
        if problem:
            failures.append(f"{field}={label}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("field", _SCAN_FIELDS)
def test_scan_refuses_or_keeps_hostile_text(site: Site, field: str) -> None:
    failures = []
    for label, value in _strings():
        data = {"content_id": f"scan-{field}-{label}", field: value}
        r = site.client.post(
            "/v1/scan",
            headers=site.bearer("scan"),
            data=data,
            files={"file": ("x.png", PNG, "image/png")},
        )
        problem = _problem(r.status_code, r.headers.get("content-type", ""), r.text)
        if problem is None and label in _REFUSED and r.status_code != 422:
            problem = f"NUL accepted with {r.status_code}"
        too_long = field == "uploader_id" and len(value) > 255
        if problem is None and too_long and r.status_code != 422:
            problem = f"a {len(value)}-character uploader_id answered {r.status_code}"
        if problem:
            failures.append(f"{field}={label}: {problem}")
    assert not failures, "\n".join(failures)


def test_bank_and_indicator_list_fields_refuse_or_keep_hostile_text(site: Site) -> None:
    writer = site.bearer("banks:write")
    failures = []
    for label, value in _strings():
        for url, body in (
            ("/v1/banks", {"name": value}),
            ("/v1/banks", {"name": f"bank-{label}", "description": value}),
            ("/v1/indicator-lists", {"name": value}),
            (
                "/v1/indicator-lists",
                {"name": f"list-{label}", "source": value, "description": value},
            ),
        ):
            r = site.client.post(url, headers=writer, json=body)
            problem = _problem(r.status_code, r.headers.get("content-type", ""), r.text)
            if problem is None and label in _REFUSED and r.status_code < 400:
                problem = "NUL accepted"
            if problem:
                failures.append(f"{url} name={label}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("depth", [50, 900, 5_000, 100_000])
def test_deep_json_is_refused_clearly(site: Site, depth: int) -> None:
    """Nested JSON to the lookup metadata, the guard and the bank entries: 4xx, never a 500
    (Python's parser raises RecursionError past ~1000 levels)."""
    failures = []
    for url, scope, text in (
        ("/v1/lookup", "lookup", '{"content_id":"deep","metadata":{"x":' + deep_json(depth) + "}}"),
        ("/v1/lookup", "lookup", deep_object(depth)),
        ("/v1/guard/generation", "scan", deep_object(depth)),
        ("/v1/banks/deep/entries", "banks:write", '{"entries":' + deep_json(depth) + "}"),
        ("/v1/indicator-lists/deep/indicators", "banks:write", deep_object(depth)),
    ):
        r = site.client.post(
            url,
            headers={**site.bearer(scope), "Content-Type": "application/json"},
            content=text.encode(),
        )
        problem = _problem(r.status_code, r.headers.get("content-type", ""), r.text)
        if problem:
            failures.append(f"{url} depth {depth}: {problem}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    "body",
    [b'{"content_id":"\xff\xfe"}', b'{"content_id":"a\\ud800"}', b"\xef\xbb\xbf{}", b"\x00"],
)
def test_bodies_that_are_not_valid_utf8_json_are_refused(site: Site, body: bytes) -> None:
    r = site.client.post(
        "/v1/lookup",
        headers={**site.bearer("lookup"), "Content-Type": "application/json"},
        content=body,
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["code"]


def test_portal_refuses_or_keeps_hostile_text(site: Site) -> None:
    """The anonymous victim form: every field with every hostile value, one answer each."""
    fields = ("jurisdiction", "relationship", "signature", "email", "phone", "locations", "notes")
    failures = []
    for label, value in _strings():
        client = site.fresh_client()
        token = csrf_in(client.get("/report").text)
        assert token
        form = {"csrf_token": token, "hashes": "[]"}
        form |= {f: value for f in fields}
        r = client.post("/report", data=form)
        if r.status_code >= 500 or "Traceback" in r.text:
            failures.append(f"/report {label}: {r.status_code}")
        for path in ("/status", "/status/withdraw"):
            r = client.post(
                path,
                data={"csrf_token": token, "case_number": value, "access_code": value},
            )
            if r.status_code >= 500 or "Traceback" in r.text:
                failures.append(f"{path} {label}: {r.status_code}")
    hashes = ("[" * 5000, deep_json(5000), json.dumps([{"md5": "\x00" * 32}]), "\x00")
    for n, value in enumerate(hashes):
        client = site.fresh_client()
        token = csrf_in(client.get("/report").text)
        r = client.post("/report", data={"csrf_token": token or "", "hashes": value})
        if r.status_code >= 500 or "Traceback" in r.text:
            failures.append(f"/report hashes #{n}: {r.status_code}")
    assert not failures, "\n".join(failures)


def test_staff_csrf_tokens_of_any_text_are_refused_not_crashed(site: Site) -> None:
    """A non-ASCII or NUL CSRF token is a forged form: 403, never a 500."""
    cookie, _ = site.session_of("moderator")
    failures = []
    for label, value in _strings():
        client = site.fresh_client()
        client.cookies.set("sw_session", cookie)
        r = client.post("/review/settings", data={"blur_strength": "2", "csrf_token": value})
        if r.status_code != 403:
            failures.append(f"form token {label}: {r.status_code}")
        if any(c in value for c in "\x00\r\n"):
            continue  # not sendable as a header at all
        r = client.post(
            "/review/settings",
            data={"blur_strength": "2"},
            headers={"X-CSRF-Token": value.encode()},  # type: ignore[dict-item]
        )
        if r.status_code != 403:
            failures.append(f"header token {label}: {r.status_code}")
    assert not failures, "\n".join(failures)
