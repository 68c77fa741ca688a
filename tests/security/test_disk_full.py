"""A full disk under a running ``shieldwall serve``: 503 with ``Retry-After``, nothing
acknowledged lost, and back to work without a restart once space is freed.

The database sits on a real small filesystem (:mod:`tests.security.small_disk`: a tmpfs
under the test's folder). Clients keep sending lookups and scans; the disk is filled with a
filler file until the kernel answers ``ENOSPC``; the server must answer ``503``
``storage_full`` with ``Retry-After`` (never a bare 500) while writes fail; the filler is
deleted; the same server process must acknowledge again. Then every request acknowledged
(2xx) before, during and after is stored with the decision it was answered with, the clients
re-send what was refused and get one decision per content id, and ``audit verify`` passes.

* SQLite: the data folder (database, WAL, signing key) on the tmpfs. The second case,
  ``write_limit``, fails the server's writes with ``EFBIG`` instead (``RLIMIT_FSIZE``, the
  fallback where mounting is not permitted; SQLite calls that an I/O error, so the code is
  ``database_unavailable``). The ``tmpfs`` case also falls back to it where it cannot mount.
* PostgreSQL: the database in a tablespace on the tmpfs of a private cluster, so the table
  files cannot grow ("could not extend file"); its WAL stays on the big disk, since a
  full WAL disk is a PANIC and a restart, which ``test_postgres_kill.py`` covers. This case
  needs the mount (no write limit can stand in for it: a limit also fails PostgreSQL's WAL).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import httpx
import pytest
import sqlalchemy as sa

from shieldwall.config import load_settings
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, HashKind, NewEntry, Provenance
from tests.conftest import free_port
from tests.security.fault_load import (
    BANKED,
    Load,
    assert_all_stored,
    audit_verifies,
    env_for,
    serve,
    stop,
    wait_until,
)
from tests.security.private_postgres import PrivateCluster
from tests.security.small_disk import SmallDisk, WriteLimit


class Filler(Protocol):
    def fill(self) -> int: ...

    def free(self) -> None: ...


def _prepare(database: str, data_dir: Path) -> str:
    """Migrate, bank the PDQ that every fifth lookup matches; an API key for the load."""
    rt = Runtime.open(load_settings(data_dir=data_dir, database_url=database), migrate=True)
    try:
        rt.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM, enabled=True)
        rt.banks.add_entries(
            bank="victims", entries=[NewEntry(HashKind.PDQ, BANKED, Provenance(source="test"))]
        )
        key, _ = rt.keys.create_api_key(
            name="disk-full", scopes=["lookup", "scan"], rate_limit_per_minute=10**6
        )
        return key
    finally:
        rt.close()


def _fill_serve_and_free(
    database: str, data_dir: Path, log: Path, disk: SmallDisk | None, code: str
) -> str:
    """The scenario: ``disk`` is filled, or (None) a write limit on the server fails its
    writes; ``code`` is the problem code expected while full. Returns the figures."""
    key = _prepare(database, data_dir)
    env = env_for(database, data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    load = Load(base, key, prefix="df-", clients=3)
    server = None
    try:
        server = serve(env, port, log)
        filler: Filler = disk if disk is not None else WriteLimit(server.pid)
        load.start()
        wait_until("lookups acknowledged before the disk fills", lambda: len(load.acked) >= 30)
        filled_at = time.monotonic()
        written = filler.fill()
        wait_until(
            "the server refusing writes on the full disk",
            lambda: len(load.refusals_since(filled_at)) >= 10,
        )
        with httpx.Client(base_url=base, timeout=30) as http:
            ready = http.get("/readyz")  # a full disk is not an outage: reads still work
        acked_while_full = load.acked_since(filled_at)
        freed_at = time.monotonic()
        filler.free()
        recovery_s = wait_until(
            "a lookup acknowledged once space is freed", lambda: load.acked_since(freed_at) >= 1
        )
        wait_until("the load going on after", lambda: load.acked_since(freed_at) >= 30)
        load.stop()
        resent = load.resend_unacknowledged()
        assert server.poll() is None  # recovered without a restart
        stop(server)
    finally:
        load.stop()
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()

    refused = load.refusals_since(filled_at)
    assert load.others == [], load.others[:5]  # never a bare 500 (nor anything else)
    assert sum(load.transport_errors.values()) == 0, load.transport_errors
    assert {r.code for r in refused} == {code}
    assert all(r.retry_after and int(r.retry_after) >= 1 for r in refused)
    assert ready.status_code == 200, ready.text
    assert "Traceback" not in log.read_text(errors="replace")
    rt = Runtime.open(load_settings(data_dir=data_dir, database_url=database), migrate=False)
    try:
        assert_all_stored(rt, load)
    finally:
        rt.close()
    audit_verifies(env)
    return (
        f"{len(load.acked)} acknowledged ({acked_while_full} while full), 0 lost, "
        f"{len(refused)} x 503 {code}, {resent} re-sent, filler {written >> 10} KiB, "
        f"first 2xx {recovery_s:.2f} s after freeing"
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
@pytest.mark.parametrize("how", ["tmpfs", "write_limit"])
def test_sqlite_on_a_full_disk_answers_503_loses_nothing_and_recovers_without_restart(
    how: str, tmp_path: Path
) -> None:
    disk = None
    if how == "tmpfs":
        try:
            disk = SmallDisk(tmp_path / "disk", size_mb=16)
        except PermissionError as exc:  # an unprivileged runner: the write-limit fallback
            print(f"\nno tmpfs ({exc}); filling by write limit instead")
    try:
        data_dir = (disk.path if disk else tmp_path) / "data"
        figures = _fill_serve_and_free(
            f"sqlite:///{data_dir / 'shieldwall.db'}",
            data_dir,
            tmp_path / "serve.log",
            disk,
            "storage_full" if disk else "database_unavailable",
        )
    finally:
        if disk is not None:
            disk.close()
    print(f"\nsqlite disk full ({'tmpfs' if disk else 'write limit'}): {figures}")


@pytest.fixture
def small_tablespace(tmp_path: Path) -> Iterator[tuple[PrivateCluster, SmallDisk]]:
    """A private cluster whose database ``shieldwall`` lives in a tablespace on a tmpfs."""
    try:
        disk = SmallDisk(tmp_path / "disk", size_mb=64)
    except PermissionError as exc:
        pytest.fail(f"the PostgreSQL disk-full test mounts a tmpfs, which needs root: {exc}")
    cluster = None
    try:
        cluster = PrivateCluster(tmp_path / "pg")
        cluster.start()
        where = disk.path / "tablespace"
        where.mkdir()
        cluster.own(where)
        admin = sa.create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f"CREATE TABLESPACE small LOCATION '{where}'"))
                conn.execute(sa.text("CREATE DATABASE shieldwall TABLESPACE small"))
        finally:
            admin.dispose()
        yield cluster, disk
    finally:
        if cluster is not None:
            cluster.stop()
        disk.close()


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.timeout(600)
def test_postgresql_with_a_full_disk_answers_503_loses_nothing_and_recovers_without_restart(
    small_tablespace: tuple[PrivateCluster, SmallDisk], tmp_path: Path
) -> None:
    cluster, disk = small_tablespace
    figures = _fill_serve_and_free(
        cluster.url("shieldwall"),
        tmp_path / "data",
        tmp_path / "serve.log",
        disk,
        "storage_full",
    )
    print(f"\npostgresql disk full (tablespace on tmpfs): {figures}")
