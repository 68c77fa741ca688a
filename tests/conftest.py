"""Fixtures shared by every test layer: benign test photos, an isolated PostgreSQL database,
and what keeps parallel (pytest-xdist) workers apart: a Redis DB each, loopback ports from the OS.
The rules for tests that stay safe under ``make unit``'s ``-n`` are in tests/README.md."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from argon2 import PasswordHasher, profiles
from hypothesis import settings

from shieldwall.store import secret_hashes

# In CI, property tests draw the same examples every run, so a green main stays green;
# developers' runs stay random and keep finding new cases (fix them, then add @example).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Keys, passwords and access codes are argon2 hashes: ~0.2 s to make and ~0.2 s to check with
# the production parameters, paid hundreds of times across the suite for no behaviour a test
# looks at. In the test processes only (servers and CLIs started as subprocesses keep the real
# parameters), use argon2-cffi's profile made for tests.
secret_hashes.HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)

REPO = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get(
    "SHIELDWALL_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
"""``gw0``, ``gw1``, … inside a pytest-xdist worker; empty in a plain run."""
REDIS_DBS = 16
"""Redis's default ``databases`` setting."""


def worker_redis_url(base: str, worker: str) -> str:
    """The Redis URL xdist worker ``gwK`` uses: database ``(base database + K) mod 16``.

    A plain run keeps ``base`` as it is. Under ``-n 4`` a run on base database ``b`` occupies
    ``b .. b+3``: CI sets nothing (base 0) and runs alone, so it takes 0-3; a developer who
    shares the Redis runs single files on their own number, or picks a base 4 apart from the
    others' for ``make unit``. Every key the suite writes is also scoped to the test's own
    database (queue names are its fingerprint), so an overlap loses nothing, but a test that
    counts keys or flushes stays correct only with a database of its own.
    """
    if not worker:
        return base
    parts = urlsplit(base)
    db = int(parts.path.strip("/") or 0)
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(db + index) % REDIS_DBS}"))


# Set once, before any other conftest or test module reads it, and inherited by every CLI or
# server subprocess a test starts.
os.environ["SHIELDWALL_TEST_REDIS"] = worker_redis_url(
    os.environ.get("SHIELDWALL_TEST_REDIS", "redis://127.0.0.1:6379/0"), XDIST_WORKER
)
REDIS_URL = os.environ["SHIELDWALL_TEST_REDIS"]


def loopback_socket() -> socket.socket:
    """A listening-ready TCP socket on 127.0.0.1 at a port the OS chose (never a fixed port:
    parallel workers and other people's runs would collide). Hand it to
    ``uvicorn.Server.run(sockets=[sock])`` so no other process can take the port between
    choosing it and serving on it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def free_port() -> int:
    """A loopback port the OS reports free, for a server started as a subprocess (which must
    bind it itself). Prefer :func:`loopback_socket` for servers in this process."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _photo_dir(env: str, default: Path) -> Path:
    path = Path(os.environ.get(env, default))
    if not path.is_dir() or not any(path.iterdir()):
        pytest.fail(f"test photos missing at {path}: run `make photos` (scripts/fetch_photos.py)")
    return path


@pytest.fixture(scope="session")
def photos_dir() -> Path:
    """The 19 small benign photos (`scripts/fetch_photos.py --small`), fetched by `make photos`."""
    return _photo_dir("SHIELDWALL_TEST_PHOTOS", REPO / ".cache" / "photos-small")


@pytest.fixture(scope="session")
def photo_paths(photos_dir: Path) -> list[Path]:
    return sorted(p for p in photos_dir.iterdir() if p.suffix.lower() in {".jpg", ".png"})


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards.

    Each run, and each xdist worker of a run, gets its own database (named after the worker,
    for whoever looks at a left-over one), so parallel runs (CI, developers) never collide.
    """
    import sqlalchemy as sa

    name = f"sw_test_{XDIST_WORKER or 'main'}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
                ),
                {"n": name},
            )
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose ``search_path`` is a fresh schema in ``base_url``'s database, dropped after."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of the test's own: a SQLite file, or a fresh PostgreSQL schema.

    Tests that take this fixture run once on each backend, so the embedded default and
    production mode are held to the same behaviour.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shieldwall.db'}"
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url


LONG_FILES_FIRST = (
    "tests/security/test_authorisation_matrix.py",
    "tests/security/test_hostile_files.py",
    "tests/security/test_hostile_text.py",
    "tests/security/test_kill_faults.py",
    "tests/security/test_postgres_kill.py",
    "tests/security/test_disk_full.py",
    "tests/e2e/cli/test_cli_e2e.py",
    "tests/e2e/worker/test_worker_kill_jobs.py",
    "tests/e2e/serve/test_serve_kill_rounds.py",
    "tests/e2e/serve/test_replicas.py",
    "tests/e2e/batch/test_batch_ray.py",
    "tests/e2e/web/test_portal_path.py",
    "tests/integration/api/test_api_variants.py",
    "tests/integration/api/test_api_hostile_text.py",
    "tests/integration/api/test_api_errors.py",
    "tests/integration/api/test_api_scan.py",
)
"""Files that take minutes: run first, so `make unit`'s xdist workers (whole files each) do
not end with one worker alone on a long file while the others sit idle."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))

    def rank(item: pytest.Item) -> int:
        where = Path(str(item.path)).relative_to(root).as_posix()
        return LONG_FILES_FIRST.index(where) if where in LONG_FILES_FIRST else len(LONG_FILES_FIRST)

    items.sort(key=rank)  # stable: every file keeps its own order
