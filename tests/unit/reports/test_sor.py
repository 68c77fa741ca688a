"""Statements of reasons: valid against the shipped schema, free of personal data, mapped
from the decision (visibility, keyword, automation, source), and the uploader's notice
carries the same reasons."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shieldwall.errors import InputError
from shieldwall.reports.sor import (
    SorSettings,
    StatementInvalidError,
    statement_of_reasons,
    uploader_notice,
    validate,
)
from shieldwall.store.service_records import DecisionInfo, ItemInfo

AT = datetime(2025, 3, 2, 10, 0, tzinfo=UTC)
ITEM = ItemInfo(
    id=1,
    content_id="c-1",
    source="upload",
    surface="feed",
    uploader_id="user-81723",
    media_type="image/jpeg",
    pdq="f" * 64,
    pdq_quality=90,
    md5=None,
    sha256=None,
    width=10,
    height=10,
    text="hi @someone",
    url="https://media.example/u/user-81723/c-1",
    jurisdictions=("DE", "GB"),
    metadata={},
    created_at=AT,
    expires_at=None,
    latest_decision_id="d-1",
)
DECISION = DecisionInfo(
    id="5d1c2b7e-0000-4000-8000-000000000001",
    item_id=1,
    content_id="c-1",
    source="upload",
    verdict="block",
    policy_version="1",
    fired=[{"rule_id": "victim_bank_exact", "category": "ncii_known_match"}],
    reasons=["user-81723 uploaded a match"],
    matches=[{"signal_type": "pdq", "distance": 2}],
    signals=[],
    notes=[],
    decided_by="automated",
    created_at=AT,
)


def test_an_automated_block_maps_to_the_transparency_database_fields() -> None:
    s = statement_of_reasons(DECISION, ITEM)
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_DISABLED"]
    assert s["category"] == "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    assert s["category_specification"] == ["KEYWORD_NON_CONSENSUAL_IMAGE_SHARING"]
    assert s["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert s["automated_detection"] == "Yes"
    assert s["automated_decision"] == "AUTOMATED_DECISION_FULLY"
    assert s["source_type"] == "SOURCE_VOLUNTARY"
    assert s["territorial_scope"] == ["DE"]
    assert s["content_type"] == ["CONTENT_TYPE_IMAGE"]
    assert s["application_date"] == "2025-03-02"
    assert s["puid"] == DECISION.id


def test_no_personal_data_leaves_in_a_statement() -> None:
    text = json.dumps(statement_of_reasons(DECISION, ITEM))
    for secret in ("user-81723", "media.example", "@someone", "c-1"):
        assert secret not in text


def test_deepfakes_removals_holds_and_human_decisions() -> None:
    fake = replace(
        DECISION,
        verdict="remove",
        decided_by="reviewer:amira",
        source="review",
        fired=[{"rule_id": "synthetic", "category": "synthetic_intimate"}],
    )
    s = statement_of_reasons(fake, ITEM)
    assert s["category_specification"] == ["KEYWORD_NON_CONSENSUAL_MATERIAL_DEEPFAKE"]
    assert "CONTENT_TYPE_SYNTHETIC_MEDIA" in s["content_type"]
    assert s["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert s["automated_decision"] == "AUTOMATED_DECISION_PARTIALLY"
    hold = statement_of_reasons(replace(DECISION, verdict="hold"), ITEM)
    assert hold["decision_visibility"] == ["DECISION_VISIBILITY_OTHER"]
    assert hold["decision_visibility_other"]
    tos = statement_of_reasons(DECISION, ITEM, settings=SorSettings(ground="incompatible"))
    assert tos["decision_ground"] == "DECISION_GROUND_INCOMPATIBLE_CONTENT"


def test_allowed_content_needs_no_statement() -> None:
    with pytest.raises(InputError):
        statement_of_reasons(replace(DECISION, verdict="allow"), ITEM)


@pytest.mark.parametrize(
    "change",
    [
        {"category": "STATEMENT_CATEGORY_NUDIFY"},  # not a database category
        {"puid": "d-1.v2:x"},  # the database allows letters, digits, - and _ only
        {"content_type": ["CONTENT_TYPE_OTHER"]},  # without content_type_other
        {"automated_detection": "yes"},
        {"decision_visibility": []},
        {"application_date": "02/03/2025"},
        {"uploader_id": "user-81723"},
        {"illegal_content_legal_ground": None},
    ],
)
def test_the_schema_refuses_malformed_statements(change: dict[str, object]) -> None:
    s = statement_of_reasons(DECISION, ITEM)
    s.update(change)
    s = {k: v for k, v in s.items() if v is not None}
    with pytest.raises(StatementInvalidError):
        validate(s)


def test_the_uploader_notice_carries_the_same_reasons() -> None:
    s = statement_of_reasons(DECISION, ITEM)
    notice = uploader_notice(s)
    assert s["decision_facts"] in notice
    assert s["illegal_content_legal_ground"] in notice
    assert DECISION.id in notice and "automatically" in notice
