"""Loading policies: errors point at the YAML line and field; fingerprints compare versions."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from shieldwall.errors import InvalidPolicyError
from shieldwall.policy import (
    DEFAULT_REGISTRY,
    PolicyContext,
    PolicyLoadError,
    PredicateArgs,
    PredicateResult,
    default_policy,
    evaluate,
    load_policy,
    policy_fingerprint,
)
from shieldwall.types import Outcome

GOOD = """\
version: "1"
name: test
categories:
  ncii_known_match: Known NCII
rules:
  - id: close
    when:
      match: {purposes: victim, max_distance: 20}
    then: [block, remove]
    category: ncii_known_match
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyLoadError) as info:
        load_policy(text)
    assert info.value.code == "invalid_policy"
    assert isinstance(info.value, InvalidPolicyError)
    return [str(p) for p in info.value.problems]


def test_bad_argument_names_rule_field_and_line() -> None:
    text = GOOD.replace("max_distance: 20", "max_distance: 300")
    assert problems(text) == ["rules[0].when.match.max_distance: line 8: must be <= 256"]


def test_error_in_a_deep_condition_names_its_line() -> None:
    text = """\
version: "1"
name: test
rules:
  - id: ok
    when: {surface: {in: [post]}}
    then: review: {queue: q}
    category: c
"""
    # A YAML syntax error is reported with its line too.
    (msg,) = problems(text)
    assert msg.startswith("line 6: not valid YAML")
    text = """\
version: "1"
name: test
rules:
  - id: ok
    when: {surface: {in: [post]}}
    then: block
    category: c
  - id: nested
    when:
      all:
        - surface: {in: post}
        - any:
            - jurisdiction: {in: [GB]}
            - signal: {name: nudity, min_score: 1.5}
    then: block
    category: c
"""
    assert problems(text) == [
        "rules[1].when.all[1].any[1].signal.min_score: line 14: must be <= 1.0"
    ]


def test_unknown_predicate_is_named_with_a_suggestion() -> None:
    (msg,) = problems(GOOD.replace("      match:", "      mtach:"))
    assert msg.startswith(
        "rules[0].when.mtach: line 8: unknown predicate 'mtach'; did you mean 'match'?"
    )


def test_unknown_argument_lists_the_ones_the_predicate_takes() -> None:
    (msg,) = problems(GOOD.replace("max_distance", "max_dist"))
    assert msg.startswith("rules[0].when.match.max_dist: line 8: unknown field 'max_dist'")
    assert "match takes: banks, include_suppressed, max_distance" in msg


def test_outcome_parameters_are_checked_where_they_are_written() -> None:
    text = GOOD.replace(
        "then: [block, remove]", "then:\n      - review: {queue: ncii, sla_hours: 0}"
    )
    assert problems(text) == ["rules[0].then[0].sla_hours: line 10: must be > 0"]
    text = GOOD.replace("then: [block, remove]", "then:\n      - review: {priority: high}")
    assert problems(text) == ["rules[0].then[0]: line 10: review needs a queue"]
    text = GOOD.replace("then: [block, remove]", "then: [block, {remove: {queue: x}}]")
    assert problems(text) == ["rules[0].then[1]: line 9: remove takes no queue"]
    text = GOOD.replace("then: [block, remove]", "then: [allow, remove]")
    assert problems(text) == ["rules[0].then: line 9: allow cannot be combined with other outcomes"]


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = (
        GOOD
        + """\
  - id: Bad Id
    when: {quality_below: {value: 101}}
    then: blok
    category: ncii_known_match
    sotp: true
"""
    )
    found = problems(text)
    assert [m.split(": ")[1] for m in found] == ["line 11", "line 12", "line 13", "line 15"]
    assert found[0].startswith("rules[1].id: line 11:")
    assert found[1] == "rules[1].when.quality_below.value: line 12: must be <= 100"
    assert found[2].startswith("rules[1].then[0].outcome: line 13: Input should be 'allow'")
    assert found[3] == "rules[1].sotp: line 15: unknown field 'sotp'"


def test_missing_field_points_at_the_rule() -> None:
    text = GOOD.replace("    category: ncii_known_match\n", "")
    assert problems(text) == ["rules[0].category: line 6: is required"]


def test_duplicate_rule_ids_and_undeclared_categories_are_refused() -> None:
    text = GOOD + GOOD.split("rules:\n")[1].replace("ncii_known_match", "ncii_unknown")
    assert problems(text) == [
        "rules[1].id: line 11: rule id 'close' already used by rules[0]",
        "rules[1].category: line 15: category 'ncii_unknown' is not declared; "
        "declared: ncii_known_match",
    ]


def test_duplicate_yaml_keys_are_refused() -> None:
    text = GOOD.replace("    category: ncii_known_match\n", "    category: a\n    category: b\n")
    assert problems(text) == ["rules[0].category: line 11: duplicate key 'category'"]


def test_unquoted_number_version_asks_for_quotes() -> None:
    assert problems(GOOD.replace('"1"', "1.10")) == [
        "version: line 1: must be text (put it in quotes)"
    ]


def test_not_a_mapping_and_bad_condition_shapes() -> None:
    assert problems("- a\n- b\n") == ["line 1: a policy is a mapping with version, name and rules"]
    text = GOOD.replace("match: {purposes: victim, max_distance: 20}", "any: []")
    assert problems(text) == ["rules[0].when.any: line 8: any needs a non-empty list of conditions"]
    text = GOOD.replace(
        "match: {purposes: victim, max_distance: 20}",
        "surface: {in: post}\n      source: {in: upload}",
    )
    assert problems(text) == [
        "rules[0].when: line 7: a condition is a mapping with one key: all, any, not or a predicate"
    ]


def test_loads_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert load_policy(path).rules[0].id == "close"
    assert load_policy(str(path)).name == "test"
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("20}", "-1}"), encoding="utf-8")
    with pytest.raises(PolicyLoadError, match=r"bad\.yaml"):
        load_policy(bad)
    with pytest.raises(InvalidPolicyError, match="cannot read policy file"):
        load_policy(tmp_path / "missing.yaml")


def test_fingerprint_ignores_spelling_but_not_meaning() -> None:
    base = load_policy(GOOD)
    respelled = load_policy(
        GOOD.replace("purposes: victim", "purposes: [victim], include_suppressed: false")
    )
    assert policy_fingerprint(base) == policy_fingerprint(respelled)
    changed = load_policy(GOOD.replace("max_distance: 20", "max_distance: 19"))
    assert policy_fingerprint(changed) != policy_fingerprint(base)


def test_policy_round_trips_through_its_dict() -> None:
    policy = default_policy()
    again = load_policy(yaml.safe_dump(policy.to_dict(), sort_keys=False))
    assert again.fingerprint == policy.fingerprint
    assert again == policy


def test_a_copied_registry_adds_predicates_without_touching_the_default() -> None:
    class UploaderArgs(PredicateArgs):
        ids: tuple[str, ...]

    registry = DEFAULT_REGISTRY.copy()

    @registry.register("uploader", UploaderArgs)
    def uploader(args: UploaderArgs, ctx: PolicyContext, env: object) -> PredicateResult:
        return PredicateResult(ctx.uploader_id in args.ids, (f"uploader {ctx.uploader_id}",))

    text = GOOD.replace("match: {purposes: victim, max_distance: 20}", "uploader: {ids: [u-9]}")
    policy = load_policy(text, registry=registry)
    hit = evaluate(policy, PolicyContext("c", uploader_id="u-9"))
    assert hit.verdict is Outcome.REMOVE and hit.fired[0].evidence == ("uploader u-9",)
    assert "uploader" not in DEFAULT_REGISTRY.names()
    (msg,) = problems(text)
    assert "unknown predicate 'uploader'" in msg


def test_docs_describe_every_predicate_and_argument() -> None:
    docs = (Path(__file__).parents[3] / "docs" / "policy.md").read_text(encoding="utf-8")
    for spec in DEFAULT_REGISTRY:
        assert f"`{spec.name}`" in docs, spec.name
        for name, info in spec.args_model.model_fields.items():
            assert f"`{info.alias or name}`" in docs, f"{spec.name}.{name}"
    for outcome in Outcome:
        assert f"`{outcome.value}`" in docs, outcome
