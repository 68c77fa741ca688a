"""Indicator lists over HTTP: create, list, add, bulk import, remove, export.

Indicator lists (nudify bots, domains, URL prefixes, keywords, app ids) are managed like hash
banks, with the same scopes: ``banks:read`` to read and export, ``banks:write`` to change.
Every change is visible to this replica's scans at once (the runtime reloads the lists) and to
other replicas within ``INDICATOR_REFRESH_S`` seconds.

Imports never fail as a whole because of one bad record: the answer counts what was added,
updated and left unchanged, and lists each refused record with its position and a stable code.
Whole-request mistakes (not JSON, a body that is not an object, an unknown format, a body over
the size limit) are problem+json 4xx answers.
"""

from __future__ import annotations

import builtins
import io
import itertools
import json
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from typing import IO, Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from shieldwall.api.deps import BanksReader, BanksWriter, RowId, RuntimeDep
from shieldwall.api.problems import ProblemError
from shieldwall.api.schemas import StrictBody as _Strict
from shieldwall.exchange.indicators import (
    RecordProblem,
    read_csv,
    read_misp,
    read_stix,
    to_misp_event,
    to_stix_bundle,
    write_csv,
)
from shieldwall.pipeline.records import (
    DESCRIPTION_MAX,
    ImportReport,
    IndicatorListInfo,
    StoredIndicator,
    default_id,
)
from shieldwall.runtime import Runtime
from shieldwall.signals.text import Indicator, IndicatorKind, InvalidIndicatorError

router = APIRouter(prefix="/v1/indicator-lists", tags=["indicator lists"])

MAX_JSON_RECORDS = 10_000
"""Most indicators in one JSON request; larger sets go through a file import."""

_EXPORT_BATCH = 2_000
_SPOOL_BYTES = 1024 * 1024
ListName = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Text = Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX)]


class FeedFormat(StrEnum):
    """The indicator feed formats Shieldwall reads and writes."""

    CSV = "csv"
    STIX = "stix"
    MISP = "misp"


class IndicatorListCreate(_Strict):
    name: ListName
    source: Annotated[str, StringConstraints(max_length=255)] = ""
    description: Text = ""
    enabled: bool = True


class IndicatorListUpdate(_Strict):
    enabled: bool | None = None
    source: Annotated[str, StringConstraints(max_length=255)] | None = None
    description: Text | None = None


class IndicatorListPublic(BaseModel):
    name: str
    source: str
    description: str
    enabled: bool
    active_indicators: int
    created_at: datetime
    updated_at: datetime


class IndicatorCreate(_Strict):
    """One indicator; ``value`` is canonicalised (lowercase, no ``@``, no ``www.``...)."""

    kind: IndicatorKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=4096)]
    id: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    confidence: float = Field(1.0, ge=0.0, le=1.0, allow_inf_nan=False)
    expires_at: datetime | None = None
    description: Text = ""


class IndicatorsImport(BaseModel):
    """Indicators to add; each item is checked on its own (see ``IndicatorCreate``)."""

    model_config = ConfigDict(extra="forbid")
    indicators: list[Any] = Field(max_length=MAX_JSON_RECORDS)


class IndicatorRemove(_Strict):
    kind: IndicatorKind
    value: Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class IndicatorPublic(BaseModel):
    id: int
    list: str
    external_id: str
    kind: str
    value: str
    confidence: float
    expires_at: datetime | None
    description: str
    status: str
    created_at: datetime
    updated_at: datetime
    removed_at: datetime | None


class RecordErrorPublic(BaseModel):
    position: str
    code: str
    message: str
    value: str | None = None


class ImportReportPublic(BaseModel):
    list: str
    added: int
    updated: int
    unchanged: int
    errors: builtins.list[RecordErrorPublic]  # builtins: 'list' is a field name here


def _list_public(info: IndicatorListInfo) -> IndicatorListPublic:
    return IndicatorListPublic(
        name=info.name,
        source=info.source,
        description=info.description,
        enabled=info.enabled,
        active_indicators=info.active_indicators,
        created_at=info.created_at,
        updated_at=info.updated_at,
    )


def _indicator_public(s: StoredIndicator) -> IndicatorPublic:
    return IndicatorPublic(
        id=s.id,
        list=s.list_name,
        external_id=s.external_id,
        kind=s.kind.value,
        value=s.value,
        confidence=s.confidence,
        expires_at=s.expires_at,
        description=s.description,
        status=s.status.value,
        created_at=s.created_at,
        updated_at=s.updated_at,
        removed_at=s.removed_at,
    )


def _report_public(report: ImportReport) -> ImportReportPublic:
    return ImportReportPublic.model_validate(report.to_dict())


def _changed(rt: Runtime, report: ImportReport | None = None) -> None:
    if report is None or report.changed:
        rt.refresh_indicators(force=True)


# -- lists ------------------------------------------------------------------------------------


@router.post("", response_model=IndicatorListPublic, status_code=201)
def create_list(body: IndicatorListCreate, rt: RuntimeDep, _: BanksWriter) -> IndicatorListPublic:
    info = rt.indicators.create_list(
        name=body.name, source=body.source, description=body.description, enabled=body.enabled
    )
    return _list_public(info)


@router.get("", response_model=list[IndicatorListPublic])
def list_lists(rt: RuntimeDep, _: BanksReader) -> list[IndicatorListPublic]:
    return [_list_public(i) for i in rt.indicators.list_lists()]


@router.get("/{name}", response_model=IndicatorListPublic)
def get_list(name: str, rt: RuntimeDep, _: BanksReader) -> IndicatorListPublic:
    return _list_public(rt.indicators.get_list(name=name))


@router.patch("/{name}", response_model=IndicatorListPublic)
def update_list(
    name: str, body: IndicatorListUpdate, rt: RuntimeDep, _: BanksWriter
) -> IndicatorListPublic:
    """Switch a list on or off (its indicators stop or start matching) or change its texts."""
    info = rt.indicators.update_list(
        name=name, enabled=body.enabled, description=body.description, source=body.source
    )
    _changed(rt)
    return _list_public(info)


# -- indicators -------------------------------------------------------------------------------


@router.get("/{name}/indicators", response_model=list[IndicatorPublic])
def list_indicators(
    name: str,
    rt: RuntimeDep,
    _: BanksReader,
    after_id: Annotated[int, Query(ge=0, description="Return indicators with a larger id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    include_removed: bool = False,
) -> list[IndicatorPublic]:
    """One page of the list's indicators in id order; pass the last id as ``after_id``."""
    found = rt.indicators.iter_indicators(
        list_name=name, include_removed=include_removed, batch=limit, after_id=after_id
    )
    return [_indicator_public(s) for s in itertools.islice(found, limit)]


@router.post("/{name}/indicators", response_model=ImportReportPublic)
def add_indicators(
    name: str, body: IndicatorsImport, rt: RuntimeDep, _: BanksWriter
) -> ImportReportPublic:
    """Add or update indicators given as JSON (idempotent: the same body twice changes nothing).

    Each item is checked on its own; a bad one is listed under ``errors`` as
    ``indicators[i]`` and the others are stored.
    """
    info = rt.indicators.get_list(name=name)
    report = rt.indicators.import_indicators(
        list_name=name, items=_json_records(body.indicators, info.feed_name)
    )
    _changed(rt, report)
    return _report_public(report)


@router.post(
    "/{name}/import",
    response_model=ImportReportPublic,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {"file": {"type": "string", "format": "binary"}},
                    }
                },
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "object"}},
            },
        }
    },
)
async def import_file(
    name: str,
    request: Request,
    rt: RuntimeDep,
    _: BanksWriter,
    format: Annotated[
        FeedFormat | None,
        Query(description="csv, stix or misp; default: csv for text/csv, else required"),
    ] = None,
) -> ImportReportPublic:
    """Import a CSV, STIX 2.1 or MISP file sent as the body or as a multipart ``file``.

    CSV is read line by line; STIX and MISP are JSON documents read whole. The body goes to a
    temporary file first, so memory use does not grow with the file.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    info = await run_in_threadpool(rt.indicators.get_list, name=name)
    spool: IO[bytes]
    if ctype == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=1)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ProblemError(422, "invalid_input", "file: a multipart field 'file' is required")
        spool = upload.file
        ctype = (upload.content_type or "").lower()
        if format is None and (upload.filename or "").lower().endswith(".csv"):
            format = FeedFormat.CSV
    else:
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115
        async for chunk in request.stream():
            spool.write(chunk)
    if format is None:
        if ctype != "text/csv":
            raise ProblemError(
                422, "invalid_input", "format: say which feed format this is (csv, stix or misp)"
            )
        format = FeedFormat.CSV
    spool.seek(0)
    report = await run_in_threadpool(_import_spooled, rt, name, info.feed_name, format, spool)
    _changed(rt, report)
    return _report_public(report)


@router.post("/{name}/indicators/remove", response_model=IndicatorPublic)
def remove_by_value(
    name: str, body: IndicatorRemove, rt: RuntimeDep, _: BanksWriter
) -> IndicatorPublic:
    """Stop matching an indicator given by kind and value (kept with status ``removed``)."""
    removed = rt.indicators.remove_indicator(list_name=name, kind=body.kind, value=body.value)
    _changed(rt)
    return _indicator_public(removed)


@router.delete("/{name}/indicators/{indicator_id}", response_model=IndicatorPublic)
def remove_by_id(name: str, indicator_id: RowId, rt: RuntimeDep, _: BanksWriter) -> IndicatorPublic:
    """Stop matching an indicator (kept with status ``removed``; removing twice is harmless)."""
    removed = rt.indicators.remove_indicator_by_id(list_name=name, indicator_id=indicator_id)
    _changed(rt)
    return _indicator_public(removed)


@router.get("/{name}/export")
def export_list(
    name: str,
    rt: RuntimeDep,
    _: BanksReader,
    format: FeedFormat = FeedFormat.CSV,
) -> StreamingResponse:
    """Stream the list's active indicators as CSV, a STIX 2.1 bundle or a MISP event."""
    rt.indicators.get_list(name=name)  # 404 before the response starts
    indicators = rt.indicators.export_indicators(list_name=name)
    writer = {FeedFormat.CSV: _csv_chunks, FeedFormat.STIX: _stix_chunks}.get(format, _misp_chunks)
    media = "text/csv" if format is FeedFormat.CSV else "application/json"
    suffix = "csv" if format is FeedFormat.CSV else f"{format.value}.json"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{suffix}"'}
    return StreamingResponse(writer(indicators, name), media_type=media, headers=headers)


# -- helpers ----------------------------------------------------------------------------------


def _json_records(records: list[Any], source: str) -> Iterator[Indicator | RecordProblem]:
    for i, raw in enumerate(records):
        position = f"indicators[{i}]"
        try:
            item = IndicatorCreate.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            yield RecordProblem(
                f"{position}.{where}" if where else position,
                "invalid_record",
                str(first.get("msg", "invalid indicator")),
                None if isinstance(raw, dict | list) else str(raw)[:120],
            )
            continue
        try:
            kind = IndicatorKind(item.kind)
            canonical = Indicator(id="pending", kind=kind, value=item.value, source=source)
            yield Indicator(
                id=item.id or default_id(kind, canonical.value),
                kind=kind,
                value=canonical.value,
                source=source,
                confidence=item.confidence,
                expires_at=item.expires_at,
                description=item.description,
            )
        except InvalidIndicatorError as exc:
            yield RecordProblem.from_error(position, exc)


def _import_spooled(
    rt: Runtime, name: str, source: str, format: FeedFormat, spool: IO[bytes]
) -> ImportReport:
    try:
        if format is FeedFormat.CSV:
            # newline="" as the csv module wants; undecodable bytes become U+FFFD in that line.
            text = io.TextIOWrapper(spool, encoding="utf-8-sig", errors="replace", newline="")
            items = read_csv(text, default_source=source)
        elif format is FeedFormat.STIX:
            items = read_stix(spool, default_source=source)
        else:
            items = read_misp(spool, default_source=source)
        return rt.indicators.import_indicators(list_name=name, items=items)
    finally:
        spool.close()


def _csv_chunks(indicators: Iterator[Indicator], _name: str) -> Iterator[bytes]:
    first = True
    while batch := list(itertools.islice(indicators, _EXPORT_BATCH)):
        buffer = io.StringIO()
        write_csv(batch, buffer)
        text = buffer.getvalue()
        if not first:
            text = text.split("\r\n", 1)[1]  # the header row belongs to the first batch only
        first = False
        yield text.encode()
    if first:
        buffer = io.StringIO()
        write_csv([], buffer)
        yield buffer.getvalue().encode()


def _stix_chunks(indicators: Iterator[Indicator], _name: str) -> Iterator[bytes]:
    # A bundle written object by object: the stix2 library builds (and checks) each
    # indicator, but the bundle around them never has to hold the whole list.
    created = datetime.now(UTC)
    yield f'{{"type": "bundle", "id": "bundle--{uuid.uuid4()}", "objects": ['.encode()
    sep = ""
    while batch := list(itertools.islice(indicators, _EXPORT_BATCH)):
        bundle = to_stix_bundle(batch, created=created)
        parts = [obj.serialize(pretty=False) for obj in bundle.objects]
        yield (sep + ", ".join(parts)).encode()
        sep = ", "
    yield b"]}"


def _misp_chunks(indicators: Iterator[Indicator], name: str) -> Iterator[bytes]:
    info = json.dumps(f"Shieldwall indicator list {name}")
    yield f'{{"Event": {{"info": {info}, "Object": [], "Attribute": ['.encode()
    sep = ""
    while batch := list(itertools.islice(indicators, _EXPORT_BATCH)):
        attributes = to_misp_event(batch)["Event"]["Attribute"]
        yield (sep + ", ".join(json.dumps(a, ensure_ascii=False) for a in attributes)).encode()
        sep = ", "
    yield b"]}}"
