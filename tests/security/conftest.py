"""Fixtures for the security suite: a whole site per module, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import postgres_schema
from tests.security.support import Site, open_site


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """One site per test module and backend (building one costs seconds: migrations and
    argon2 hashes); tests that change shared state use names of their own."""
    data = tmp_path_factory.mktemp("site")
    if request.param == "sqlite":
        yield from open_site(f"sqlite:///{data / 'site.db'}", data / "data")
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield from open_site(url, data / "data")
