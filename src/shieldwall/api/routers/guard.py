"""``POST /v1/guard/generation``: may a generative service run this request?

JSON ``{prompt, has_input_image, image_has_face?, language?}``, or multipart with a ``prompt``
field and an optional ``image`` file: then the ``faces`` signal looks at the image to decide
whether it shows a person (the image is not stored). Answers ``{action, reason_codes,
evidence, score}``; ``action`` is ``refuse`` or ``allow``. Needs an API key with the ``scan``
scope. See docs/guard.md.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from shieldwall.api.deps import RuntimeDep, ScanCaller
from shieldwall.api.problems import ProblemError
from shieldwall.errors import InputError
from shieldwall.signals.base import SignalInput
from shieldwall.signals.faces import shared_faces
from shieldwall.signals.guard import GuardDecision, shared_guard

router = APIRouter(prefix="/v1/guard", tags=["guard"])

MAX_PROMPT_CHARS = 20_000


class GuardRequest(BaseModel):
    """A generation request as the service received it."""

    prompt: str = Field(min_length=1, max_length=MAX_PROMPT_CHARS)
    has_input_image: bool = False
    image_has_face: bool | None = None
    language: str | None = Field(None, max_length=35)


class GuardPublic(BaseModel):
    """The guard's answer."""

    action: Literal["allow", "refuse"]
    reason_codes: list[str]
    evidence: list[str]
    score: float


_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": GuardRequest.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["prompt"],
                    "properties": {
                        "prompt": {"type": "string", "maxLength": MAX_PROMPT_CHARS},
                        "image": {"type": "string", "format": "binary"},
                        "language": {"type": "string"},
                    },
                }
            },
        },
    }
}


@router.post("/generation", response_model=GuardPublic, openapi_extra=_BODY)
async def guard_generation(request: Request, rt: RuntimeDep, _: ScanCaller) -> GuardPublic:
    """Refuse requests to undress, nudify or sexualise a real person; allow the rest."""
    limit = rt.settings.max_upload_bytes
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=4)
        image = form.get("image")
        data = await image.read(limit + 1) if isinstance(image, UploadFile) else b""
        if len(data) > limit:
            raise ProblemError(413, "file_too_large", f"the upload exceeds {limit} bytes")
        fields = {k: v for k in ("prompt", "language") if isinstance(v := form.get(k), str)}
        body = _validated({**fields, "has_input_image": bool(data)})
        decision = await run_in_threadpool(_decide_with_image, body, data)
    else:
        try:
            raw = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError("body: send JSON or multipart/form-data") from exc
        except RecursionError as exc:
            raise InputError("body: the JSON is nested too deeply") from exc
        body = _validated(raw)
        decision = await run_in_threadpool(_decide, body, body.image_has_face)
    return GuardPublic(
        action=decision.action,
        reason_codes=list(decision.reason_codes),
        evidence=list(decision.evidence),
        score=decision.score,
    )


def _validated(raw: object) -> GuardRequest:
    try:
        return GuardRequest.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise InputError(f"{where}: {first['msg']}") from exc


def _decide(body: GuardRequest, image_has_face: bool | None) -> GuardDecision:
    return shared_guard().evaluate(
        body.prompt,
        has_input_image=body.has_input_image,
        image_has_face=image_has_face,
        language=body.language,
    )


def _decide_with_image(body: GuardRequest, data: bytes) -> GuardDecision:
    if not data:
        return _decide(body, None)
    faces = shared_faces()
    if not faces.availability().usable:
        return _decide(body, None)  # unknown content counts as possibly a person
    try:
        result = faces.evaluate(SignalInput(media=data))
    except ValueError as exc:
        raise InputError(f"image: {exc}") from exc
    return _decide(body, "face_present" in result.labels)
