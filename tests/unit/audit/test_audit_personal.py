"""Personal data: committed as salted digests, redactable without breaking verification."""

from __future__ import annotations

import dataclasses
import json

import pytest
from audit_fixtures import Trail

from shieldwall.audit import (
    PersonalData,
    PersonalValue,
    RevealMismatchError,
    build_event,
    personal_digest,
    reveal,
    verify_chain,
)


def _personal_events(trail: Trail) -> list[int]:
    return [i for i, e in enumerate(trail.events) if e.event_id in trail.chain.personal_data]


def test_personal_fields_never_appear_in_the_chained_event(trail: Trail) -> None:
    event = trail.events[2]  # media.revealed: requester_email and ip are personal
    text = json.dumps(event.to_dict())
    assert "amira@trust.example" not in text and "192.0.2.15" not in text
    assert set(event.details["requester_email"]) == {"digest"}  # type: ignore[arg-type]
    assert event.details["reason"] == "appeal review"  # the rest stays readable


def test_reveal_shows_cleartext_that_matches_the_chain(trail: Trail) -> None:
    event = trail.events[2]
    shown = reveal(event, trail.chain.personal_data[event.event_id])
    assert shown["requester_email"] == "amira@trust.example"
    assert shown["ip"] == "192.0.2.15"
    assert shown["reason"] == "appeal review"


def test_redaction_keeps_verification_green(trail: Trail) -> None:
    personal = _personal_events(trail)
    assert len(personal) > 100
    for i in personal:
        assert trail.chain.redact(trail.events[i].event_id)
    assert not trail.chain.personal_data
    assert not trail.chain.redact(trail.events[personal[0]].event_id)

    report = verify_chain(trail.events, trail.checkpoints, trail.public_keys)
    assert report.ok, report.summary()


def test_reveal_detects_a_wrong_cleartext(trail: Trail) -> None:
    event = trail.events[0]
    side = trail.chain.personal_data[event.event_id]
    item = side.fields["uploader_id"]
    altered = PersonalData(side.event_id, {"uploader_id": PersonalValue("user-00000", item.salt)})
    with pytest.raises(RevealMismatchError, match="uploader_id") as info:
        reveal(event, altered)
    assert info.value.code == "audit_reveal_mismatch"


def test_reveal_detects_a_wrong_salt_or_type(trail: Trail) -> None:
    event = trail.events[0]
    item = trail.chain.personal_data[event.event_id].fields["uploader_id"]
    for bad in (PersonalValue(item.value, "00" * 16), PersonalValue(item.value, "zz")):
        with pytest.raises(RevealMismatchError):
            reveal(event, PersonalData(event.event_id, {"uploader_id": bad}))


def test_reveal_refuses_a_record_of_another_event(trail: Trail) -> None:
    side = trail.chain.personal_data[trail.events[0].event_id]
    with pytest.raises(RevealMismatchError, match="another event"):
        reveal(trail.events[7], side)
    # Same id, but the field is not personal in this event (not a digest).
    with pytest.raises(RevealMismatchError):
        reveal(trail.events[3], dataclasses.replace(side, event_id=trail.events[3].event_id))


def test_same_value_gets_unrelated_digests() -> None:
    # A fresh salt per field: equal uploader ids cannot be linked, nor guessed from a list.
    digests = {
        build_event(
            None,
            actor="a",
            actor_kind="system",
            action="auth.login",
            details={"ip": "203.0.113.9"},
            personal_fields=["ip"],
        ).event.details["ip"]["digest"]  # type: ignore[index, call-overload]
        for _ in range(5)
    }
    assert len(digests) == 5


def test_digest_is_sha256_of_salt_and_canonical_value() -> None:
    import hashlib

    salt = "00112233445566778899aabbccddeeff"
    expected = hashlib.sha256(bytes.fromhex(salt) + b'"user-81723"').hexdigest()
    assert personal_digest(salt, "user-81723") == expected
    # An integer and its decimal string are different values.
    assert personal_digest(salt, 81723) != personal_digest(salt, "81723")


def test_side_record_round_trips_through_json(trail: Trail) -> None:
    side = trail.chain.personal_data[trail.events[2].event_id]
    again = PersonalData.from_dict(json.loads(json.dumps(side.to_dict())))
    assert again == side
    assert reveal(trail.events[2], again)["ip"] == "192.0.2.15"
