"""A disk that really fills up, for the disk-full tests.

:class:`SmallDisk` mounts a small tmpfs on a folder under the test's ``tmp_path`` (the test
runs as root on the project's machines); :meth:`SmallDisk.fill` writes a filler file until
the kernel answers ``ENOSPC`` and :meth:`SmallDisk.free` deletes it. Everything on that
filesystem (the SQLite database and its WAL, the data folder, a PostgreSQL tablespace) then
meets a real full disk.

Where mounting is not permitted (an unprivileged runner), :class:`WriteLimit` is the
fallback for a process of the test's own: ``RLIMIT_FSIZE`` lowered on the running server
(``prlimit``), so every write of its files past the first byte fails with ``EFBIG``
(CPython ignores ``SIGXFSZ``), and raised again to free it. SQLite reports that as
``SQLITE_IOERR_WRITE`` ("disk I/O error"), not ``SQLITE_FULL``: the server answers 503
``database_unavailable`` instead of ``storage_full``, with the same promise (nothing stored,
retry later).
"""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import subprocess
from pathlib import Path

CHUNK = 1 << 20


class SmallDisk:
    """A tmpfs of ``size_mb`` mounted on ``path`` until :meth:`close`."""

    def __init__(self, path: Path, size_mb: int) -> None:
        self.path = path
        self.filler = path / "filler.bin"
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0755", "tmpfs", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        if done.returncode != 0:
            raise PermissionError(done.stderr.strip() or "mount failed")

    def fill(self) -> int:
        """Write a filler file until the disk is full; the bytes written."""
        written = 0
        with self.filler.open("ab", buffering=0) as out:
            for size in (CHUNK, 4096, 512):
                block = b"\0" * size
                while True:
                    try:
                        written += out.write(block) or 0
                    except OSError as exc:
                        assert exc.errno == errno.ENOSPC, exc
                        break
        return written

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def free_bytes(self) -> int:
        stats = os.statvfs(self.path)
        return stats.f_bavail * stats.f_frsize

    def close(self) -> None:
        """Unmount (lazily if something still holds a file there)."""
        done = subprocess.run(["umount", str(self.path)], capture_output=True, timeout=60)
        if done.returncode != 0:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True, timeout=60)


class WriteLimit:
    """The fallback: ``RLIMIT_FSIZE`` of process ``pid`` lowered to fill, raised to free."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def fill(self) -> int:
        resource.prlimit(self.pid, resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
        return 0

    def free(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            resource.prlimit(
                self.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY)
            )
