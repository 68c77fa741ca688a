"""HMA's curation API (``/c/...``): banks and the content in them.

A bank's ``matching_enabled_ratio`` is 1.0 or 0.0: a Shieldwall bank is enabled or
not (a victim's hash matching on a coin flip would be a broken promise), so other
ratios are refused. Content is one bank entry (see :mod:`shieldwall.pipeline.hma_compat`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from shieldwall.api.deps import BanksReader, BanksWriter, RowId, RuntimeDep
from shieldwall.api.hma.hashing import URL_FETCH_REFUSED
from shieldwall.api.hma.uploads import content_id_from, is_multipart, read_upload
from shieldwall.errors import InputError, UnsupportedFeatureError
from shieldwall.pipeline import hma_compat
from shieldwall.pipeline.records import BankInfo
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose

router = APIRouter(prefix="/c", tags=["hma"])


def _bank(bank: BankInfo) -> dict[str, Any]:
    return {"name": bank.name, "matching_enabled_ratio": 1.0 if bank.enabled else 0.0}


def _enabled(enabled: object, ratio: object) -> bool | None:
    if ratio is not None:
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or ratio not in (0, 1):
            raise UnsupportedFeatureError(
                "enabled_ratio must be 0 or 1: a bank matches fully or not at all", value=ratio
            )
        return bool(ratio)
    if enabled is not None:
        if not isinstance(enabled, bool):
            raise InputError("enabled must be true or false", value=enabled)
        return enabled
    return None


async def _json_object(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise InputError("this endpoint expects a json object payload") from exc
    if not isinstance(body, dict):
        raise InputError("this endpoint expects a json object payload")
    return body


@router.get("/banks")
def banks_index(rt: RuntimeDep, _: BanksReader) -> list[dict[str, Any]]:
    return [_bank(b) for b in rt.banks.list_banks()]


@router.get("/bank/{bank_name}")
def bank_show(bank_name: str, rt: RuntimeDep, _: BanksReader) -> dict[str, Any]:
    return _bank(rt.banks.get_bank(name=bank_name))


@router.post("/banks", status_code=201)
async def bank_create(request: Request, rt: RuntimeDep, _: BanksWriter) -> dict[str, Any]:
    """Create a bank (``purpose``, a Shieldwall extension, defaults to ``internal``)."""
    body = await _json_object(request)
    name = body.get("name")
    if not isinstance(name, str):
        raise InputError("name is required")
    enabled = _enabled(body.get("enabled"), body.get("enabled_ratio"))
    purpose = body.get("purpose", BankPurpose.INTERNAL.value)
    if purpose not in {p.value for p in BankPurpose}:
        raise InputError("no such bank purpose", value=purpose)
    bank = rt.banks.create_bank(
        name=name,
        purpose=BankPurpose(purpose),
        threshold=rt.settings.pdq_threshold,
        description="created through the HMA-compatible API",
        enabled=True if enabled is None else enabled,
    )
    return _bank(bank)


@router.put("/bank/{bank_name}")
async def bank_update(
    bank_name: str, request: Request, rt: RuntimeDep, _: BanksWriter
) -> dict[str, Any]:
    body = await _json_object(request)
    new_name = body.get("name")
    if new_name is not None and new_name != bank_name:
        raise UnsupportedFeatureError(
            "banks cannot be renamed (their name is in audit events and exports)", value=new_name
        )
    enabled = _enabled(body.get("enabled"), body.get("enabled_ratio"))
    bank = rt.banks.update_bank(name=bank_name, enabled=enabled)
    rt.matcher.refresh()
    return _bank(bank)


@router.delete("/bank/{bank_name}")
def bank_delete(bank_name: str, rt: RuntimeDep, _: BanksWriter) -> dict[str, str]:
    rt.banks.delete_bank(name=bank_name)
    rt.matcher.refresh()
    return {"message": "Done"}


@router.get("/bank/{bank_name}/content/{content_id}")
def content_get(
    bank_name: str,
    content_id: RowId,
    rt: RuntimeDep,
    _: BanksReader,
    include_signals: bool = False,
    include_metadata: bool = True,
) -> dict[str, Any]:
    content = hma_compat.get_content(rt.banks, bank=bank_name, content_id=content_id)
    bank = rt.banks.get_bank(name=bank_name)
    out: dict[str, Any] = {
        "id": content.entry.id,
        "disable_until_ts": content.disable_until_ts,
        "original_media_uri": None,
        "bank": _bank(bank),
        "status": content.entry.status.value,
    }
    if include_signals:
        out["signals"] = {content.signal_name: content.entry.value}
    external = content.entry.provenance.external_id
    if include_metadata and external:
        out["metadata"] = {"content_id": external}
    return out


@router.post("/bank/{bank_name}/content")
async def content_add(
    bank_name: str, request: Request, rt: RuntimeDep, _: BanksWriter
) -> dict[str, Any]:
    """Bank an uploaded photo (PDQ, with its region hashes so edited copies match) or
    video (MD5 of the file)."""
    if request.query_params.get("url"):
        raise UnsupportedFeatureError(URL_FETCH_REFUSED)
    if not is_multipart(request):
        raise InputError("Neither `url` nor multipart file upload was received")
    rt.banks.get_bank(name=bank_name)
    upload = await read_upload(request, rt.settings.max_upload_bytes)
    content_id = content_id_from(upload.metadata, upload.note)
    hashes = await run_in_threadpool(
        hma_compat.hash_media, upload.content_type, upload.data, limits=rt.limits
    )
    variants: tuple[tuple[str, str], ...] = ()
    if "pdq" in hashes:
        variants = await run_in_threadpool(
            hma_compat.region_variants, upload.data, limits=rt.limits
        )
    return await run_in_threadpool(_add, request, rt, bank_name, hashes, content_id, variants)


@router.post("/bank/{bank_name}/signal")
async def signal_add(
    bank_name: str, request: Request, rt: RuntimeDep, _: BanksWriter
) -> dict[str, Any]:
    """Bank one hash: ``{"pdq": "..."}`` (optionally ``metadata``)."""
    body = await _json_object(request)
    content_id = content_id_from(body.pop("metadata", None), body.pop("note", None))
    return await run_in_threadpool(_add, request, rt, bank_name, body, content_id, ())


def _add(
    request: Request,
    rt: Runtime,
    bank: str,
    signals: dict[str, Any],
    content_id: str | None,
    variants: tuple[tuple[str, str], ...],
) -> dict[str, Any]:
    entry_id, stored = hma_compat.add_content(
        rt.banking,
        bank=bank,
        signals=signals,
        content_id=content_id,
        variants=variants,
        decided=request.app.state.decided,
    )
    return {"id": entry_id, "signals": stored}


@router.put("/bank/{bank_name}/content/{content_id}")
async def content_update(
    bank_name: str, content_id: RowId, request: Request, rt: RuntimeDep, _: BanksWriter
) -> dict[str, Any]:
    """``disable_until_ts``: 0 withdraws the entry; see :func:`hma_compat.disable_content`."""
    body = await _json_object(request)
    if body.get("note"):
        raise UnsupportedFeatureError("notes on bank content are not stored")
    raw = body.get("disable_until_ts")
    if raw is None:
        content = hma_compat.get_content(rt.banks, bank=bank_name, content_id=content_id)
    else:
        try:
            ts = int(raw)
        except (TypeError, ValueError) as exc:
            raise InputError("disable_until_ts must be an integer", value=raw) from exc
        content = await run_in_threadpool(
            lambda: hma_compat.disable_content(
                rt.banking, bank=bank_name, content_id=content_id, disable_until_ts=ts
            )
        )
    return {
        "id": content.entry.id,
        "disable_until_ts": content.disable_until_ts,
        "original_media_uri": None,
        "bank": _bank(rt.banks.get_bank(name=bank_name)),
        "status": content.entry.status.value,
    }


@router.delete("/bank/{bank_name}/content/{content_id}")
def content_delete(
    bank_name: str, content_id: RowId, rt: RuntimeDep, _: BanksWriter
) -> dict[str, int]:
    rt.banks.get_bank(name=bank_name)
    return {"deleted": hma_compat.delete_content(rt.banking, bank=bank_name, content_id=content_id)}


@router.get("/signal_type")
def signal_types(_: BanksReader) -> list[dict[str, Any]]:
    return [{"name": name, "enabled_ratio": 1.0} for name in hma_compat.SIGNAL_TYPES]


@router.get("/content_type")
def content_types(_: BanksReader) -> list[dict[str, Any]]:
    return [{"name": name, "enabled": True} for name in hma_compat.CONTENT_SIGNALS]
