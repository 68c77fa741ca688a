"""Corpus scans: every file of a folder tree (or object of a bucket) decided once, in batches,
resumably.

A platform adopting Shieldwall has millions of items it already holds. The batch shell
(``shieldwall batch scan``, on Ray) reads and hashes the items in parallel workers with
:func:`hash_item_row` and a :class:`CorpusReader` (a folder's, or a bucket's in
:mod:`shieldwall.batch.s3`), and hands the hashed rows back here a batch at a time:
:meth:`CorpusScan.decide` matches them, evaluates the policy and stores every item, its
decision and its outbox rows in ONE transaction through the same scan use case the API
uses (:meth:`ScanService.decide_hashed`).

Exactly once, across kills: an item's content id is its path inside the scanned tree (or
``s3://bucket/key``; with an optional prefix), and the items table is unique on content id.
A batch either commits whole or not at all, so after ``kill -9`` the restarted scan asks
:meth:`pending` which items are not yet stored, hashes only those, and an item that raced
in anyway (stored by an earlier run between the question and the write) gets its stored
decision back instead of a second one. The items table is the scan's manifest: no
separate checkpoint can drift from it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from shieldwall.errors import ShieldwallError
from shieldwall.hashing import DecodeLimits, decode_image
from shieldwall.hashing.files import read_limited
from shieldwall.pipeline.matcher import Query
from shieldwall.pipeline.queries import query_for_decoded
from shieldwall.pipeline.scan import MAX_CONTENT_ID, HashedMedia, ScanMeta, ScanService
from shieldwall.store import ItemStore

SOURCE = "batch"
"""The ``source`` of items and decisions a corpus scan stores (policies may test it)."""


@dataclass(frozen=True, slots=True)
class CorpusFile:
    """One item to scan: where it is, the content id it is stored under and, for an object
    in a bucket, what the listing said about it."""

    path: str
    """A file's path, or an object's ``s3://bucket/key`` (stored as the item's ``path``)."""
    content_id: str
    version: str = ""
    """The version the listing saw (an S3 ETag; empty for files): a reader hashes exactly
    this version or fails the item, so a decision never describes bytes nobody listed."""
    size: int = -1
    """The listed size in bytes (-1: unknown), so a reader can refuse an oversized object
    without asking for it."""


class CorpusReader(Protocol):
    """Reads one listed item's bytes inside a worker (a file, an object in a bucket).

    Must be picklable (Ray sends it to every worker) and refuse, with a typed
    :class:`~shieldwall.errors.ShieldwallError`, anything it cannot hand over within
    ``limits``: the error becomes that item's line and the scan goes on.
    """

    def read(self, item: CorpusFile, limits: DecodeLimits) -> bytes: ...


@dataclass(frozen=True, slots=True)
class FolderReader:
    """Reads files from the local file system (every Ray node mounts the corpus alike)."""

    def read(self, item: CorpusFile, limits: DecodeLimits) -> bytes:
        return read_limited(Path(item.path), limits)


def corpus_files(root: Path, *, prefix: str = "") -> list[CorpusFile]:
    """Every file under ``root`` (sorted walk, hidden names skipped, links kept inside the
    tree), each with its content id: ``prefix`` + its path relative to ``root``."""
    from shieldwall.hashing import iter_image_files

    root = Path(root)
    out = []
    for path in iter_image_files([root]):
        rel = path.name if path == root else path.relative_to(root).as_posix()
        out.append(CorpusFile(str(path), f"{prefix}{rel}"))
    return out


def hash_item_row(
    item: CorpusFile,
    reader: CorpusReader,
    *,
    limits: DecodeLimits,
    robust: bool = True,
    windows: bool = True,
) -> dict[str, Any]:
    """Read and hash one item into a flat row of strings and ints (what a worker sends back).

    A bad item becomes a row with its error code, never an exception: one unreadable file
    or object must not fail the batch of items around it.
    """
    try:
        data = reader.read(item, limits)
        decoded = decode_image(data, limits=limits, luma=True)  # hashed only: see decode_image
        query = query_for_decoded(data, decoded, robust=robust, windows=windows)
    except ShieldwallError as exc:
        return {**_EMPTY, "error": exc.code}
    return {
        "pdq": query.pdq,
        "quality": query.quality,
        "md5": query.md5,
        "sha256": query.sha256,
        "variants": ";".join(f"{name}={value}" for name, value in query.variants),
        "media_type": f"image/{decoded.format.lower()}",
        "width": decoded.original_width,
        "height": decoded.original_height,
        "error": "",
    }


_EMPTY: dict[str, Any] = {
    "pdq": "",
    "quality": -1,
    "md5": "",
    "sha256": "",
    "variants": "",
    "media_type": "",
    "width": -1,
    "height": -1,
}


@dataclass(frozen=True, slots=True)
class HashedRow:
    """A file as the workers hashed it (``error`` set when it could not be hashed)."""

    path: str
    content_id: str
    row: dict[str, Any]
    version: str = ""
    """:attr:`CorpusFile.version`: kept in the item's metadata (``etag``) as the version
    decided on, so a later audit can tell whether the object has changed since."""

    @property
    def error(self) -> str | None:
        return str(self.row.get("error") or "") or None

    def query(self) -> Query:
        r = self.row
        variants = tuple(
            (name, value)
            for name, _, value in (v.partition("=") for v in str(r["variants"]).split(";") if v)
        )
        return Query(
            pdq=r["pdq"] or None,
            quality=int(r["quality"]) if int(r["quality"]) >= 0 else None,
            md5=r["md5"] or None,
            sha256=r["sha256"] or None,
            variants=variants,
        )


@dataclass
class BatchTally:
    """What a scan has done so far (the CLI's progress line and ``--json`` summary)."""

    decided: int = 0
    """New decisions stored by this run."""
    already: int = 0
    """Files whose content id was stored before (an earlier, interrupted run; a repeat)."""
    failed: int = 0
    verdicts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    matched: list[str] = field(default_factory=list)
    """Content ids with at least one active bank match, in the order decided."""

    def summary(self) -> dict[str, object]:
        return {
            "decided": self.decided,
            "already_decided": self.already,
            "failed": self.failed,
            "verdicts": dict(sorted(self.verdicts.items())),
            "errors": dict(sorted(self.errors.items())),
            "matched": len(self.matched),
        }


@dataclass
class CorpusScan:
    """The corpus-scan use case: which files are left, and deciding a hashed batch."""

    scanner: ScanService
    items: ItemStore
    surface: str = "other"

    def pending(self, files: Sequence[CorpusFile]) -> list[CorpusFile]:
        """The files not yet decided, in order (content ids too long are kept: they fail
        as their own error line when decided)."""
        stored = self.items.stored_content_ids(
            [f.content_id for f in files if len(f.content_id) <= MAX_CONTENT_ID]
        )
        return [f for f in files if f.content_id not in stored]

    def decide(self, rows: Sequence[HashedRow], tally: BatchTally) -> list[dict[str, object]]:
        """Decide one hashed batch in one transaction; returns a line per file for output."""
        lines: list[dict[str, object]] = []
        good: list[tuple[HashedRow, HashedMedia]] = []
        for r in rows:
            try:
                if r.error is not None:
                    raise _RowError(r.error)
                metadata = {"path": r.path, **({"etag": r.version} if r.version else {})}
                meta = ScanMeta(content_id=r.content_id, surface=self.surface, metadata=metadata)
            except (ShieldwallError, _RowError) as exc:
                code = exc.code if isinstance(exc, ShieldwallError) else str(exc)
                tally.failed += 1
                tally.errors[code] += 1
                lines.append({"path": r.path, "content_id": r.content_id, "error": code})
                continue
            media = HashedMedia(
                meta,
                r.query(),
                media_type=str(r.row["media_type"]) or None,
                width=_positive(r.row["width"]),
                height=_positive(r.row["height"]),
            )
            good.append((r, media))
        outcomes = self.scanner.decide_hashed([m for _, m in good], source=SOURCE) if good else []
        for (r, _), out in zip(good, outcomes, strict=True):
            if out.created:
                tally.decided += 1
            else:
                tally.already += 1
            verdict = out.decision.verdict
            tally.verdicts[verdict] += 1
            hit = bool(out.decision.matches)
            if hit:
                tally.matched.append(r.content_id)
            lines.append(
                {
                    "path": r.path,
                    "content_id": r.content_id,
                    "decision_id": out.decision.id,
                    "verdict": verdict,
                    "matches": len(out.decision.matches),
                    "created": out.created,
                }
            )
        return lines


class _RowError(Exception):
    """A worker's error code carried to the per-file line."""


def _positive(value: object) -> int | None:
    number = int(value)  # type: ignore[call-overload]
    return number if number >= 0 else None
