"""Appeals: an uploader's appeal against a decision, relayed by the platform.

It is an API resource like any other (a platform key with the ``scan`` scope files it), so
it lives with the API's routers and exists whether or not the review pages are mounted;
someone other than the original decider decides it in the review UI.
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from shieldwall.api.deps import RuntimeDep, ScanCaller
from shieldwall.pipeline import appeals

router = APIRouter(prefix="/v1", tags=["appeals"])


class AppealCreate(BaseModel):
    content_id: str = Field(min_length=1, max_length=255)
    reason: str = Field(min_length=1, max_length=5000)


class AppealPublic(BaseModel):
    appeal_id: int
    content_id: str
    decision_id: str
    status: str


@router.post("/appeals", response_model=AppealPublic, status_code=201)
def create_appeal(body: AppealCreate, rt: RuntimeDep, _: ScanCaller) -> AppealPublic:
    """An uploader's appeal against the latest decision on their item (platform relays it).
    Someone other than the original decider decides it in the review UI."""
    appeal = appeals.file_appeal(rt, rt.reviews, content_id=body.content_id, reason=body.reason)
    return AppealPublic(
        appeal_id=appeal.id,
        content_id=body.content_id,
        decision_id=appeal.decision_id,
        status=appeal.status,
    )
