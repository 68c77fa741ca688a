"""Auditor endpoints: verify the trail, read its checkpoints and key, export evidence.

Read-only except that an evidence export may sign a fresh checkpoint (so the
excerpt is pinned). Guarded by the ``admin`` scope until an ``auditor`` scope
exists in ``api/auth.py`` SCOPES.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response

from shieldwall.api.deps import Auditor, RuntimeDep
from shieldwall.audit import CheckpointSigner
from shieldwall.evidence import build_bundle
from shieldwall.pipeline.audit_log import AuditLog, evidence_for_content, signing_key_path
from shieldwall.runtime import Runtime

router = APIRouter(prefix="/v1/audit", tags=["audit"])


def _log(rt: Runtime) -> AuditLog:
    signer = CheckpointSigner.load_or_generate(signing_key_path(rt.settings.data_dir))
    return rt.audit_log(signer=signer)


@router.get("/verify")
def verify_trail(rt: RuntimeDep, _: Auditor) -> dict[str, object]:
    """Stream the whole trail through the verifier; ``ok`` is false with the first problem named."""
    return _log(rt).verify().to_dict()


@router.get("/checkpoints")
def list_checkpoints(rt: RuntimeDep, _: Auditor) -> list[dict[str, object]]:
    return [c.to_dict() for c in _log(rt).store.checkpoints()]


@router.get("/public-key", response_class=Response)
def public_key(rt: RuntimeDep, _: Auditor) -> Response:
    """The Ed25519 key that signs checkpoints and evidence bundles (PEM)."""
    pem = _log(rt).signer.export_public_key()  # type: ignore[union-attr]
    return Response(pem, media_type="application/x-pem-file")


@router.get("/evidence", response_class=Response)
def export_evidence(
    rt: RuntimeDep, _: Auditor, content_id: list[str] = Query(..., min_length=1, max_length=100)
) -> Response:
    """A signed evidence bundle (zip) for the given content ids; hashes only, no media."""
    log = _log(rt)
    material = evidence_for_content(rt.items, rt.outbox, log, content_id)
    assert log.signer is not None
    data = build_bundle(
        material.body,
        events=material.events,
        checkpoints=material.checkpoints,
        signer=log.signer,
        subject_seqs=material.subject_seqs,
    )
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": 'attachment; filename="evidence.zip"'},
    )
