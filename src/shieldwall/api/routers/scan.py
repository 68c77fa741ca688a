"""``POST /v1/scan`` (media) and ``POST /v1/lookup`` (hashes): the hot path."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from shieldwall.api.deps import LookupCaller, RuntimeDep, ScanCaller, charge
from shieldwall.api.problems import ProblemError
from shieldwall.api.schemas import (
    CONTENT_ID_MAX,
    UPLOADER_ID_MAX,
    DecisionPublic,
    ItemErrorPublic,
    LookupBatchCreate,
    LookupBatchItem,
    LookupBatchResult,
    LookupCreate,
)
from shieldwall.api.views import decision_public
from shieldwall.errors import InputError, ShieldwallError
from shieldwall.pipeline.matcher import Query
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.policy import SURFACES
from shieldwall.storable import text_problem

router = APIRouter(prefix="/v1", tags=["scan"])

_META_FIELDS = ("content_id", "surface", "uploader_id", "text", "url", "jurisdictions")
_MAX_FIELD = 20_000

_SCAN_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file", "content_id"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "content_id": {"type": "string", "maxLength": CONTENT_ID_MAX},
                        "surface": {"type": "string", "enum": sorted(SURFACES)},
                        "uploader_id": {"type": "string", "maxLength": UPLOADER_ID_MAX},
                        "text": {"type": "string"},
                        "url": {"type": "string"},
                        "jurisdictions": {"type": "string", "description": "e.g. GB,US"},
                    },
                }
            },
            "application/octet-stream": {
                "schema": {"type": "string", "format": "binary"},
                "description": "Raw media bytes; metadata as query parameters.",
            },
        },
    }
}


@router.post(
    "/scan",
    response_model=DecisionPublic,
    openapi_extra=_SCAN_BODY,
    responses={413: {"description": "Too large"}, 415: {"description": "Unsupported media"}},
)
async def scan(request: Request, rt: RuntimeDep, _: ScanCaller) -> DecisionPublic:
    """Hash an upload, match it, run signals and the policy; the decision is stored first."""
    limit = rt.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise ProblemError(413, "file_too_large", f"the upload exceeds {limit} bytes")
    ctype = request.headers.get("content-type", "")
    fields: dict[str, Any]
    if ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=len(_META_FIELDS) + 1)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ProblemError(422, "invalid_input", "file: a multipart field 'file' is required")
        data = await upload.read(limit + 1)
        media_type = upload.content_type
        fields = {k: form.get(k) for k in _META_FIELDS if isinstance(form.get(k), str)}
    else:
        data = await _read_body(request, limit)
        media_type = ctype.split(";")[0] or None
        fields = {k: v for k, v in request.query_params.items() if k in _META_FIELDS}
    if len(data) > limit:
        raise ProblemError(413, "file_too_large", f"the upload exceeds {limit} bytes")
    meta = _meta(fields)
    outcome = await run_in_threadpool(rt.scanner.scan, meta, data, media_type=media_type)
    return decision_public(
        outcome.decision,
        created=outcome.created,
        item=outcome.item,
        elapsed_ms=outcome.elapsed_ms,
    )


@router.post("/lookup", response_model=DecisionPublic)
async def lookup(body: LookupCreate, rt: RuntimeDep, _: LookupCaller) -> DecisionPublic:
    """Decide on hashes the platform computed itself (no media leaves the platform).

    Decided on the event loop from memory; the answer waits only for the group commit
    that stores it (503 + Retry-After when too many writes are already waiting).
    """
    outcome = await rt.scanner.lookup_async(*lookup_request(body))
    return decision_public(
        outcome.decision,
        created=outcome.created,
        item=outcome.item,
        elapsed_ms=outcome.elapsed_ms,
    )


@router.post(
    "/lookup/batch",
    response_model=LookupBatchResult,
    responses={503: {"description": "Too many writes waiting; retry after Retry-After"}},
)
async def lookup_batch(
    request: Request, body: LookupBatchCreate, rt: RuntimeDep, caller: LookupCaller
) -> LookupBatchResult:
    """Up to 1,000 lookups in one request, each stored and decided as if sent alone.

    Answered in order: each result is a decision or, for an item that could not be read
    or decided, an ``error`` with a stable ``code``; a bad item never stops the others.
    Each item counts against the key's rate limit as one lookup (the request itself
    already took one unit; a refused batch stores nothing).
    """
    await run_in_threadpool(lambda: charge(request, caller, len(body.items), paid=1))
    requests: list[tuple[ScanMeta, Query] | ShieldwallError] = []
    for raw in body.items:
        try:
            requests.append(lookup_request(LookupCreate.model_validate(raw)))
        except ValidationError as exc:
            requests.append(InputError(_first_error(exc)))
        except ShieldwallError as exc:
            requests.append(exc)
    results = await rt.scanner.lookup_many_async(requests)
    return LookupBatchResult(
        results=[
            LookupBatchItem(
                index=i,
                error=ItemErrorPublic(code=r.code, detail=r.message, value=r.value),
            )
            if isinstance(r, ShieldwallError)
            else LookupBatchItem(
                index=i,
                decision=decision_public(
                    r.decision, created=r.created, item=r.item, elapsed_ms=r.elapsed_ms
                ),
            )
            for i, r in enumerate(results)
        ]
    )


def lookup_request(body: LookupCreate) -> tuple[ScanMeta, Query]:
    """The pipeline's item metadata and query for a lookup body (hex digests lower-cased)."""
    meta = ScanMeta(
        content_id=body.content_id,
        surface=body.surface,
        uploader_id=body.uploader_id,
        text=body.text,
        url=body.url,
        jurisdictions=tuple(body.jurisdictions),
        metadata=body.metadata,
    )
    query = Query(
        pdq=body.pdq.lower() if body.pdq else None,
        quality=body.quality,
        md5=body.md5.lower() if body.md5 else None,
        sha256=body.sha256.lower() if body.sha256 else None,
    )
    return meta, query


def _first_error(exc: ValidationError) -> str:
    err = exc.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(p) for p in err.get("loc", ())) or "item"
    return f"{where}: {err.get('msg', 'invalid')}"


async def _read_body(request: Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ProblemError(413, "file_too_large", f"the upload exceeds {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _meta(fields: dict[str, Any]) -> ScanMeta:
    for key, value in fields.items():
        if isinstance(value, str) and len(value) > _MAX_FIELD:
            raise InputError(f"{key}: longer than {_MAX_FIELD} characters")
        problem = text_problem(value) if isinstance(value, str) else None
        if problem:
            raise InputError(f"{key}: {problem}", value=value)
    uploader_id = fields.get("uploader_id")
    if isinstance(uploader_id, str) and len(uploader_id) > UPLOADER_ID_MAX:
        raise InputError(f"uploader_id: longer than {UPLOADER_ID_MAX} characters")
    content_id = fields.get("content_id")
    if not content_id:
        raise InputError("content_id: required")
    if len(content_id) > CONTENT_ID_MAX:
        raise InputError(f"content_id: longer than {CONTENT_ID_MAX} characters")
    surface = fields.get("surface") or "other"
    if surface not in SURFACES:
        raise InputError(f"surface: must be one of {', '.join(sorted(SURFACES))}", value=surface)
    jurisdictions = tuple(
        j.strip().upper() for j in (fields.get("jurisdictions") or "").split(",") if j.strip()
    )
    return ScanMeta(
        content_id=content_id,
        surface=surface,
        uploader_id=fields.get("uploader_id"),
        text=fields.get("text"),
        url=fields.get("url"),
        jurisdictions=jurisdictions,
    )
