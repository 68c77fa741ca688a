"""Banking and matching videos: frame hashes in a shared index, file digests in the banks.

A banked video is kept twice over, on purpose. Its per-second PDQ frame hashes go to the
``banked_videos`` tables (:class:`~shieldwall.store.videos.VideoStore`) and into one
process-wide :class:`~shieldwall.pipeline.video_index.VideoIndex`, which finds re-encoded
copies, trimmed clips and clips inside longer videos. Its file MD5 and SHA-256 go into the
bank as ordinary entries, because that is what StopNCII shares for videos and what the
normal matcher already finds byte-identical files by.

The index is loaded from the store on first use and kept current incrementally: before each
search one aggregate query (:meth:`VideoStore.signature`) tells whether any process banked
or withdrew a video since; only then are the matching ids re-read and the new videos'
frames loaded. ``VideoIndex`` cannot delete, so videos that stopped matching are filtered out
of results at once and the index is rebuilt when they make up a large share of it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from shieldwall.config import Settings
from shieldwall.errors import (
    EmptyFileError,
    EntryNotFoundError,
    FileTooLargeError,
    ShieldwallError,
)
from shieldwall.hashing import DecodeLimits
from shieldwall.hashing.files import read_limited
from shieldwall.hashing.video import (
    MAX_FRAME_PIXELS,
    FrameHash,
    VideoError,
    VideoHashes,
    hash_video,
)
from shieldwall.pipeline.matcher import Matcher, Query
from shieldwall.pipeline.video_index import VideoIndex
from shieldwall.store import BankStore
from shieldwall.store.videos import BankedVideo, VideoStore
from shieldwall.types import (
    DEFAULT_PDQ_THRESHOLD,
    DEFAULT_QUALITY_THRESHOLD,
    EntryStatus,
    HashKind,
    Match,
    NewEntry,
    Provenance,
)

__all__ = [
    "DEFAULT_MIN_PCT",
    "BankedVideoResult",
    "VideoBank",
    "VideoBankHit",
    "VideoMatchReport",
    "hash_video_bytes",
    "hash_video_file",
    "video_bank_for",
]

DEFAULT_MIN_PCT = 50.0
"""Share of the query's frames (percent) that must match a banked video to call it a match."""

_REBUILD_SHARE = 0.25
"""Rebuild the index when this share of its videos no longer match (it cannot delete)."""


def hash_video_bytes(
    data: bytes, *, max_bytes: int, max_pixels: int = MAX_FRAME_PIXELS, name: str | None = None
) -> VideoHashes:
    """Hash an uploaded video, turning every way it can be bad into a typed error.

    Empty -> ``empty_file``; over ``max_bytes`` -> ``file_too_large``; frames over
    ``max_pixels`` -> ``decompression_bomb`` (from the header, nothing decoded); anything FFmpeg or
    Pillow cannot read (not a video, truncated, no frames) -> ``video_error``. Nothing
    else escapes: a hostile upload gets a 4xx problem or a per-file CLI error, never a 500.
    """
    if not data:
        raise EmptyFileError("the file is empty (0 bytes)", value=name)
    if len(data) > max_bytes:
        raise FileTooLargeError(f"the file is over {max_bytes} bytes", value=name)
    try:
        return hash_video(data, max_pixels=max_pixels)
    except ShieldwallError:
        raise
    except Exception as exc:  # a decoder bug must not become a 500 or a traceback
        raise VideoError("the video cannot be decoded", value=f"{name}: {exc}") from exc


def hash_video_file(
    path: Path, *, max_bytes: int, max_pixels: int = MAX_FRAME_PIXELS
) -> VideoHashes:
    """:func:`hash_video_bytes` for a file, refused before reading when it is too large."""
    data = read_limited(path, DecodeLimits(max_bytes=max_bytes))
    return hash_video_bytes(data, max_bytes=max_bytes, max_pixels=max_pixels, name=str(path))


@dataclass(frozen=True, slots=True)
class BankedVideoResult:
    """What banking one video did: the video record, whether it was new, its digest entries."""

    video: BankedVideo
    created: bool
    entry_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class VideoBankHit:
    """A banked video sharing frames with the query.

    ``query_pct`` is the share of the query's distinct good frames found in the banked
    video (a clip cut from it scores ~100), ``target_pct`` the share of the banked video's
    frames found in the query (a whole copy scores ~100, a short clip little).
    """

    video: BankedVideo
    query_pct: float
    target_pct: float


@dataclass(frozen=True, slots=True)
class VideoMatchReport:
    """Everything a video matched: banked videos by frames, bank entries by file digest."""

    videos: tuple[VideoBankHit, ...]
    exact: tuple[Match, ...]
    frames: int
    usable_frames: int
    notes: tuple[str, ...] = field(default=())

    @property
    def matched(self) -> bool:
        return bool(self.videos) or any(not m.suppressed for m in self.exact)


class VideoBank:
    """Banks videos and matches uploads against the banked ones; thread-safe."""

    def __init__(
        self,
        *,
        videos: VideoStore,
        banks: BankStore,
        matcher: Matcher | None = None,
        quality_min: int = DEFAULT_QUALITY_THRESHOLD,
        threshold: int = DEFAULT_PDQ_THRESHOLD,
    ) -> None:
        self.videos = videos
        self._banks = banks
        self._matcher = matcher
        self.quality_min = quality_min
        self.threshold = threshold
        self._lock = threading.RLock()
        self._index: VideoIndex | None = None
        self._indexed: set[int] = set()
        self._live: set[int] = set()
        self._signature: tuple[int, int] | None = None

    # -- writes ---------------------------------------------------------------------------

    def add(
        self,
        bank: str,
        video: VideoHashes,
        *,
        provenance: Provenance | None = None,
        category: str | None = None,
    ) -> BankedVideoResult:
        """Bank a video: its frames for near-duplicate matching, its MD5/SHA-256 as entries.

        The frames go in first: if the digest entries then fail, adding again is harmless
        (both steps are idempotent on the file's SHA-256).
        """
        provenance = provenance or Provenance()
        record, created = self.videos.add_video(
            bank=bank,
            md5=video.md5,
            sha256=video.sha256,
            duration_s=video.duration,
            frames=[(f.timestamp_s, f.pdq, f.quality) for f in video.frames],
            provenance=provenance,
            category=category,
        )
        entry_ids: tuple[int, ...] = ()
        if record.status is EntryStatus.ACTIVE:
            result = self._banks.add_entries(
                bank=bank,
                entries=[
                    NewEntry(HashKind.MD5, video.md5, provenance, category),
                    NewEntry(HashKind.SHA256, video.sha256, provenance, category),
                ],
            )
            entry_ids = tuple(result.ids)
        self._after_change()
        return BankedVideoResult(record, created, entry_ids)

    def withdraw(self, video_id: int) -> BankedVideo:
        """Take a banked video out of matching at once, with its MD5/SHA-256 entries."""
        record = self.videos.withdraw_video(video_id=video_id)
        for kind, value in ((HashKind.MD5, record.md5), (HashKind.SHA256, record.sha256)):
            try:
                self._banks.withdraw_entry(bank=record.bank_name, signal_type=kind, value=value)
            except EntryNotFoundError:  # deleted by hand already: nothing left to withdraw
                continue
        self._after_change()
        return record

    def _after_change(self) -> None:
        with self._lock:
            self._signature = None  # re-read on the next search
        if self._matcher is not None and self._matcher.loaded:
            self._matcher.refresh()

    # -- matching -------------------------------------------------------------------------

    def match(
        self,
        video: VideoHashes,
        *,
        min_pct: float = DEFAULT_MIN_PCT,
        min_target_pct: float = DEFAULT_MIN_PCT,
        threshold: int | None = None,
    ) -> VideoMatchReport:
        """Banked videos that match, best first, and bank entries holding the file's exact
        MD5/SHA-256.

        A banked video matches when at least ``min_pct`` percent of the query's frames are
        in it (a copy, or a clip cut from it) *or* at least ``min_target_pct`` percent of its
        frames are in the query (the banked video inside a longer compilation, where it is
        only a small share of the query's frames).
        """
        index, live = self._current()
        hits = index.search(video, threshold=self.threshold if threshold is None else threshold)
        wanted = [
            h
            for h in hits
            if h.video_id in live and (h.query_pct >= min_pct or h.target_pct >= min_target_pct)
        ]
        records = self.videos.videos_by_ids(ids=[h.video_id for h in wanted])
        found = tuple(
            VideoBankHit(records[h.video_id], round(h.query_pct, 1), round(h.target_pct, 1))
            for h in wanted
            if h.video_id in records and records[h.video_id].matching
        )
        exact: tuple[Match, ...] = ()
        if self._matcher is not None:
            outcome = self._matcher.match(Query(md5=video.md5, sha256=video.sha256))
            exact = outcome.matches
        usable = len({f.pdq for f in video.frames if f.quality >= self.quality_min})
        notes: tuple[str, ...] = ()
        if usable == 0:
            notes = (f"no frame has PDQ quality >= {self.quality_min}: only exact digests",)
        return VideoMatchReport(found, exact, len(video.frames), usable, notes)

    def _current(self) -> tuple[VideoIndex, frozenset[int]]:
        signature = self.videos.signature()
        with self._lock:
            if self._index is None or signature != self._signature:
                self._sync(signature)
            assert self._index is not None
            return self._index, frozenset(self._live)

    def _sync(self, signature: tuple[int, int]) -> None:
        live = self.videos.matching_video_ids()
        stale = len(self._indexed - live)
        if self._index is None or stale > _REBUILD_SHARE * max(len(self._indexed), 1):
            self._index = VideoIndex(quality_min=self.quality_min)
            self._indexed = set()
        new = live - self._indexed
        for video_id, frames in self.videos.frames_of(ids=new).items():
            self._index.add(video_id, _as_hashes(frames))
            self._indexed.add(video_id)
        self._live = live
        self._signature = signature

    def __len__(self) -> int:
        """Number of banked videos that currently match."""
        return len(self._current()[1])


def _as_hashes(frames: Sequence[tuple[float, str, int]]) -> VideoHashes:
    # The index needs only the frames; the digests live in the bank entries.
    return VideoHashes(
        frames=tuple(FrameHash(t, pdq, q) for t, pdq, q in frames), md5="", sha256="", duration=0.0
    )


class _RuntimeLike(Protocol):
    """What :func:`video_bank_for` needs from ``shieldwall.runtime.Runtime``."""

    @property
    def settings(self) -> Settings: ...
    @property
    def banks(self) -> BankStore: ...
    @property
    def matcher(self) -> Matcher: ...


_SHARED_LOCK = threading.Lock()
_ATTRIBUTE = "_shieldwall_video_bank"


def video_bank_for(runtime: _RuntimeLike) -> VideoBank:
    """The process-wide :class:`VideoBank` of ``runtime``, created on first use.

    Kept on the runtime object itself, so it lives exactly as long as the runtime (a
    module-level cache would keep every test's runtime alive). Meant to become a
    ``Runtime`` property; kept here until the composition root owns it.
    """
    bank: VideoBank | None = getattr(runtime, _ATTRIBUTE, None)
    if bank is not None:
        return bank
    with _SHARED_LOCK:
        bank = getattr(runtime, _ATTRIBUTE, None)
        if bank is None:
            store = runtime.banks
            bank = VideoBank(
                # The bank store's sessions and audit writer, so video events join the same
                # signed audit chain (Runtime does not expose the writer yet).
                videos=VideoStore(store._sessions, audit=store._audit),
                banks=store,
                matcher=runtime.matcher,
                quality_min=runtime.settings.quality_threshold,
                threshold=runtime.settings.pdq_threshold,
            )
            setattr(runtime, _ATTRIBUTE, bank)
        return bank
