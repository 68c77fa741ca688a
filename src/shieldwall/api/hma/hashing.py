"""HMA's hashing API (``/h/hash``): media in, ``{signal type: hash}`` out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from shieldwall.api.deps import RuntimeDep, ScanCaller
from shieldwall.api.hma.uploads import read_upload
from shieldwall.errors import UnsupportedFeatureError
from shieldwall.pipeline.hma_compat import hash_media

router = APIRouter(prefix="/h", tags=["hma"])

URL_FETCH_REFUSED = (
    "Shieldwall never fetches media from a URL server-side (it would fetch whatever an "
    "API key holder points it at); upload the file with POST instead"
)


@router.get("/hash")
def hash_url(_: ScanCaller) -> dict[str, str]:
    """HMA's fetch-and-hash: refused, see ``URL_FETCH_REFUSED``."""
    raise UnsupportedFeatureError(URL_FETCH_REFUSED)


@router.post("/hash")
async def hash_upload(request: Request, rt: RuntimeDep, _: ScanCaller) -> dict[str, str]:
    """Hash one uploaded file (field name ``photo`` or ``video``); ``types`` (query,
    comma-separated) asks for more than HMA's default signal type."""
    upload = await read_upload(request, rt.settings.max_upload_bytes)
    return await run_in_threadpool(
        hash_media,
        upload.content_type,
        upload.data,
        limits=rt.limits,
        types=request.query_params.get("types"),
    )
