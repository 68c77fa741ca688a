"""Shared audit-trail fixtures: a signed trail of a few hundred realistic events."""

from __future__ import annotations

import pytest
from audit_fixtures import Trail, build_trail

from shieldwall.audit import CheckpointSigner


@pytest.fixture(scope="session")
def signer() -> CheckpointSigner:
    return CheckpointSigner.generate()


@pytest.fixture
def trail(signer: CheckpointSigner) -> Trail:
    """300 events, a checkpoint every 50 (seq 50, 100, ..., 300)."""
    return build_trail(300, every=50, signer=signer)
