"""The policy's ``add_to_bank`` action, performed by the worker, hunts what was already seen.

A platform's policy can bank what it confirms (``then: [block, {add_to_bank: …}]``), so
that a re-encoded copy uploaded *before* the confirmed one is found too. The worker used
to write the entries and stop; it now calls the same ``add_to_bank`` use case as the API,
the CLI and the review pages, so the earlier copy gets its own decision and webhook.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from shieldwall.pipeline.scan import ScanMeta
from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose, HashKind, NewEntry
from tests.integration.worker.conftest import SettingsFactory
from tests.integration.worker.test_worker_actions import drain

POLICY = """\
version: "test-bank-what-you-confirm"
name: bank-what-you-confirm
quality_threshold: 50
categories:
  ncii_known_match: Matches a hash a partner or the platform confirmed.
rules:
  - id: partner-exact
    description: A byte-identical copy of a file on a partner's list is confirmed and banked.
    when:
      match:
        purposes: [partner]
        signal_types: [md5, sha256]
    then: [block, remove, {add_to_bank: {bank: confirmed}}]
    category: ncii_known_match
  - id: confirmed-copy
    description: Near-identical to something the platform confirmed.
    when:
      match:
        purposes: [victim]
        signal_types: [pdq]
        max_distance: 20
    then: [block, remove]
    category: ncii_known_match
"""


def _png(data: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).convert("RGB").save(out, "PNG")
    return out.getvalue()


def test_the_policy_action_hunts_a_copy_uploaded_before_the_confirmed_one(
    make_settings: SettingsFactory, photo_paths: list[Path]
) -> None:
    settings = make_settings()
    original = photo_paths[3].read_bytes()
    rt = Runtime.open(settings)
    try:
        rt.policies.activate(POLICY)
        rt.banks.create_bank(name="partner-list", purpose=BankPurpose.PARTNER)
        rt.banks.create_bank(name="confirmed", purpose=BankPurpose.VICTIM)
        # A re-encoded copy is uploaded first: no bank knows it, so it stays up.
        early = rt.scanner.scan(ScanMeta(content_id="early-copy", surface="post"), _png(original))
        assert early.decision.verdict == "allow"
        rt.banks.add_entries(
            bank="partner-list", entries=[NewEntry(HashKind.SHA256, _sha256(original))]
        )
        rt.refresh_matcher()
        # Then the exact file on the partner's list: blocked, and its hashes owed to the bank.
        exact = rt.scanner.scan(ScanMeta(content_id="exact-copy", surface="post"), original)
        assert exact.decision.verdict in {"block", "remove"}
        assert "add_to_bank" in {a.kind for a in rt.outbox.for_decision(exact.decision.id)}
    finally:
        rt.close()

    assert set(drain(settings)) == {"delivered"}

    rt = Runtime.open(settings)
    try:
        banked = {e.signal_type: e.value for e in rt.banks.iter_bank_entries(bank="confirmed")}
        assert banked[HashKind.SHA256] == _sha256(original)
        item = rt.items.get_item("early-copy")
        assert item.latest_decision_id is not None
        hunted = rt.items.get_decision(item.latest_decision_id)
        assert hunted.source == "retro_hunt" and hunted.verdict in {"block", "remove"}
        assert any(r.kind == "webhook" for r in rt.outbox.for_decision(hunted.id))
        before = len(rt.items.decisions_for_item(item.id))
        # The confirmed upload that asked for the bank add keeps its one decision: its own
        # hunt does not decide it again (nor send its webhook twice).
        confirmed = rt.items.get_item("exact-copy")
        assert [d.id for d in rt.items.decisions_for_item(confirmed.id)] == [exact.decision.id]
    finally:
        rt.close()

    # Delivered again (at least once): banked once, hunted once, decided once.
    rt = Runtime.open(settings)
    try:
        for row in rt.outbox.list_entries(limit=100):
            if row.kind == "add_to_bank":
                rt.outbox.replay(row.id)
    finally:
        rt.close()
    assert set(drain(settings)) == {"delivered"}
    rt = Runtime.open(settings)
    try:
        assert len(rt.items.decisions_for_item(rt.items.get_item("early-copy").id)) == before
        assert len(rt.items.decisions_for_item(rt.items.get_item("exact-copy").id)) == 1
    finally:
        rt.close()


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()
