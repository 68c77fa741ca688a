"""Owed actions: the platform says what it did for each place a victim's request named."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shieldwall.api.deps import RuntimeDep, ScanCaller
from shieldwall.pipeline import case_actions

router = APIRouter(prefix="/v1/actions", tags=["actions"])


class OutcomeCreate(BaseModel):
    outcome: Literal["removed", "not_found", "not_ours", "kept"]
    reason: str = Field("", max_length=case_actions.MAX_REASON)
    """Required for ``kept``: the requester reads it on their status page."""


class ActionPublic(BaseModel):
    action_id: str
    action: str
    kind: str
    content_id: str | None
    outcome: str | None
    reason: str | None
    outcome_at: datetime | None


@router.post("/{action_id}/outcome", response_model=ActionPublic)
def record_outcome(
    action_id: str, body: OutcomeCreate, rt: RuntimeDep, caller: ScanCaller
) -> ActionPublic:
    """Confirm what happened to one owed action (the ``action_id`` of a ``decision.updated``
    or ``case.locate_and_remove`` webhook). An outcome is recorded once: sending the same one
    again is harmless, a different one is refused with 409 ``outcome_conflict``. A victim's
    case is actioned when every action it owed has an outcome."""
    target = case_actions.record_outcome(
        rt.case_targets,
        action_id=action_id[:64],
        outcome=body.outcome,
        reason=body.reason,
        by=f"api_key:{caller.name}",
    )
    return ActionPublic(
        action_id=target.action_id,
        action=target.action,
        kind=target.kind,
        content_id=target.content_id,
        outcome=target.outcome,
        reason=target.outcome_reason,
        outcome_at=target.outcome_at,
    )
