"""Two moderators escalate one item at the same moment: one decision, no error.

The use case checks for its (deterministic) decision id and then writes it; two escalations
that both pass the check used to meet the database's primary key and answer 500. The race
window is opened on purpose here by hiding the first escalation from the second's check."""

from __future__ import annotations

from pathlib import Path

import pytest

from shieldwall.config import load_settings
from shieldwall.errors import NotFoundError
from shieldwall.pipeline.child_safety import ESCALATION, escalate_item
from shieldwall.pipeline.matcher import Query
from shieldwall.pipeline.scan import ScanMeta
from shieldwall.runtime import Runtime

PDQ = "f8110d4425fa063b8c759efa81036da9985387cd0ce663e5f31e6de28a9837cf"


def test_two_escalations_at_once_decide_once_and_neither_fails(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rt = Runtime.open(
        load_settings(data_dir=tmp_path / "d", database_url=database_url), migrate=True
    )
    try:
        item = rt.scanner.lookup(ScanMeta(content_id="upload-1"), Query(pdq=PDQ)).item
        args = {"reason": "looks under 18", "actor": "staff:1", "policy_version": "v1"}
        first = escalate_item(rt.child_safety, rt.items, item, by="moderator-a", **args)
        assert first.decision_id is not None

        def not_yet(decision_id: str) -> None:  # the second moderator's check ran first
            raise NotFoundError("not stored yet", value=decision_id)

        monkeypatch.setattr(rt.items, "get_decision", not_yet)
        second = escalate_item(rt.child_safety, rt.items, item, by="moderator-b", **args)
        assert second.decision_id is None
        assert second.new_reports == 0
        monkeypatch.undo()
        decisions = [d for d in rt.items.decisions_for_item(item.id) if d.verdict == ESCALATION]
        assert [d.id for d in decisions] == [first.decision_id]
    finally:
        rt.close()
