"""Regulators' removal notices: the intake that starts an Australian eSafety clock."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shieldwall.api.deps import Admin, RuntimeDep
from shieldwall.pipeline import case_clocks

router = APIRouter(prefix="/v1/regulator-notices", tags=["cases"])


class NoticeCreate(BaseModel):
    case_number: str = Field(min_length=1, max_length=40)
    regulator: Literal["esafety"] = "esafety"
    notice_id: str = Field(min_length=1, max_length=100)
    given_at: datetime
    """When the Commissioner gave the notice (with a time zone): the clock starts here."""
    extension_hours: float = Field(0.0, ge=0, le=case_clocks.MAX_EXTENSION_HOURS)


class ClockPublic(BaseModel):
    regime: str
    source: str
    start_event: str
    notice_id: str
    started_at: datetime
    due_at: datetime
    extension_hours: float


@router.post("", response_model=list[ClockPublic], status_code=201)
def record_notice(body: NoticeCreate, rt: RuntimeDep, caller: Admin) -> list[ClockPublic]:
    """Record an eSafety removal notice for a case: 24 hours from ``given_at`` plus the
    extension the Commissioner allowed (send the same notice again to extend). Returns every
    clock of the case."""
    case = rt.cases.find_by_number(body.case_number)
    clocks = case_clocks.record_removal_notice(
        rt.case_clocks,
        case,
        notice_id=body.notice_id,
        given_at=body.given_at,
        extension_hours=body.extension_hours,
        actor=f"api_key:{caller.name}",
    )
    return [
        ClockPublic(
            regime=c.regime,
            source=c.source,
            start_event=c.start_event,
            notice_id=c.notice_id,
            started_at=c.started_at,
            due_at=c.due_at,
            extension_hours=c.extension_hours,
        )
        for c in clocks
    ]
