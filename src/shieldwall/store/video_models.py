"""The banked-video tables: videos kept in a bank by their per-second frame hashes.

- ``banked_videos``: one video in one bank, with its file digests, duration, frame count,
  provenance like a bank entry's, and a status. Withdrawing sets ``status = 'withdrawn'``
  and keeps the row, so a past match can still be explained.
- ``video_frames``: the video's frame hashes (PDQ, quality, timestamp), about one per second.

The file's MD5 and SHA-256 are *also* stored as ordinary bank entries (that is how StopNCII
shares videos, and the normal matcher finds them); the copies here let a withdrawal find
those entries and let a match name the file it came from.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shieldwall.store.models import TEXT_FIELD_MAX, Base, BigId, _enum_column, utcnow
from shieldwall.types import EntryStatus


class BankedVideoRow(Base):
    """One video in one bank, matched by its frames."""

    __tablename__ = "banked_videos"
    __table_args__ = (
        # The same file twice in one bank is one video (adding it again changes nothing).
        UniqueConstraint("bank_id", "sha256", name="uq_banked_videos_bank_sha256"),
        # Every process loads "active videos" into its video index.
        Index("ix_banked_videos_status_bank_id", "status", "bank_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("banks.id", ondelete="CASCADE"))
    md5: Mapped[str] = mapped_column(String(32))
    sha256: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    frame_count: Mapped[int] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(TEXT_FIELD_MAX))
    source: Mapped[str | None] = mapped_column(String(TEXT_FIELD_MAX))
    external_id: Mapped[str | None] = mapped_column(String(TEXT_FIELD_MAX))
    case_id: Mapped[str | None] = mapped_column(String(TEXT_FIELD_MAX))
    submitted_at: Mapped[datetime | None]
    status: Mapped[EntryStatus] = mapped_column(
        _enum_column(EntryStatus, "entry_status"), default=EntryStatus.ACTIVE
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]


class VideoFrameRow(Base):
    """One frame hash of a banked video."""

    __tablename__ = "video_frames"
    __table_args__ = (Index("ix_video_frames_video_id", "video_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("banked_videos.id", ondelete="CASCADE"))
    timestamp_s: Mapped[float] = mapped_column(Float)
    pdq: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int] = mapped_column(Integer)
