"""Banked videos and their frame hashes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25

Written by hand and frozen like 0001: the entry statuses are spelled out here rather than
imported, so changing ``shieldwall.types`` later needs a new migration.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "banked_videos",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("md5", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("duration_s", sa.Float(), nullable=False),
        sa.Column("frame_count", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(255), nullable=True),
        sa.Column("source", sa.String(255), nullable=True),
        sa.Column("external_id", sa.String(255), nullable=True),
        sa.Column("case_id", sa.String(255), nullable=True),
        sa.Column("submitted_at", _TS, nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("withdrawn_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_banked_videos"),
        sa.ForeignKeyConstraint(
            ["bank_id"], ["banks.id"], name="fk_banked_videos_bank_id_banks", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("bank_id", "sha256", name="uq_banked_videos_bank_sha256"),
        sa.CheckConstraint(
            "status IN ('active', 'withdrawn', 'deleted')", name="ck_banked_videos_entry_status"
        ),
    )
    op.create_index("ix_banked_videos_status_bank_id", "banked_videos", ["status", "bank_id"])
    op.create_table(
        "video_frames",
        sa.Column("id", _BIG_ID, nullable=False),
        sa.Column("video_id", _BIG_ID, nullable=False),
        sa.Column("timestamp_s", sa.Float(), nullable=False),
        sa.Column("pdq", sa.String(64), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_video_frames"),
        sa.ForeignKeyConstraint(
            ["video_id"],
            ["banked_videos.id"],
            name="fk_video_frames_video_id_banked_videos",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_video_frames_video_id", "video_frames", ["video_id"])


def downgrade() -> None:
    op.drop_table("video_frames")
    op.drop_table("banked_videos")
