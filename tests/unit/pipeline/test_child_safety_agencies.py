"""Which agencies a child-safety case is reported to follows the regimes that apply: the
platform's countries of operation as well as the requester's."""

from __future__ import annotations

from shieldwall.pipeline.child_safety import NCA, NCMEC, agencies_for


def test_the_uk_adds_the_nca_and_the_us_or_nowhere_known_keeps_ncmec() -> None:
    assert agencies_for([], "GB") == [NCA]
    assert agencies_for([], "uk") == [NCA]
    assert agencies_for([], "US") == [NCMEC]
    assert agencies_for([], "FR") == [NCMEC]
    assert agencies_for(["GB"], "US") == [NCMEC, NCA]
    assert agencies_for(["US", "GB"], None) == [NCMEC, NCA]
