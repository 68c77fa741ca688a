"""Typed actions: every built-in kind round-trips through its stored payload, a malformed
payload is refused naming the field, and rows in the stored format parse."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shieldwall.actions import (
    BUILTIN_ACTIONS,
    AddToBankAction,
    BankValue,
    ChildSafetyReportAction,
    DetectAction,
    ExchangeFeedbackAction,
    ReviewAction,
    TypedAction,
    WebhookAction,
    parse_action,
)
from shieldwall.errors import InputError
from shieldwall.types import HashKind

text = st.text(max_size=12)
name = st.text(min_size=1, max_size=12)
opt_text = st.none() | text
opt_int = st.none() | st.integers(min_value=-(2**40), max_value=2**40)
json_scalar = st.none() | st.booleans() | st.integers(-1000, 1000) | text
json_object = st.dictionaries(text, json_scalar, max_size=3)


def _extra(known: tuple[str, ...]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(text.filter(lambda k: k not in known), json_scalar, max_size=3)


actions: st.SearchStrategy[TypedAction] = st.one_of(
    st.builds(
        WebhookAction,
        event=name,
        decision=st.none() | json_object,
        extra=_extra(WebhookAction._known),
    ),
    st.builds(
        ReviewAction,
        decision_id=text,
        queue=name,
        priority=name,
        sla_hours=st.none() | st.floats(0, 1e6, allow_nan=False),
        due_at=st.none() | name,
        item_id=opt_int,
    ),
    st.builds(
        AddToBankAction,
        bank=name,
        entries=st.lists(
            st.builds(BankValue, signal_type=st.sampled_from(HashKind), value=name),
            min_size=1,
            max_size=3,
        ).map(tuple),
        source=opt_text,
        case_id=opt_text,
        content_id=opt_text,
    ),
    st.builds(
        ChildSafetyReportAction,
        content_id=opt_text,
        decision_id=opt_text,
        item_id=opt_int,
        categories=st.lists(text, max_size=3).map(tuple),
        reasons=st.lists(text, max_size=3).map(tuple),
        matches=st.lists(json_object, max_size=2).map(tuple),
        hashes=st.dictionaries(text, opt_text, max_size=3),
        extra=_extra(ChildSafetyReportAction._known),
    ),
    st.builds(
        ExchangeFeedbackAction,
        exchange=name,
        signal_type=name,
        value=name,
        verdict=st.sampled_from(["confirmed", "rejected"]),
        external_id=opt_text,
        case_id=opt_text,
        entry_id=opt_int,
    ),
    st.builds(
        DetectAction,
        decision_id=name,
        content_id=text,
        media_type=text,
        signals=st.lists(text, max_size=3).map(tuple),
        media_b64=name,
    ),
)


@settings(max_examples=300, deadline=None)
@given(actions)
def test_every_action_round_trips_through_its_payload(action: TypedAction) -> None:
    payload = action.to_payload()
    assert type(action).from_payload(payload) == action
    assert parse_action(action.kind, payload) == action


def test_every_builtin_kind_is_listed() -> None:
    assert set(BUILTIN_ACTIONS) == {
        "webhook",
        "review",
        "add_to_bank",
        "child_safety_report",
        "exchange_feedback",
        "detect",
    }


@pytest.mark.parametrize(
    ("kind", "payload", "message"),
    [
        ("webhook", {"decision": {}}, "malformed webhook payload: event is required"),
        ("webhook", {"event": "x", "decision": [1]}, "decision must be an object or null"),
        ("review", {"queue": ""}, "malformed review payload: queue is required"),
        ("review", {"queue": "q", "item_id": "7"}, "item_id must be an integer or null"),
        ("review", {"queue": "q", "sla_hours": "soon"}, "sla_hours must be a number or null"),
        ("review", {"queue": "q", "colour": "red"}, "unknown field(s) colour"),
        ("add_to_bank", {"bank": "b", "entries": []}, "entries is required"),
        (
            "add_to_bank",
            {"bank": "b", "entries": [{"signal_type": "sha1", "value": "x"}]},
            "entries[0].signal_type must be one of",
        ),
        (
            "exchange_feedback",
            {"exchange": "e", "signal_type": "pdq", "value": "v", "verdict": "maybe"},
            "verdict must be confirmed or rejected",
        ),
        ("detect", {"decision_id": "d"}, "malformed detect payload: media_b64 is required"),
        ("child_safety_report", [1, 2], "the payload must be an object, got list"),
    ],
)
def test_a_malformed_payload_is_refused_naming_the_field(
    kind: str, payload: Any, message: str
) -> None:
    with pytest.raises(InputError) as info:
        parse_action(kind, payload)
    assert message in info.value.message
    assert info.value.code == "invalid_input"


def test_rows_in_the_stored_format_parse() -> None:
    # As the scan stored them before the types existed (item_id filled in by the store).
    review = parse_action(
        "review",
        {"item_id": 7, "decision_id": "d", "queue": "q", "priority": "urgent", "sla_hours": 1},
    )
    assert review == ReviewAction(
        decision_id="d", queue="q", priority="urgent", sla_hours=1.0, item_id=7
    )
    old_bank = {"bank": "b", "entries": [{"signal_type": "md5", "value": "0" * 32}]}
    assert parse_action("add_to_bank", old_bank) == AddToBankAction(
        bank="b", entries=(BankValue(HashKind.MD5, "0" * 32),)
    )
    locate = {"event": "case.locate_and_remove", "action_id": "a", "case": "C-1"}
    hook = parse_action("webhook", locate)
    assert isinstance(hook, WebhookAction) and hook.to_payload() == locate
    report = {"content_id": "post-1", "reason": "test"}
    parsed = parse_action("child_safety_report", report)
    assert isinstance(parsed, ChildSafetyReportAction) and parsed.extra == {"reason": "test"}


def test_extra_fields_may_not_shadow_known_ones() -> None:
    with pytest.raises(ValueError, match="event"):
        WebhookAction(event="x", extra={"event": "y"})
