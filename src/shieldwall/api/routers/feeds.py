"""``/v1/feeds/{bank}``: a bank as a signed, paginated feed for subscribing Shieldwall instances.

The body is sent exactly as signed; the signature is in the ``Shieldwall-Signature``
header (``key_id=...,ed25519=<hex>``) over the tag ``shieldwall-feed-v1``, a newline and
the body. ``/v1/feeds/{bank}/public-key`` gives the PEM a subscriber pins (fetch it once,
over a channel you trust, and compare its key id out of band).
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from shieldwall.api.deps import BanksReader, RuntimeDep
from shieldwall.api.problems import ProblemError
from shieldwall.audit.checkpoints import CheckpointSigner
from shieldwall.pipeline.feeds import MAX_PAGE, feed_page
from shieldwall.runtime import Runtime

router = APIRouter(prefix="/v1/feeds", tags=["federation"])

SIGNATURE_HEADER = "Shieldwall-Signature"


def _signer(rt: Runtime) -> CheckpointSigner:
    signer = rt.audit.signer
    if signer is None:
        raise ProblemError(503, "feed_unsigned", "this instance has no signing key configured")
    return signer


@router.get("/{bank}")
async def bank_feed(
    bank: str,
    rt: RuntimeDep,
    _: BanksReader,
    after: int = Query(0, ge=0),
    limit: int = Query(500, ge=1, le=MAX_PAGE),
) -> Response:
    """Entries, withdrawals and deletions of ``bank`` after ``after``, in order, signed."""
    signer = _signer(rt)
    page = await run_in_threadpool(feed_page, rt.banks, signer, bank=bank, after=after, limit=limit)
    return Response(
        page.body,
        media_type="application/json",
        headers={SIGNATURE_HEADER: f"key_id={page.key_id},ed25519={page.signature}"},
    )


@router.get("/{bank}/public-key")
def public_key(bank: str, rt: RuntimeDep, _: BanksReader) -> Response:
    rt.banks.get_bank(name=bank)
    signer = _signer(rt)
    return Response(
        signer.export_public_key(),
        media_type="application/x-pem-file",
        headers={"Shieldwall-Key-Id": signer.key_id},
    )
