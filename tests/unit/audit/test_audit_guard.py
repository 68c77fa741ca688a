"""The guard keeps media bytes, secrets and blobs out of the trail, and events well formed."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, timezone

import pytest

from shieldwall.audit import (
    MAX_VALUE_BYTES,
    ActorKind,
    AuditDetailRejectedError,
    InvalidAuditEventError,
    build_event,
    check_details,
    is_secret_key,
)
from shieldwall.errors import InputError

AT = datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC)


def _build(**kwargs: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {
        "actor": "reviewer:amira",
        "actor_kind": "human",
        "action": "decision.made",
        "at": AT,
    }
    args.update(kwargs)
    return build_event(None, **args)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "details",
    [
        {"thumbnail": b"\xff\xd8\xff\xe0 jpeg bytes"},
        {"frame": bytearray(b"\x00" * 10)},
        {"frame": memoryview(b"abc")},
        {"evidence": {"files": [{"name": "a.jpg", "data": b"..."}]}},
    ],
)
def test_bytes_anywhere_are_refused(details: dict[str, object]) -> None:
    with pytest.raises(AuditDetailRejectedError, match="bytes") as info:
        _build(details=details)
    assert info.value.code == "audit_detail_rejected"
    assert isinstance(info.value, InputError)


@pytest.mark.parametrize(
    "key",
    [
        "secret",
        "client_secret",
        "Password",
        "new_passwd",
        "API_KEY",
        "apiKey",
        "api-key",
        "access_token",
        "Token",
        "private_key",
        "session_cookie",
        "credentials",
    ],
)
def test_secret_named_keys_are_refused_case_insensitively(key: str) -> None:
    with pytest.raises(AuditDetailRejectedError, match="named like a secret"):
        _build(details={key: "hunter2"})


def test_secret_keys_are_refused_when_nested() -> None:
    with pytest.raises(AuditDetailRejectedError, match=r"webhook\.auth_token"):
        _build(details={"webhook": {"url": "https://x.example", "auth_token": "abc"}})


def test_ordinary_keys_are_not_mistaken_for_secrets() -> None:
    for key in ("outcome", "rule", "bank", "ip", "uploader_id", "key_id", "reason"):
        assert not is_secret_key(key)
    assert is_secret_key("SECRET_thing")


def test_values_over_4_kb_are_refused_and_4_kb_is_allowed() -> None:
    # The canonical form of a string adds two quote characters.
    fits = "a" * (MAX_VALUE_BYTES - 2)
    assert _build(details={"note": fits}).event.details["note"] == fits
    with pytest.raises(AuditDetailRejectedError, match="4096"):
        _build(details={"note": fits + "a"})
    # Size is counted in UTF-8 bytes, not characters.
    with pytest.raises(AuditDetailRejectedError):
        _build(details={"note": "é" * 2100})
    # A blob cannot sneak in as a list of small pieces either, nor spread over many keys.
    with pytest.raises(AuditDetailRejectedError):
        _build(details={"chunks": ["x" * 100] * 50})
    with pytest.raises(AuditDetailRejectedError, match="65536"):
        _build(details={f"part{i}": "x" * 4000 for i in range(17)})


@pytest.mark.parametrize(
    ("details", "fragment"),
    [
        ({"score": float("nan")}, "finite"),
        ({"score": float("inf")}, "finite"),
        ({"count": 2**60}, "2\\*\\*53"),
        ({"when": datetime(2025, 1, 1, tzinfo=UTC)}, "datetime"),
        ({"tags": {"a", "b"}}, "set"),
        ({"bad key": 1}, "key"),
        ({"": 1}, "key"),
        ({"ключ": 1}, "ASCII"),
        ({1: "x"}, "key"),
        ({"text": "\ud800"}, "Unicode"),
        ({"deep": [[[[[[[[["too deep"]]]]]]]]]}, "deeper"),
    ],
)
def test_values_without_an_exact_encoding_are_refused(
    details: dict[object, object], fragment: str
) -> None:
    with pytest.raises(AuditDetailRejectedError, match=fragment):
        _build(details=details)


def test_accepted_details_are_normalised_and_frozen() -> None:
    class Verdict(enum.StrEnum):
        BLOCK = "block"

    class Level(enum.IntEnum):
        HIGH = 3

    event = _build(
        details={"outcome": Verdict.BLOCK, "level": Level.HIGH, "rules": ["a", "b"], "x": None}
    ).event
    assert type(event.details["outcome"]) is str
    assert type(event.details["level"]) is int
    assert event.details["rules"] == ("a", "b")
    assert event.details["x"] is None
    with pytest.raises(TypeError):
        event.details["outcome"] = "allow"  # type: ignore[index]
    assert check_details({"n": 1}) == {"n": 1}


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"action": "Decision Made"}, "dotted"),
        ({"action": "decision"}, "dotted"),
        ({"actor_kind": "robot"}, "actor_kind"),
        ({"actor": ""}, "actor"),
        ({"actor": "   "}, "actor"),
        ({"subject_id": 17}, "subject_id"),
        ({"at": datetime(2025, 1, 1)}, "timezone"),
        ({"event_id": "not-a-uuid"}, "UUID"),
        ({"event_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF"}, "lowercase"),
        ({"details": {"a": 1}, "personal_fields": ["email"]}, "personal field"),
    ],
)
def test_malformed_event_fields_are_refused(kwargs: dict[str, object], fragment: str) -> None:
    with pytest.raises(InvalidAuditEventError, match=fragment) as info:
        _build(**kwargs)
    assert info.value.code == "invalid_audit_event"


def test_event_fields_are_normalised() -> None:
    local = datetime(2025, 1, 2, 5, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    event = _build(at=local, actor_kind=ActorKind.AUTOMATED).event
    assert event.at == AT and event.at.tzinfo is UTC
    assert event.actor_kind is ActorKind.AUTOMATED
    assert event.seq == 1 and event.prev_hash == "0" * 64
    assert event.subject_type is None and event.subject_id is None
    assert dict(event.details) == {}
