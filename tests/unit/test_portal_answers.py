"""The status page's form never erases a saved answer: the answers it is filled with, and how
what it sends is merged with what was saved (portal_form.saved_answers / merged_answers)."""

from __future__ import annotations

from shieldwall.web.portal_form import check_request, merged_answers, saved_answers

DETAILS = {
    "relationship": "authorised",
    "declare_intimate": True,
    "declare_nonconsensual": True,
    "good_faith": False,
    "signature": "",
    "email": "a@example.org",
    "phone": "",
    "locations": ["https://x.example.test/1"],
    "notes": "from the first form",
    "files": 0,
    "under_18": "no",
}


def test_the_saved_country_fills_the_form_unless_it_was_missing() -> None:
    assert saved_answers(DETAILS, "US", ["signature"])["jurisdiction"] == "US"
    # A request stored without a country is kept as "other": the form asks again.
    assert saved_answers(DETAILS, "other", ["jurisdiction"])["jurisdiction"] == ""


def test_what_the_form_did_not_send_keeps_its_saved_answer() -> None:
    saved = saved_answers(DETAILS, "US", ["signature", "good_faith"])
    merged = merged_answers(
        saved, {"signature": "Ana Example", "good_faith": "on"}, answers_open=True
    )
    req, missing = check_request(merged)
    assert missing == []
    assert (req.jurisdiction, req.relationship, req.notes, req.under_18) == (
        "US",
        "authorised",
        "from the first form",
        "no",
    )
    assert req.declare_intimate and req.good_faith and req.signature == "Ana Example"


def test_places_are_added_once_and_answers_stay_once_the_request_is_complete() -> None:
    saved = saved_answers(DETAILS, "GB", [])
    merged = merged_answers(
        saved,
        {"add_locations": "@someone\nhttps://x.example.test/1\n\n", "email": "new@example.org"},
        answers_open=False,
    )
    assert merged["locations"].splitlines() == ["https://x.example.test/1", "@someone"]
    assert merged["email"] == "a@example.org"
