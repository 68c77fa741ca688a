"""Evidence for a hit on a bank-side variant tells both sides: what was undone on the query
and which of the submitter's region hashes it met."""

from __future__ import annotations

from shieldwall.hashing.robust import describe_variant


def test_plain_query_against_a_bank_window() -> None:
    assert describe_variant("original@bank:crop(center,80%)") == (
        "matched as submitted against the submitter's hash of crop(center,80%)"
    )


def test_query_variant_against_a_bank_window() -> None:
    assert describe_variant("flip_horizontal@bank:crop(center,80%)") == (
        "matched after horizontal flip, against the submitter's hash of crop(center,80%)"
    )
    assert describe_variant("crop(center,94%)@bank:top(75%)") == (
        "matched after cropping to the center 94%, against the submitter's hash of top(75%)"
    )


def test_names_without_a_bank_side_read_as_before() -> None:
    assert describe_variant(None) == "matched as submitted"
    assert describe_variant("rotate90") == "matched after 90° rotation"
