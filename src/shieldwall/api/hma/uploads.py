"""Reading HMA-style multipart uploads: one file whose field name is its content type
(``photo`` or ``video``), optionally with ``metadata`` (JSON) and ``note`` fields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from shieldwall.errors import InputError, UnsupportedFeatureError
from shieldwall.pipeline.hma_compat import check_content_type

_MAX_FIELDS = 4


@dataclass(frozen=True, slots=True)
class Upload:
    content_type: str
    data: bytes
    metadata: dict[str, Any] | None
    note: str | None


def is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("multipart/form-data")


async def read_upload(request: Request, limit: int) -> Upload:
    """The one uploaded file and its fields; clear errors for anything else."""
    if not is_multipart(request):
        raise InputError("send the media as multipart/form-data with a 'photo' or 'video' field")
    try:
        form = await request.form(max_files=2, max_fields=_MAX_FIELDS)
    except Exception as exc:  # python-multipart's errors carry no stable type
        raise InputError(f"unreadable multipart body: {exc}") from exc
    files = [(k, v) for k, v in form.multi_items() if isinstance(v, UploadFile)]
    if not files:
        raise InputError("Missing multipart/form-data file upload")
    if len(files) > 1:
        raise InputError("Only one file allowed per request")
    field, upload = files[0]
    content_type = check_content_type(field)
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InputError(f"the upload exceeds {limit} bytes")
    metadata = _metadata(form.get("metadata"))
    note = form.get("note")
    return Upload(content_type, data, metadata, note if isinstance(note, str) else None)


def _metadata(raw: object) -> dict[str, Any] | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise InputError("metadata form field must be valid JSON")
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise InputError("metadata form field must be valid JSON") from exc
    if not isinstance(value, dict):
        raise InputError("metadata should be a json object")
    return value


def content_id_from(metadata: dict[str, Any] | None, note: str | None) -> str | None:
    """The submitter's content id from HMA metadata; fields Shieldwall cannot keep are
    refused rather than silently dropped."""
    if note:
        raise UnsupportedFeatureError(
            "notes on bank content are not stored; keep them on your side", value=note
        )
    if not metadata:
        return None
    extra = sorted(set(metadata) - {"content_id", "collab"})
    if extra:
        raise UnsupportedFeatureError(
            "only metadata.content_id is stored with bank content", value=",".join(extra)
        )
    content_id = metadata.get("content_id")
    if content_id is not None and (not isinstance(content_id, str) or len(content_id) > 255):
        raise InputError("metadata.content_id must be a string of at most 255 characters")
    return content_id
