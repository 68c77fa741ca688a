"""A PostgreSQL cluster of the test's own, to kill, fill and start again.

The fault tests kill PostgreSQL with SIGKILL and fill its disk; the shared server at
127.0.0.1:5432 that every other test uses must never see either. So each test makes its own
cluster with ``initdb`` under its ``tmp_path``, on a port from
:func:`tests.conftest.free_port`, its unix socket in its own folder.

PostgreSQL refuses to run as root. When the tests run as root (as on the project's machines),
the cluster runs as the ``postgres`` user (else ``nobody``) through ``setpriv``, keeping only
``CAP_DAC_READ_SEARCH`` so it can walk into pytest's private (0700) temporary folders (and
``no_setuid_fixup``, so ``access(2)`` keeps it too); the folders themselves are never opened
up to other users. Run as anyone else, it runs as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import time
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import free_port

START_LIMIT_S = 120.0
"""Start-up and crash recovery on a busy shared machine; only a hang reaches it."""


def _run_as() -> tuple[list[str], int | None, int | None]:
    """The command prefix that drops root, and the uid/gid the cluster's files belong to."""
    if os.geteuid() != 0:
        return [], None, None
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        setpriv = shutil.which("setpriv")
        assert setpriv, "running as root needs setpriv (util-linux) to start PostgreSQL"
        prefix = [
            setpriv,
            f"--reuid={user.pw_uid}",
            f"--regid={user.pw_gid}",
            "--init-groups" if name == "postgres" else "--clear-groups",
            # access(2) drops capabilities for a non-root real uid unless this bit is set, and
            # PostgreSQL checks a tablespace's folder with access().
            "--securebits=+no_setuid_fixup",
            "--inh-caps=+dac_read_search",
            "--ambient-caps=+dac_read_search",
        ]
        return prefix, user.pw_uid, user.pw_gid
    raise AssertionError("running as root, and neither a postgres nor a nobody user exists")


class PrivateCluster:
    """``initdb`` + ``postgres`` in ``root``; :meth:`start`, :meth:`kill`, :meth:`stop`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.data = root / "data"
        self.sockets = root / "sockets"
        self.log_path = root / "postgres.log"
        self.port = free_port()
        self._prefix, self._uid, self._gid = _run_as()
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir()
        self.own(root)
        self.own(self.sockets)
        done = subprocess.run(
            [
                *self._prefix,
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]

    def own(self, path: Path) -> None:
        """Give ``path`` to the user the cluster runs as (a tablespace folder, say)."""
        if self._uid is not None and self._gid is not None:
            os.chown(path, self._uid, self._gid)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> float:
        """Start the postmaster (after a kill this is crash recovery); the seconds it took
        until a connection succeeded."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    *self._prefix,
                    "postgres",
                    "-D",
                    str(self.data),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.sockets),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "max_connections=60",
                    "-c",
                    "shared_buffers=16MB",
                    # A kill -9 keeps the page cache: fsync adds only disk load on a shared
                    # machine; crash recovery (WAL replay) runs all the same.
                    "-c",
                    "fsync=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes every child
            )
        deadline = began + START_LIMIT_S
        engine = sa.create_engine(self.url(), connect_args={"connect_timeout": 5})
        try:
            while True:
                assert self.proc.poll() is None, self.log_tail()
                try:
                    with engine.connect() as conn:
                        conn.execute(sa.text("SELECT 1"))
                    return time.monotonic() - began
                except sa.exc.OperationalError:
                    pass
                assert time.monotonic() < deadline, self.log_tail()
                time.sleep(0.1)
        finally:
            engine.dispose()

    def kill(self) -> None:
        """SIGKILL the postmaster and every backend at once, as a crash of its machine would."""
        assert self.proc is not None and self.proc.poll() is None, "not running"
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._wait_group_gone(self.proc.pid)

    def stop(self) -> None:
        """Stop it quickly (fast shutdown), killing it if that hangs; safe to call twice."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._wait_group_gone(self.proc.pid)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    @staticmethod
    def _wait_group_gone(pgid: int) -> None:
        # A backend still running would hold the shared memory and stop the next start
        # (zombies waiting for init to reap them hold nothing).
        deadline = time.monotonic() + 30
        while _live_members(pgid):
            assert time.monotonic() < deadline, f"processes of group {pgid} outlived the kill"
            time.sleep(0.05)


def _live_members(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` that are not zombies (read from /proc)."""
    live = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            live.append(int(entry.name))
    return live
