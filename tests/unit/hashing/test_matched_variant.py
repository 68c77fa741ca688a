"""``MatchedVariant``: the one way a hit's query view and stored view are written and read."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shieldwall.hashing.robust import describe_variant
from shieldwall.hashing.values import MatchedVariant

# Names as the hashing code writes them: no "@" (check_variant_name refuses it on the bank
# side, and the query's names are the hashing code's own).
names = st.text(
    alphabet=st.characters(blacklist_characters="@", blacklist_categories=("Cs",)),
    min_size=1,
    max_size=64,
).filter(lambda n: n != "original")


@given(query=st.none() | names, bank=st.none() | names)
def test_what_is_written_reads_back_as_the_same_pair(query: str | None, bank: str | None) -> None:
    written = MatchedVariant.wire(query, bank)
    read = MatchedVariant.parse(written)
    assert read.bank == bank
    assert (read.query or None if read.query != "original" else None) == query
    assert read.transformed == (query is not None)


def test_the_plain_hit_costs_nothing_and_a_bank_side_hit_names_both_sides() -> None:
    assert MatchedVariant.wire(None, None) is None
    assert MatchedVariant.wire("flip_h", None) == "flip_h"
    assert MatchedVariant.wire(None, "crop(center,80%)") == "original@bank:crop(center,80%)"
    assert describe_variant(MatchedVariant.wire("flip_h", "crop(center,80%)")) == (
        describe_variant("flip_h") + ", against the submitter's hash of crop(center,80%)"
    )
    assert describe_variant(MatchedVariant.wire(None, "crop(center,80%)")) == (
        "matched as submitted against the submitter's hash of crop(center,80%)"
    )
