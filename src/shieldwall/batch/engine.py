"""Ray glue: start or join a cluster, hash files with Ray Data, hold index shards in actors.

Why Ray Data for the scan: it streams (files are listed up front, but read, hashed and
handed back a batch at a time, with back-pressure), runs the same code on one laptop or a
cluster, and its workers read the files (or a bucket's objects, through the
:class:`~shieldwall.pipeline.corpus_scan.CorpusReader` they are given) themselves, so the
driver never moves image bytes.
The driver only decides and writes, one transaction per batch.

Why actors for the hunt: a shard's index is built once and then searched for every batch
of hashes; a task per search would rebuild it each time.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from shieldwall.errors import ExtraMissingError
from shieldwall.hashing import DecodeLimits
from shieldwall.pipeline.corpus_hunt import Shard, ShardIndex, merge_rows, probe_codes
from shieldwall.pipeline.corpus_scan import (
    CorpusFile,
    CorpusReader,
    FolderReader,
    HashedRow,
    hash_item_row,
)
from shieldwall.pipeline.retro_hunt import SeenSearch

INSTALL_HINT = "pip install 'shieldwall[ray]'"

LOCAL_OBJECT_STORE_BYTES = 512 * 1024 * 1024
"""The object store of a local Ray started by a command: hashed rows and shards only (image
bytes never travel), so the default of 30% of the machine's memory is far more than needed."""


LOCAL_START_ATTEMPTS = 3
"""Ray waits a fixed 30 s for a local raylet to register, which a busy machine can exceed:
a local start that times out is tried again (the partial one shut down first)."""


def _ray() -> Any:
    try:
        import ray
        import ray.data  # the scan needs the data extra, not only the core
    except ImportError as exc:
        raise ExtraMissingError(
            f"the batch engine needs Ray, an optional extra: {INSTALL_HINT}",
            value=f"import failed: {exc}",
        ) from exc
    return ray


def require_ray() -> None:
    """Raise :class:`ExtraMissingError` (with the pip command) unless Ray Data imports."""
    _ray()


def start_ray(*, address: str | None, workers: int | None) -> Any:
    """Join the cluster at ``address``, or start a local Ray with ``workers`` CPUs.

    Raises :class:`ExtraMissingError` (with the pip command) when Ray is not installed.
    """
    ray = _ray()
    if ray.is_initialized():
        return ray
    quiet: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
    # Workers import shieldwall from where the driver does (a source checkout too).
    env = (
        {"env_vars": {"PYTHONPATH": os.environ["PYTHONPATH"]}}
        if "PYTHONPATH" in os.environ
        else None
    )
    if address:
        ray.init(address=address, runtime_env=env, **quiet)
    else:
        for attempt in range(LOCAL_START_ATTEMPTS):
            try:
                ray.init(
                    num_cpus=workers,
                    include_dashboard=False,
                    object_store_memory=LOCAL_OBJECT_STORE_BYTES,
                    runtime_env=env,
                    **quiet,
                )
                break
            except Exception as exc:  # Ray raises a bare Exception for this
                ray.shutdown()
                if attempt == LOCAL_START_ATTEMPTS - 1 or "timed out" not in str(exc):
                    raise
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the CLI draws its own (Rich), on stderr
    context.print_on_execution_start = False
    return ray


def stop_ray() -> None:
    """Leave the cluster (a local Ray stops with it); nothing to do when Ray never started."""
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        ray.shutdown()


_LISTED = ("path", "content_id", "version", "size")
"""The columns of a listed item (:class:`CorpusFile`'s fields) that travel to the workers."""


class _HashItems:
    """The per-batch function of the scan's Ray Data stage (a class so it pickles small)."""

    def __init__(
        self, reader: CorpusReader, limits: DecodeLimits, robust: bool, windows: bool
    ) -> None:
        self.reader = reader
        self.limits = limits
        self.robust = robust
        self.windows = windows

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, list[Any]]:
        items = [
            CorpusFile(str(p), str(c), str(v), int(n))
            for p, c, v, n in zip(*(batch[k] for k in _LISTED), strict=True)
        ]
        rows = [
            hash_item_row(
                item, self.reader, limits=self.limits, robust=self.robust, windows=self.windows
            )
            for item in items
        ]
        out: dict[str, list[Any]] = {
            "path": [i.path for i in items],
            "content_id": [i.content_id for i in items],
            "version": [i.version for i in items],
        }
        for key in rows[0] if rows else ():
            out[key] = [r[key] for r in rows]
        return out


TASKS_PER_WORKER = 4
"""Hashing tasks a scan gives each worker at least (when the files allow): with one task
per decision batch, a 190-file scan was one task, and a second worker had nothing to do."""

MIN_TASK_ROWS = 32
"""Files per hashing task at least: a Ray task costs milliseconds to schedule, as much as
hashing a few dozen small images."""


def task_rows(files: int, workers: int, batch_size: int) -> int:
    """Files per hashing task: enough tasks that every worker has several (so the last one
    does not run alone), never more files than a decision batch, never fewer than
    :data:`MIN_TASK_ROWS` (unless the decision batch itself is smaller)."""
    even = -(-files // max(1, workers * TASKS_PER_WORKER))
    return max(1, min(batch_size, max(MIN_TASK_ROWS, even)))


def hashed_batches(
    files: Sequence[CorpusFile],
    *,
    reader: CorpusReader = FolderReader(),
    limits: DecodeLimits,
    robust: bool,
    windows: bool,
    workers: int | None,
    batch_size: int,
) -> Iterator[list[HashedRow]]:
    """The items read (by ``reader``, in the workers) and hashed by Ray workers, handed
    back ``batch_size`` rows at a time (any order) for the driver to decide and write.

    The hashing runs in tasks of :func:`task_rows` files, which can be smaller than a
    decision batch: the batch size sets the driver's transactions, the task size how evenly
    the workers share the files.
    """
    if not files:
        return
    ray = _ray()
    items = [{k: getattr(f, k) for k in _LISTED} for f in files]
    cpus = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
    rows = task_rows(len(items), cpus, batch_size)
    ds = ray.data.from_items(items, override_num_blocks=-(-len(items) // rows)).map_batches(
        _HashItems(reader, limits, robust, windows),
        batch_size=rows,
        compute=ray.data.TaskPoolStrategy(size=workers),
        num_cpus=1,
    )
    for batch in ds.iter_batches(batch_size=batch_size, batch_format="numpy"):
        columns = {k: list(v) for k, v in batch.items()}
        n = len(columns["path"])
        keys = [k for k in columns if k not in ("path", "content_id", "version")]
        yield [
            HashedRow(
                str(columns["path"][i]),
                str(columns["content_id"][i]),
                {k: _plain(columns[k][i]) for k in keys},
                version=str(columns["version"][i]),
            )
            for i in range(n)
        ]


def _plain(value: Any) -> Any:
    """numpy scalars from Arrow back to Python values."""
    return value.item() if isinstance(value, np.generic) else value


def sharded_search(shards: Iterable[Shard]) -> tuple[SeenSearch, int, int]:
    """Start one actor per shard; returns (the search over all of them, shards, items)."""
    ray = _ray()
    holder = ray.remote(num_cpus=1)(ShardIndex)
    actors = []
    total = 0
    for shard in shards:
        total += len(shard[0])
        actors.append(holder.remote(shard))

    def search(pdqs: Sequence[str], threshold: int) -> list[list[tuple[int, int]]]:
        if not actors or not pdqs:
            return [[] for _ in pdqs]
        probes = ray.put(probe_codes(pdqs))
        parts = ray.get([a.search.remote(probes, threshold) for a in actors])
        return merge_rows(parts, len(pdqs))

    return search, len(actors), total
