"""``POST /v1/videos/match`` and ``POST /v1/banks/{name}/videos``: video uploads.

Both take a multipart upload (field ``file``), hash it about once a second (PDQ per frame)
plus MD5/SHA-256, and hand it to :mod:`shieldwall.pipeline.video_bank`. Every bad upload
(empty, too large, not a video, truncated) is a problem+json with a stable code, raised as
a ``shieldwall.errors`` subclass; decoding runs in the thread pool, off the event loop.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from shieldwall.api.deps import BanksWriter, RuntimeDep, ScanCaller
from shieldwall.errors import FileTooLargeError, InputError
from shieldwall.pipeline.records import BankedVideo
from shieldwall.pipeline.video_bank import (
    DEFAULT_MIN_PCT,
    VideoMatchReport,
    hash_video_bytes,
    video_bank_for,
)
from shieldwall.types import Provenance

router = APIRouter(tags=["videos"])

_FIELDS = (
    "min_pct",
    "min_target_pct",
    "source",
    "external_id",
    "case_id",
    "category",
    "submitted_at",
)
_MAX_FIELD = 1_000


class BankedVideoPublic(BaseModel):
    id: int
    bank: str
    status: str
    md5: str
    sha256: str
    duration_s: float
    frame_count: int
    category: str | None
    source: str | None
    external_id: str | None
    case_id: str | None
    created_at: datetime


class BankedVideoCreated(BaseModel):
    video: BankedVideoPublic
    created: bool = Field(description="False when this file was already in the bank.")
    entry_ids: list[int] = Field(description="The bank entries holding its MD5 and SHA-256.")


class VideoHitPublic(BaseModel):
    video: BankedVideoPublic
    query_pct: float = Field(description="Share of the upload's frames found in this video.")
    target_pct: float = Field(description="Share of this video's frames found in the upload.")


class ExactMatchPublic(BaseModel):
    bank: str
    entry_id: int
    signal_type: str
    suppressed_by: int | None


class VideoMatchPublic(BaseModel):
    matched: bool
    md5: str
    sha256: str
    frames: int
    usable_frames: int
    min_pct: float
    min_target_pct: float
    videos: list[VideoHitPublic]
    exact: list[ExactMatchPublic]
    notes: list[str]


def _public(v: BankedVideo) -> BankedVideoPublic:
    return BankedVideoPublic(
        id=v.id,
        bank=v.bank_name,
        status=str(v.status),
        md5=v.md5,
        sha256=v.sha256,
        duration_s=v.duration_s,
        frame_count=v.frame_count,
        category=v.category,
        source=v.provenance.source,
        external_id=v.provenance.external_id,
        case_id=v.provenance.case_id,
        created_at=v.created_at,
    )


_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        **{name: {"type": "string"} for name in _FIELDS},
                    },
                }
            }
        },
    }
}


async def _upload(request: Request, limit: int) -> tuple[bytes, str | None, FormData]:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise FileTooLargeError(f"the upload exceeds {limit} bytes")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise InputError("send the video as multipart/form-data in a field named 'file'")
    form = await request.form(max_files=1, max_fields=len(_FIELDS) + 1)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise InputError("file: a multipart field 'file' is required")
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise FileTooLargeError(f"the upload exceeds {limit} bytes", value=upload.filename)
    return data, upload.filename, form


def _text(form: FormData, name: str) -> str | None:
    value = form.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > _MAX_FIELD:
        raise InputError(f"{name}: expected text of at most {_MAX_FIELD} characters")
    return value


def _pct(form: FormData, name: str) -> float:
    raw = _text(form, name)
    try:
        value = DEFAULT_MIN_PCT if raw is None else float(raw)
    except ValueError:
        raise InputError(f"{name}: expected a number from 0 to 100", value=raw) from None
    if not 0.0 <= value <= 100.0:  # also refuses NaN
        raise InputError(f"{name}: expected a number from 0 to 100", value=raw)
    return value


@router.post(
    "/v1/videos/match",
    response_model=VideoMatchPublic,
    openapi_extra=_UPLOAD_BODY,
    responses={413: {"description": "Too large"}, 415: {"description": "Not a video"}},
)
async def match_video(request: Request, rt: RuntimeDep, _: ScanCaller) -> VideoMatchPublic:
    """Banked videos sharing at least ``min_pct`` % of the upload's frames (or whose own
    frames are at least ``min_target_pct`` % in it), and bank entries holding its exact
    MD5/SHA-256."""
    limit = rt.settings.max_upload_bytes
    data, name, form = await _upload(request, limit)
    min_pct = _pct(form, "min_pct")
    min_target_pct = _pct(form, "min_target_pct")

    def work() -> tuple[VideoMatchReport, str, str]:
        video = hash_video_bytes(
            data,
            max_bytes=limit,
            max_pixels=rt.settings.max_video_frame_pixels,
            name=name,
        )
        report = video_bank_for(rt).match(video, min_pct=min_pct, min_target_pct=min_target_pct)
        return report, video.md5, video.sha256

    report, md5, sha256 = await run_in_threadpool(work)
    return VideoMatchPublic(
        matched=report.matched,
        md5=md5,
        sha256=sha256,
        frames=report.frames,
        usable_frames=report.usable_frames,
        min_pct=min_pct,
        min_target_pct=min_target_pct,
        videos=[
            VideoHitPublic(video=_public(h.video), query_pct=h.query_pct, target_pct=h.target_pct)
            for h in report.videos
        ],
        exact=[
            ExactMatchPublic(
                bank=m.bank,
                entry_id=m.entry_id,
                signal_type=str(m.signal_type),
                suppressed_by=m.suppressed_by,
            )
            for m in report.exact
        ],
        notes=list(report.notes),
    )


@router.post(
    "/v1/banks/{name}/videos",
    response_model=BankedVideoCreated,
    status_code=201,
    openapi_extra=_UPLOAD_BODY,
    responses={413: {"description": "Too large"}, 415: {"description": "Not a video"}},
)
async def bank_video(
    name: str, request: Request, rt: RuntimeDep, _: BanksWriter
) -> BankedVideoCreated:
    """Bank a video: frame hashes as a banked video, MD5/SHA-256 as ordinary entries."""
    limit = rt.settings.max_upload_bytes
    data, filename, form = await _upload(request, limit)
    submitted = _text(form, "submitted_at")
    try:
        submitted_at = None if submitted is None else datetime.fromisoformat(submitted)
    except ValueError:
        raise InputError("submitted_at: expected an ISO 8601 time", value=submitted) from None
    provenance = Provenance(
        source=_text(form, "source"),
        external_id=_text(form, "external_id"),
        case_id=_text(form, "case_id"),
        submitted_at=submitted_at,
    )
    category = _text(form, "category")

    def work() -> BankedVideoCreated:
        rt.banks.get_bank(name=name)  # an unknown bank is a 404 before any decoding
        video = hash_video_bytes(
            data,
            max_bytes=limit,
            max_pixels=rt.settings.max_video_frame_pixels,
            name=filename,
        )
        result = video_bank_for(rt).add(name, video, provenance=provenance, category=category)
        return BankedVideoCreated(
            video=_public(result.video), created=result.created, entry_ids=list(result.entry_ids)
        )

    return await run_in_threadpool(work)
