"""Banks and their entries: create, list, add (one or ten thousand), withdraw, delete, export."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from shieldwall.api.deps import BanksReader, BanksWriter, RowId, RuntimeDep
from shieldwall.api.schemas import (
    BankCreate,
    BankPublic,
    BankUpdate,
    EntriesAdded,
    EntriesCreate,
    EntryPublic,
    VariantPublic,
)
from shieldwall.api.views import bank_public, entry_public
from shieldwall.errors import EntryNotFoundError
from shieldwall.exchange import ExchangeFormat, ExportRecord, write_entries
from shieldwall.hashing.values import normalize_hash
from shieldwall.pipeline.banking import add_to_bank, withdraw_from_bank
from shieldwall.pipeline.records import EntryInfo
from shieldwall.runtime import Runtime
from shieldwall.types import EntryStatus, NewEntry, Provenance

router = APIRouter(prefix="/v1/banks", tags=["banks"])


@router.post("", response_model=BankPublic, status_code=201)
def create_bank(body: BankCreate, rt: RuntimeDep, _: BanksWriter) -> BankPublic:
    bank = rt.banks.create_bank(
        name=body.name,
        purpose=body.purpose,
        threshold=body.threshold if body.threshold is not None else rt.settings.pdq_threshold,
        description=body.description,
        enabled=body.enabled,
    )
    return bank_public(bank)


@router.get("", response_model=list[BankPublic])
def list_banks(rt: RuntimeDep, _: BanksReader) -> list[BankPublic]:
    return [bank_public(b) for b in rt.banks.list_banks()]


@router.get("/{name}", response_model=BankPublic)
def get_bank(name: str, rt: RuntimeDep, _: BanksReader) -> BankPublic:
    return bank_public(rt.banks.get_bank(name=name))


@router.patch("/{name}", response_model=BankPublic)
def update_bank(name: str, body: BankUpdate, rt: RuntimeDep, _: BanksWriter) -> BankPublic:
    bank = rt.banks.update_bank(
        name=name, threshold=body.threshold, enabled=body.enabled, description=body.description
    )
    rt.matcher.refresh()
    return bank_public(bank)


@router.delete("/{name}", status_code=204)
def delete_bank(name: str, rt: RuntimeDep, _: BanksWriter) -> Response:
    rt.banks.delete_bank(name=name)
    rt.matcher.refresh()
    return Response(status_code=204)


@router.post("/{name}/entries", response_model=EntriesAdded, status_code=201)
def add_entries(
    name: str, body: EntriesCreate, request: Request, rt: RuntimeDep, _: BanksWriter
) -> EntriesAdded:
    """Add entries (idempotent); new ones are matchable at once and hunted across past items."""
    entries = [
        NewEntry(
            signal_type=e.signal_type,
            value=normalize_hash(e.signal_type, e.value),
            provenance=Provenance(
                source=e.source,
                external_id=e.external_id,
                case_id=e.case_id,
                submitted_at=e.submitted_at,
            ),
            category=e.category,
            expires_at=e.expires_at,
            variants=e.variant_pairs(),
        )
        for e in body.entries
    ]
    done = add_to_bank(
        rt.banking,
        bank=name,
        entries=entries,
        retro_hunt=body.retro_hunt,
        notify=request.app.state.decided,
    )
    return EntriesAdded(
        bank=name,
        added=done.added,
        unchanged=done.unchanged,
        entry_ids=list(done.entry_ids),
        retro_hunt=None if done.hunt is None else done.hunt.summary(),
    )


def _with_variants(rt: Runtime, entry: EntryInfo) -> EntryPublic:
    public = entry_public(entry)
    stored = rt.banks.variants_for(entry_ids=[entry.id]).get(entry.id, [])
    public.variants = [VariantPublic(name=name, pdq=value) for _, name, value in sorted(stored)]
    return public


@router.get("/{name}/entries/{entry_id}", response_model=EntryPublic)
def get_entry(name: str, entry_id: RowId, rt: RuntimeDep, _: BanksReader) -> EntryPublic:
    """One entry, with the region hashes (``variants``) stored with it."""
    entry = rt.banks.get_entry(entry_id=entry_id)
    if entry.bank_name != name:
        raise EntryNotFoundError("no such entry in this bank", value=entry_id)
    return _with_variants(rt, entry)


@router.post("/{name}/entries/{entry_id}/withdraw", response_model=EntryPublic)
def withdraw_entry(name: str, entry_id: RowId, rt: RuntimeDep, _: BanksWriter) -> EntryPublic:
    """Take an entry out of matching at once (kept, with status ``withdrawn``; its variants
    leave matching with it)."""
    entry = withdraw_from_bank(rt.banking, bank=name, entry_id=entry_id)
    return _with_variants(rt, entry)


@router.delete("/{name}/entries/{entry_id}", response_model=EntryPublic)
def delete_entry(name: str, entry_id: RowId, rt: RuntimeDep, _: BanksWriter) -> EntryPublic:
    get_entry(name, entry_id, rt, _)
    entry = rt.banks.delete_entry(entry_id=entry_id)
    rt.matcher.refresh()
    return entry_public(entry)


@router.get("/{name}/export")
def export_bank(
    name: str,
    rt: RuntimeDep,
    _: BanksReader,
    format: ExchangeFormat = Query(ExchangeFormat.JSONL),
    active_only: bool = Query(False, description="Leave out withdrawn and deleted entries."),
) -> StreamingResponse:
    """Stream the bank's entries as JSON Lines, CSV or threatexchange lines; withdrawn and
    deleted ones as tombstones (JSON Lines) or with their ``status`` (CSV), so whoever
    imports the file stops matching them (threatexchange lines carry active entries only)."""
    rt.banks.get_bank(name=name)
    statuses = (EntryStatus.ACTIVE,) if active_only else tuple(EntryStatus)
    media = {"csv": "text/csv", "jsonl": "application/x-ndjson"}.get(format.value, "text/plain")

    def body() -> Iterator[bytes]:
        first = True
        entries = (
            ExportRecord(entry, status)
            for entry, status in rt.banks.iter_bank_records(bank=name, statuses=statuses)
        )
        while batch := list(itertools.islice(entries, 5000)):
            buffer = io.StringIO()
            write_entries(batch, buffer, format)
            text = buffer.getvalue()
            if not first and format is ExchangeFormat.CSV:
                text = text.split("\n", 1)[1]  # the header row belongs to the first batch only
            first = False
            yield text.encode()
        if first:
            buffer = io.StringIO()
            write_entries([], buffer, format)
            yield buffer.getvalue().encode()

    headers = {"Content-Disposition": f'attachment; filename="{name}.{format.value}"'}
    return StreamingResponse(body(), media_type=media, headers=headers)
