"""``/v1/exchanges``: configure hash exchanges and fetch one now (admin keys only).

Credentials are never accepted here: they live in the exchange secrets file, so an
admin key that leaks cannot read a partner's API key back, and none is stored in the
database.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from shieldwall.api.deps import Admin, RuntimeDep
from shieldwall.errors import InputError
from shieldwall.pipeline.exchange_fetch import TRUST_LEVELS, add_exchange

router = APIRouter(prefix="/v1/exchanges", tags=["exchanges"])


class ExchangeCreate(BaseModel):
    name: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    bank: str = Field(max_length=64)
    config: dict[str, Any] = Field(default_factory=dict)
    trust: str = "review"
    interval_s: int = Field(3600, ge=1)


class ExchangeUpdate(BaseModel):
    enabled: bool | None = None
    trust: str | None = None
    interval_s: int | None = Field(None, ge=1)


@router.get("")
def list_exchanges(rt: RuntimeDep, _: Admin) -> list[dict[str, Any]]:
    return [e.public() for e in rt.exchanges.list_exchanges()]


@router.get("/kinds")
def list_kinds(rt: RuntimeDep, _: Admin) -> dict[str, str]:
    return rt.exchange_registry.kinds()


@router.post("", status_code=201)
def create_exchange(body: ExchangeCreate, rt: RuntimeDep, _: Admin) -> dict[str, Any]:
    info = add_exchange(
        rt.exchanges,
        rt.banks,
        rt.exchange_registry,
        name=body.name,
        kind=body.kind,
        bank=body.bank,
        config=body.config,
        trust=body.trust,
        interval_s=body.interval_s,
    )
    return info.public()


@router.get("/{name}")
def get_exchange(name: str, rt: RuntimeDep, _: Admin) -> dict[str, Any]:
    return rt.exchanges.get(name).public()


@router.patch("/{name}")
def update_exchange(name: str, body: ExchangeUpdate, rt: RuntimeDep, _: Admin) -> dict[str, Any]:
    if body.trust is not None and body.trust not in TRUST_LEVELS:
        raise InputError(f"trust must be one of {', '.join(TRUST_LEVELS)}", value=body.trust)
    updated = rt.exchanges.update(
        name, enabled=body.enabled, trust=body.trust, interval_s=body.interval_s
    )
    return updated.public()


@router.delete("/{name}", status_code=204)
def delete_exchange(name: str, rt: RuntimeDep, _: Admin) -> Response:
    rt.exchanges.delete(name)
    return Response(status_code=204)


@router.post("/{name}/fetch")
async def fetch_now(name: str, rt: RuntimeDep, _: Admin) -> dict[str, object]:
    """Fetch from the checkpoint now; 409 ``exchange_busy`` while another fetcher runs it,
    502 ``exchange_fetch_failed`` when the exchange fails (progress so far is kept)."""
    report = await run_in_threadpool(rt.fetch_exchange, name)
    return report.to_dict()
