"""Plug-in predicates and action kinds: a third-party plug-in's predicate is known to the
policy loader, its action kind is performed by the worker's performer; duplicates are
refused and a plug-in whose hook raises is contained."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shieldwall.actions import Attempt
from shieldwall.errors import DuplicateActionKindError, DuplicatePredicateError, InputError
from shieldwall.plugins import (
    ActionContext,
    ActionRequest,
    ActionType,
    collect_actions,
    collect_predicates,
    get_plugin_manager,
    hookimpl,
)
from shieldwall.plugins.builtin_actions import BUILTIN_ACTION_TYPES
from shieldwall.policy import (
    DEFAULT_REGISTRY,
    PolicyContext,
    PolicyLoadError,
    PredicateArgs,
    PredicateResult,
    PredicateSpec,
    evaluate,
    parse_policy,
)
from shieldwall.policy.conditions import PredicateEnv
from shieldwall.store.service_records import OutboxInfo
from shieldwall.worker.actions import ActionPerformer


class UploaderArgs(PredicateArgs):
    ids: tuple[str, ...]


def uploader(args: UploaderArgs, ctx: PolicyContext, env: PredicateEnv) -> PredicateResult:
    return PredicateResult(ctx.uploader_id in args.ids, (f"uploader {ctx.uploader_id}",))


UPLOADER = PredicateSpec("uploader", UploaderArgs, uploader, help="the uploader is one of ids")


def carrier_pigeon(request: ActionRequest, context: ActionContext) -> Attempt:
    if "loft" not in request.payload:
        raise InputError("malformed carrier_pigeon payload: loft is required")
    (context.data_dir / f"pigeon-{request.idempotency_key}").write_text(str(request.payload))
    return Attempt.delivered(f"flown to {request.payload['loft']}")


class AcmePlugin:
    """A plug-in object as a third party would write it."""

    def __init__(
        self, predicates: list[PredicateSpec] | None = None, kinds: list[ActionType] | None = None
    ) -> None:
        self.predicates = predicates if predicates is not None else [UPLOADER]
        self.kinds = kinds if kinds is not None else [ActionType("carrier_pigeon", carrier_pigeon)]

    @hookimpl
    def shieldwall_register_predicates(self) -> list[PredicateSpec]:
        return self.predicates

    @hookimpl
    def shieldwall_register_actions(self) -> list[ActionType]:
        return self.kinds


class ExplodingPlugin:
    @hookimpl
    def shieldwall_register_predicates(self) -> list[PredicateSpec]:
        raise ImportError("vendor SDK missing")

    @hookimpl
    def shieldwall_register_actions(self) -> list[ActionType]:
        raise RuntimeError("vendor SDK missing")


POLICY = """
version: acme-1
name: acme
categories:
  spam: Sent by an uploader the platform banned.
rules:
  - id: banned-uploader
    category: spam
    when:
      uploader: {ids: [u-evil]}
    then: block
"""


def _pm(*plugins: tuple[str, object]) -> Any:
    pm = get_plugin_manager(load_entrypoints=False)
    for name, plugin in plugins:
        pm.register(plugin, name=name)
    return pm


def _row(kind: str, payload: dict[str, Any]) -> OutboxInfo:
    now = datetime.now(UTC)
    return OutboxInfo(
        id=1,
        decision_id="d-1",
        kind=kind,
        payload=payload,
        idempotency_key=f"k-{uuid.uuid4().hex[:8]}",
        status="pending",
        attempts=1,
        next_attempt_at=now,
        last_error=None,
        created_at=now,
        delivered_at=None,
    )


def _performer(tmp_path: Path, pm: Any) -> ActionPerformer:
    def no_banking() -> Any:
        raise AssertionError("not asked for")

    return ActionPerformer(
        banking=no_banking,
        reviews=None,  # type: ignore[arg-type]  # no review rows in these tests
        data_dir=tmp_path,
        webhook=None,
        kinds=collect_actions(pm),
    )


# --- predicates ------------------------------------------------------------------------


def test_builtin_predicates_come_from_the_default_plugin() -> None:
    registry = collect_predicates(get_plugin_manager(load_entrypoints=False))
    assert registry.names() == DEFAULT_REGISTRY.names()
    assert {registry.provider(n) for n in registry.names()} == {"builtin"}
    assert {"match", "signal", "surface"} <= set(registry.names())


def test_a_plugin_predicate_validates_and_runs_in_a_policy() -> None:
    registry = collect_predicates(_pm(("acme", AcmePlugin())))
    assert registry.provider("uploader") == "plugin acme"
    policy = parse_policy(POLICY, registry=registry)
    hit = evaluate(policy, PolicyContext(content_id="c1", uploader_id="u-evil"))
    miss = evaluate(policy, PolicyContext(content_id="c2", uploader_id="u-kind"))
    assert hit.verdict.value == "block" and miss.verdict.value != "block"
    # Its arguments are validated like a built-in's.
    with pytest.raises(PolicyLoadError, match="uploader"):
        parse_policy(POLICY.replace("ids:", "names:"), registry=registry)


def test_without_the_plugin_the_policy_is_refused() -> None:
    with pytest.raises(PolicyLoadError, match="unknown predicate 'uploader'"):
        parse_policy(POLICY)


def test_a_plugin_reusing_a_predicate_name_is_refused() -> None:
    copycat = PredicateSpec("match", UploaderArgs, uploader)
    with pytest.raises(DuplicatePredicateError, match=r"'match'.*builtin and plugin copycat"):
        collect_predicates(_pm(("copycat", AcmePlugin(predicates=[copycat]))))
    with pytest.raises(DuplicatePredicateError, match="'uploader'"):
        collect_predicates(_pm(("acme", AcmePlugin()), ("acme2", AcmePlugin())))
    with pytest.raises(DuplicatePredicateError, match="combinator"):
        combinator = PredicateSpec("any", UploaderArgs, uploader)
        collect_predicates(_pm(("odd", AcmePlugin(predicates=[combinator]))))


def test_a_failing_predicate_plugin_is_contained_and_named() -> None:
    registry = collect_predicates(_pm(("vendor", ExplodingPlugin()), ("acme", AcmePlugin())))
    assert "match" in registry.names() and "uploader" in registry.names()
    assert registry.failed == {"vendor": "ImportError: vendor SDK missing"}
    lonely = collect_predicates(_pm(("vendor", ExplodingPlugin())))
    with pytest.raises(PolicyLoadError, match="plug-in vendor failed to load"):
        parse_policy(POLICY, registry=lonely)


# --- action kinds ----------------------------------------------------------------------


def test_builtin_action_kinds_come_from_the_default_plugin() -> None:
    registry = collect_actions(get_plugin_manager(load_entrypoints=False))
    assert registry.kinds() == (
        "webhook",
        "review",
        "add_to_bank",
        "child_safety_report",
        "detect",
        "exchange_feedback",
    )
    assert {e.provider for e in registry.entries()} == {"builtin"}
    assert tuple(registry) == BUILTIN_ACTION_TYPES


def test_the_worker_performs_a_plugin_action_kind(tmp_path: Path) -> None:
    performer = _performer(tmp_path, _pm(("acme", AcmePlugin())))
    assert "carrier_pigeon" in performer.kinds and "webhook" in performer.kinds
    row = _row("carrier_pigeon", {"loft": "north"})
    outcome = performer.perform(row)
    assert outcome == Attempt.delivered("flown to north")
    assert (tmp_path / f"pigeon-{row.idempotency_key}").exists()
    bad = performer.perform(_row("carrier_pigeon", {}))
    assert bad.status == "dead"
    assert bad.message == "invalid_input: malformed carrier_pigeon payload: loft is required"


def test_builtin_kinds_still_perform_beside_plugins(tmp_path: Path) -> None:
    performer = _performer(tmp_path, _pm(("acme", AcmePlugin())))
    held = performer.perform(_row("webhook", {"event": "decision.created", "decision": {}}))
    assert held.status == "held"
    bad = performer.perform(_row("review", {"queue": "x"}))
    assert bad.status == "dead" and "malformed review payload: item_id is required" in (
        bad.message or ""
    )


def test_a_plugin_reusing_an_action_kind_is_refused() -> None:
    copycat = AcmePlugin(kinds=[ActionType("webhook", carrier_pigeon)])
    with pytest.raises(DuplicateActionKindError, match=r"'webhook'.*builtin and plugin copycat"):
        collect_actions(_pm(("copycat", copycat)))


def test_a_failing_action_plugin_is_contained_and_named(tmp_path: Path) -> None:
    pm = _pm(("vendor", ExplodingPlugin()))
    registry = collect_actions(pm)
    assert "webhook" in registry and registry.failed == {
        "vendor": "RuntimeError: vendor SDK missing"
    }
    outcome = _performer(tmp_path, pm).perform(_row("carrier_pigeon", {"loft": "north"}))
    assert outcome.status == "dead"
    assert "unknown action kind 'carrier_pigeon'" in (outcome.message or "")
    assert "plug-in vendor failed to load (RuntimeError: vendor SDK missing)" in (
        outcome.message or ""
    )
