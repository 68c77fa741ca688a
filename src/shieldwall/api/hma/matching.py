"""HMA's matching API (``/m/...``): look up hashes or media, compare hashes, index status.

Responses keep HMA's shapes (``{bank: [{"bank_content_id", "distance"}]}``) and add
what HMA's users ask for in its tracker: each match also names its ``bank``, the
``signal_type`` that matched and the submitter's ``content_id``; with
``include_hashes=true`` an upload lookup also returns the hashes it computed.
Extra keys never break an HMA client, which reads the keys it knows.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool

from shieldwall.api.deps import LookupCaller, RuntimeDep, ScanCaller
from shieldwall.api.hma.hashing import URL_FETCH_REFUSED
from shieldwall.api.hma.uploads import read_upload
from shieldwall.errors import InputError, UnsupportedFeatureError
from shieldwall.pipeline.hma_compat import (
    SIGNAL_TYPES,
    HmaMatch,
    compare,
    hash_media,
    index_status,
    lookup,
)
from shieldwall.runtime import Runtime

router = APIRouter(prefix="/m", tags=["hma"])


def _banks(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    return [b.strip() for b in raw.split(",") if b.strip()]


def _match_dict(m: HmaMatch) -> dict[str, Any]:
    return {
        "bank_content_id": m.bank_content_id,
        "distance": str(m.distance),
        "bank": m.bank,
        "signal_type": m.signal_type,
        "content_id": m.content_id,
    }


def _by_bank(matches: list[HmaMatch]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for m in matches:
        out.setdefault(m.bank, []).append(_match_dict(m))
    return out


def _lookup(rt: Runtime, signal_type: str, signal: str, banks: list[str] | None) -> list[HmaMatch]:
    return lookup(rt.matcher, rt.banks, signal_type, signal, banks=banks)


@router.get("/raw_lookup")
def raw_lookup(
    rt: RuntimeDep,
    _: LookupCaller,
    signal: str = Query(max_length=512),
    signal_type: str = Query(max_length=64),
    banks: str | None = Query(None, max_length=4096),
    include_distance: bool = False,
) -> dict[str, list[Any]]:
    """Matching content ids for one hash (objects with distance when asked)."""
    matches = _lookup(rt, signal_type, signal, _banks(banks))
    if include_distance:
        return {"matches": [_match_dict(m) for m in matches]}
    return {"matches": [m.bank_content_id for m in matches]}


@router.get("/lookup")
def lookup_get(
    rt: RuntimeDep,
    _: LookupCaller,
    signal: str | None = Query(None, max_length=512),
    signal_type: str | None = Query(None, max_length=64),
    url: str | None = Query(None, max_length=4096),
    banks: str | None = Query(None, max_length=4096),
    seed: str | None = Query(None, max_length=255),
    bypass_coinflip: bool = False,
) -> dict[str, list[dict[str, Any]]]:
    """Matches by bank for one hash. ``seed`` and ``bypass_coinflip`` are accepted and
    change nothing: a Shieldwall bank matches fully or not at all."""
    if url:
        raise UnsupportedFeatureError(URL_FETCH_REFUSED)
    if not signal or not signal_type:
        raise InputError("Either url or both signal and signal_type are required")
    return _by_bank(_lookup(rt, signal_type, signal, _banks(banks)))


@router.post("/lookup")
async def lookup_post(
    request: Request,
    rt: RuntimeDep,
    _caller: ScanCaller,
    banks: str | None = Query(None, max_length=4096),
    include_hashes: bool = False,
) -> dict[str, Any]:
    """Hash an uploaded file and look up each hash: ``{signal type: {bank: [match]}}``.

    Uploading media is what the ``scan`` scope grants (as for ``/v1/scan``), so a platform's
    scan key works here as it does on HMA; a lookup-only key can send hashes, not media."""
    upload = await read_upload(request, rt.settings.max_upload_bytes)
    hashes = await run_in_threadpool(
        hash_media,
        upload.content_type,
        upload.data,
        limits=rt.limits,
        types=request.query_params.get("types"),
    )
    wanted = _banks(banks)
    out: dict[str, Any] = {
        name: _by_bank(await run_in_threadpool(_lookup, rt, name, value, wanted))
        for name, value in hashes.items()
    }
    if include_hashes:
        out["hashes"] = hashes
    return out


@router.post("/compare")
async def compare_hashes(request: Request, rt: RuntimeDep, _: LookupCaller) -> dict[str, Any]:
    """``{"pdq": [a, b]}`` -> ``{"pdq": [matches, {"distance": n}]}`` (HMA's shape)."""
    try:
        body = await request.json()
    except ValueError as exc:
        raise InputError("Request input was not a dict") from exc
    if not isinstance(body, dict):
        raise InputError("Request input was not a dict")
    results: dict[str, Any] = {}
    for name, pair in body.items():
        if not isinstance(pair, list) or len(pair) != 2:
            raise InputError(f"Comparison hash list length must be exactly 2 ({name})")
        if not all(isinstance(v, str) for v in pair):
            raise InputError(f"Comparison hashes for {name} must be strings")
        matched, distance = compare(name, pair[0], pair[1], threshold=rt.settings.pdq_threshold)
        results[name] = [matched, {} if distance is None else {"distance": distance}]
    return results


@router.get("/index/status")
def status(
    rt: RuntimeDep, _: LookupCaller, signal_type: str | None = Query(None, max_length=64)
) -> dict[str, dict[str, Any]]:
    """Per signal type: whether the index is loaded, its size, and ``built_to`` (now:
    Shieldwall's index applies every bank change before a lookup, so it is never behind)."""
    sizes = index_status(rt.matcher)
    if signal_type is not None:
        if signal_type not in SIGNAL_TYPES:
            raise InputError(f"No such signal type '{signal_type}'")
        sizes = {signal_type: sizes[signal_type]}
    built_to = int(time.time())
    return {
        name: {"present": True, "built_to": built_to, "size": size} for name, size in sizes.items()
    }
