"""``VideoStore``: banked videos and their frame hashes in SQL (SQLite or PostgreSQL).

Callers speak in the domain (bank a video, withdraw it, list the ones that match) and get
plain :class:`BankedVideo` records back; no ORM object leaves this module. Every public
method validates first (bank names, PDQ values, qualities, text lengths) and only then
touches the database; every change appends an audit event in the same transaction.

The in-memory video index (``shieldwall.pipeline.video_bank``) keeps itself current by
reading :meth:`VideoStore.signature` (one aggregate query) before each search and loading
only what changed, so a video withdrawn by another process stops matching on that
process's next search.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shieldwall.errors import InputError, NotFoundError
from shieldwall.hashing.values import normalize_hash
from shieldwall.store.audit_store import AuditWriter
from shieldwall.store.models import TEXT_FIELD_MAX, BankRow, utcnow
from shieldwall.store.queries import bank_row, batched
from shieldwall.store.transactions import SessionScoped
from shieldwall.store.video_models import BankedVideoRow, VideoFrameRow
from shieldwall.types import BankId, BankPurpose, EntryStatus, HashKind, Provenance

__all__ = ["BankedVideo", "FrameRecord", "VideoNotFoundError", "VideoStore"]

MAX_VIDEO_FRAMES = 7200
"""Most frame hashes one banked video may have (two hours at one per second)."""

_IN_CHUNK = 5_000  # bound parameters per IN (...) list, well under every driver's limit

FrameRecord = tuple[float, str, int]
"""One frame hash as ``(timestamp_s, pdq_hex, quality)``."""


class VideoNotFoundError(NotFoundError):
    """No banked video with this id (proposed for ``shieldwall.errors``)."""

    code = "video_not_found"


@dataclass(frozen=True, slots=True)
class BankedVideo:
    """One banked video with enough about its bank to explain a match."""

    id: int
    bank_id: BankId
    bank_name: str
    bank_purpose: BankPurpose
    bank_enabled: bool
    md5: str
    sha256: str
    duration_s: float
    frame_count: int
    category: str | None
    provenance: Provenance
    status: EntryStatus
    created_at: datetime
    withdrawn_at: datetime | None

    @property
    def matching(self) -> bool:
        """Whether the video takes part in matching: active, in an enabled bank."""
        return self.status is EntryStatus.ACTIVE and self.bank_enabled


def _record(row: BankedVideoRow, bank: BankRow) -> BankedVideo:
    return BankedVideo(
        id=row.id,
        bank_id=BankId(bank.id),
        bank_name=bank.name,
        bank_purpose=bank.purpose,
        bank_enabled=bank.enabled,
        md5=row.md5,
        sha256=row.sha256,
        duration_s=row.duration_s,
        frame_count=row.frame_count,
        category=row.category,
        provenance=Provenance(
            source=row.source,
            external_id=row.external_id,
            case_id=row.case_id,
            submitted_at=row.submitted_at,
        ),
        status=row.status,
        created_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
    )


def _check_text(name: str, value: str | None) -> None:
    if value is not None and len(value) > TEXT_FIELD_MAX:
        raise InputError(f"{name} is longer than {TEXT_FIELD_MAX} characters", value=value)


def _clean_frames(frames: Sequence[FrameRecord]) -> list[FrameRecord]:
    if not frames:
        raise InputError("a banked video needs at least one frame hash")
    if len(frames) > MAX_VIDEO_FRAMES:
        raise InputError(f"a banked video has at most {MAX_VIDEO_FRAMES} frames", value=len(frames))
    clean: list[FrameRecord] = []
    for t, pdq, quality in frames:
        if not 0 <= int(quality) <= 100:
            raise InputError("frame quality must be between 0 and 100", value=quality)
        if not float(t) >= 0.0:  # also refuses NaN
            raise InputError("frame timestamps must be zero or more", value=t)
        clean.append((float(t), normalize_hash(HashKind.PDQ, pdq), int(quality)))
    return clean


class VideoStore(SessionScoped):
    """Banked videos in a SQL database; holds no state, so threads may share one."""

    def __init__(
        self, sessions: sessionmaker[Session], *, audit: AuditWriter | None = None
    ) -> None:
        self._sessions = sessions
        self._audit = audit or AuditWriter()

    def add_video(
        self,
        *,
        bank: str,
        md5: str,
        sha256: str,
        duration_s: float,
        frames: Sequence[FrameRecord],
        provenance: Provenance | None = None,
        category: str | None = None,
    ) -> tuple[BankedVideo, bool]:
        """Bank a video by its frame hashes; returns the record and whether it was new.

        The same file (SHA-256) already in the bank is returned unchanged, whatever its
        status: withdrawing is a decision that re-adding the file must not quietly undo.
        """
        md5 = normalize_hash(HashKind.MD5, md5)
        sha256 = normalize_hash(HashKind.SHA256, sha256)
        clean = _clean_frames(frames)
        provenance = provenance or Provenance()
        for name, text in (
            ("category", category),
            ("source", provenance.source),
            ("external_id", provenance.external_id),
            ("case_id", provenance.case_id),
        ):
            _check_text(name, text)
        if not duration_s >= 0.0:
            raise InputError("duration must be zero or more", value=duration_s)
        with self._writing() as session:
            bank_rec = bank_row(session, bank)
            existing = session.scalars(
                select(BankedVideoRow).where(
                    BankedVideoRow.bank_id == bank_rec.id, BankedVideoRow.sha256 == sha256
                )
            ).first()
            if existing is not None:
                return _record(existing, bank_rec), False
            now = utcnow()
            row = BankedVideoRow(
                bank_id=bank_rec.id,
                md5=md5,
                sha256=sha256,
                duration_s=float(duration_s),
                frame_count=len(clean),
                category=category,
                source=provenance.source,
                external_id=provenance.external_id,
                case_id=provenance.case_id,
                submitted_at=provenance.submitted_at,
                status=EntryStatus.ACTIVE,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            session.add_all(
                VideoFrameRow(video_id=row.id, timestamp_s=t, pdq=pdq, quality=q)
                for t, pdq, q in clean
            )
            self._audit.append(
                session,
                action="video.banked",
                subject_type="banked_video",
                subject_id=str(row.id),
                details={"bank": bank, "sha256": sha256, "frames": len(clean)},
            )
            return _record(row, bank_rec), True

    def withdraw_video(self, *, video_id: int) -> BankedVideo:
        """Take a banked video out of matching; its row and frames are kept (idempotent)."""
        with self._writing() as session:
            found = session.execute(
                select(BankedVideoRow, BankRow)
                .join(BankRow, BankRow.id == BankedVideoRow.bank_id)
                .where(BankedVideoRow.id == video_id)
            ).first()
            if found is None:
                raise VideoNotFoundError("no banked video with this id", value=video_id)
            row, bank = found
            if row.status is EntryStatus.ACTIVE:
                now = utcnow()
                row.status = EntryStatus.WITHDRAWN
                row.withdrawn_at = now
                row.updated_at = now
                session.flush()
                self._audit.append(
                    session,
                    action="video.withdrawn",
                    subject_type="banked_video",
                    subject_id=str(row.id),
                    details={"bank": bank.name, "sha256": row.sha256},
                )
            return _record(row, bank)

    def get_video(self, *, video_id: int) -> BankedVideo:
        """One banked video by id; raises :class:`VideoNotFoundError`."""
        found = self.videos_by_ids(ids=[video_id])
        if video_id not in found:
            raise VideoNotFoundError("no banked video with this id", value=video_id)
        return found[video_id]

    def videos_by_ids(self, *, ids: Iterable[int]) -> dict[int, BankedVideo]:
        """The banked videos with these ids (missing ids are left out)."""
        out: dict[int, BankedVideo] = {}
        with self._reading() as session:
            for chunk in batched(sorted(set(ids)), _IN_CHUNK):
                rows = session.execute(
                    select(BankedVideoRow, BankRow)
                    .join(BankRow, BankRow.id == BankedVideoRow.bank_id)
                    .where(BankedVideoRow.id.in_(chunk))
                ).all()
                out.update((row.id, _record(row, bank)) for row, bank in rows)
        return out

    def list_videos(self, *, bank: str | None = None, limit: int = 1000) -> list[BankedVideo]:
        """Banked videos (all statuses), newest first, optionally of one bank."""
        query = select(BankedVideoRow, BankRow).join(BankRow, BankRow.id == BankedVideoRow.bank_id)
        if bank is not None:
            query = query.where(BankRow.name == bank)
        query = query.order_by(BankedVideoRow.id.desc()).limit(limit)
        with self._reading() as session:
            return [_record(row, b) for row, b in session.execute(query).all()]

    def signature(self) -> tuple[int, int]:
        """``(highest video id, number of matching videos)``: changes whenever the set does.

        A new video raises the first number; a withdrawal, a deleted or disabled bank
        lowers the second; a re-enabled bank raises it. One aggregate query, cheap enough
        to run before every search.
        """
        with self._reading() as session:
            top = session.scalar(select(func.max(BankedVideoRow.id))) or 0
            count = session.scalar(
                select(func.count(BankedVideoRow.id))
                .join(BankRow, BankRow.id == BankedVideoRow.bank_id)
                .where(BankedVideoRow.status == EntryStatus.ACTIVE, BankRow.enabled.is_(True))
            )
        return int(top), int(count or 0)

    def matching_video_ids(self) -> set[int]:
        """Ids of the videos that take part in matching (active, bank enabled)."""
        with self._reading() as session:
            ids = session.scalars(
                select(BankedVideoRow.id)
                .join(BankRow, BankRow.id == BankedVideoRow.bank_id)
                .where(BankedVideoRow.status == EntryStatus.ACTIVE, BankRow.enabled.is_(True))
            ).all()
        return set(ids)

    def frames_of(self, *, ids: Iterable[int]) -> dict[int, list[FrameRecord]]:
        """The frame hashes of these videos, in time order."""
        out: dict[int, list[FrameRecord]] = defaultdict(list)
        with self._reading() as session:
            for chunk in batched(sorted(set(ids)), _IN_CHUNK):
                rows = session.execute(
                    select(
                        VideoFrameRow.video_id,
                        VideoFrameRow.timestamp_s,
                        VideoFrameRow.pdq,
                        VideoFrameRow.quality,
                    )
                    .where(VideoFrameRow.video_id.in_(chunk))
                    .order_by(VideoFrameRow.video_id, VideoFrameRow.timestamp_s)
                ).all()
                for video_id, t, pdq, quality in rows:
                    out[video_id].append((t, pdq, quality))
        return dict(out)
