"""Policy documents (pydantic, as written in YAML) and the compiled :class:`Policy`.

Loading is two steps. First the YAML is validated into :class:`PolicyDocument`, which
checks everything except the ``when`` trees; then each ``when`` is compiled against a
:class:`PredicateRegistry`, validating every predicate's arguments with that predicate's
own model. Both steps report problems as ``(loc, message)`` pairs so that the loader can
point at the YAML line. The result is a plain frozen :class:`Policy` that the evaluator
runs without looking anything up.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails

from shieldwall.errors import InvalidPolicyError
from shieldwall.policy.conditions import (
    COMBINATORS,
    AllOf,
    AnyOf,
    Condition,
    NotOf,
    PredicateCall,
    PredicateRegistry,
    condition_to_data,
)
from shieldwall.types import DEFAULT_QUALITY_THRESHOLD, Outcome

Loc = tuple[str | int, ...]
Priority = Literal["low", "normal", "high", "urgent"]
PRIORITY_RANK: dict[str, int] = {"low": 0, "normal": 1, "high": 2, "urgent": 3}

_OUTCOME_PARAMS: dict[Outcome, frozenset[str]] = {
    Outcome.REVIEW: frozenset({"queue", "priority", "sla_hours"}),
    Outcome.ADD_TO_BANK: frozenset({"bank"}),
}


class OutcomeSpec(BaseModel):
    """One entry of a rule's ``then``: an outcome and, for some, its parameters.

    YAML spells it ``block`` or ``{review: {queue: ncii, priority: high, sla_hours: 24}}``
    or ``{add_to_bank: {bank: internal-confirmed}}``. ``escalate_child_safety`` only
    prepares a report for a human to send; nothing is ever filed automatically.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: Outcome
    queue: str | None = Field(None, min_length=1, max_length=100)
    priority: Priority | None = None
    sla_hours: int | None = Field(None, gt=0, le=24 * 90)
    bank: str | None = Field(None, min_length=1, max_length=200)

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"outcome": data}
        elif isinstance(data, dict) and "outcome" not in data and len(data) == 1:
            ((name, params),) = data.items()
            if params is None:
                params = {}
            if not isinstance(params, dict):
                raise ValueError(f"the parameters of {name} must be a mapping")
            data = {"outcome": name, **params}
        if isinstance(data, dict) and data.get("outcome") == Outcome.REVIEW:
            data = {"priority": "normal", **data}
        return data

    @model_validator(mode="after")
    def _params_fit(self) -> OutcomeSpec:
        allowed = _OUTCOME_PARAMS.get(self.outcome, frozenset())
        given = {n for n in ("queue", "priority", "sla_hours", "bank") if getattr(self, n)}
        if given - allowed:
            raise ValueError(f"{self.outcome.value} takes no {', '.join(sorted(given - allowed))}")
        if self.outcome is Outcome.REVIEW and self.queue is None:
            raise ValueError("review needs a queue")
        if self.outcome is Outcome.ADD_TO_BANK and self.bank is None:
            raise ValueError("add_to_bank needs a bank")
        return self

    def to_data(self) -> str | dict[str, Any]:
        """The YAML shape again: a bare name, or ``{name: {params}}``."""
        params = self.model_dump(mode="json", exclude={"outcome"}, exclude_none=True)
        return {self.outcome.value: params} if params else self.outcome.value

    def describe(self) -> str:
        params = self.model_dump(mode="json", exclude={"outcome"}, exclude_none=True)
        inner = ", ".join(f"{k}={v}" for k, v in params.items())
        return f"{self.outcome.value}({inner})" if inner else self.outcome.value


def _listify(value: Any) -> Any:
    return [value] if isinstance(value, str | dict) else value


class RuleDocument(BaseModel):
    """A rule as written; ``when`` is compiled separately against the predicate registry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100)
    description: str = ""
    when: dict[str, Any]
    then: Annotated[tuple[OutcomeSpec, ...], BeforeValidator(_listify)] = Field(min_length=1)
    category: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=100)
    stop: bool = False

    @field_validator("then")
    @classmethod
    def _allow_alone(cls, then: tuple[OutcomeSpec, ...]) -> tuple[OutcomeSpec, ...]:
        if len(then) > 1 and any(o.outcome is Outcome.ALLOW for o in then):
            raise ValueError("allow cannot be combined with other outcomes")
        return then


def _category_text(value: Any) -> Any:
    # `ncii_known_match: "text"` and `ncii_known_match: {description: "text"}` both read well.
    if isinstance(value, dict) and set(value) == {"description"}:
        return value["description"]
    return value


class PolicyDocument(BaseModel):
    """The top level of a policy file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    quality_threshold: int = Field(DEFAULT_QUALITY_THRESHOLD, ge=0, le=100)
    categories: dict[str, Annotated[str, BeforeValidator(_category_text)]] = {}
    rules: tuple[RuleDocument, ...] = ()


@dataclass(frozen=True)
class Rule:
    """A compiled rule: when ``when`` holds, its outcomes apply (and ``stop`` ends evaluation)."""

    id: str
    when: Condition
    then: tuple[OutcomeSpec, ...]
    category: str
    description: str = ""
    stop: bool = False

    def to_data(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "description": self.description,
            "when": condition_to_data(self.when),
            "then": [o.to_data() for o in self.then],
            "category": self.category,
            "stop": self.stop,
        }


@dataclass(frozen=True)
class Policy:
    """A validated, ready-to-run policy. Build one with ``load_policy`` or in Python."""

    version: str
    name: str
    rules: tuple[Rule, ...]
    categories: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    quality_threshold: int = DEFAULT_QUALITY_THRESHOLD

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "categories", MappingProxyType(dict(self.categories)))
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise InvalidPolicyError(f"rule id {rule.id!r} is used twice", value=rule.id)
            seen.add(rule.id)

    def to_dict(self) -> dict[str, Any]:
        """The policy as plain data in its YAML shape, every predicate argument spelled out."""
        return {
            "version": self.version,
            "name": self.name,
            "description": self.description,
            "quality_threshold": self.quality_threshold,
            "categories": dict(self.categories),
            "rules": [r.to_data() for r in self.rules],
        }

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the canonical JSON form: equal for equal policies, however written."""
        canonical = json.dumps(
            self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --- compiling ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a policy: where (pydantic-style loc) and what."""

    loc: Loc
    message: str
    line: int | None = None
    """Set when the problem knows its own line better than its loc does (duplicate keys)."""


def friendly_message(error: ErrorDetails) -> str:
    """Pydantic's error in the words a policy author expects ("must be <= 256")."""
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    bounds = {
        "less_than_equal": ("<=", "le"),
        "less_than": ("<", "lt"),
        "greater_than_equal": (">=", "ge"),
        "greater_than": (">", "gt"),
    }
    if kind in bounds:
        op, key = bounds[kind]
        return f"must be {op} {ctx[key]}"
    if kind == "string_type":
        return "must be text (put it in quotes)"
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r}" if error["loc"] else "unknown field"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "string_pattern_mismatch":
        return "must be lowercase letters, digits, '_', '-' or '.'"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    return str(error["msg"])


def _problems(exc: ValidationError, prefix: Loc) -> list[Problem]:
    errors = exc.errors()
    locs = [tuple(e["loc"]) for e in errors]

    def echo(error: ErrorDetails) -> bool:
        # Pydantic also says a list is "too short" when its only items were invalid;
        # the item errors already say everything.
        loc = tuple(error["loc"])
        return error["type"] == "too_short" and any(
            other[: len(loc)] == loc and len(other) > len(loc) for other in locs
        )

    return [Problem(prefix + tuple(e["loc"]), friendly_message(e)) for e in errors if not echo(e)]


def compile_condition(
    raw: Any, registry: PredicateRegistry, loc: Loc, problems: list[Problem]
) -> Condition | None:
    """Turn a YAML ``when`` tree into a :data:`Condition`, appending any problems found."""
    if not isinstance(raw, dict) or len(raw) != 1:
        problems.append(
            Problem(loc, "a condition is a mapping with one key: all, any, not or a predicate")
        )
        return None
    ((key, value),) = raw.items()
    here = (*loc, key)
    if key in ("all", "any"):
        if not isinstance(value, list) or not value:
            problems.append(Problem(here, f"{key} needs a non-empty list of conditions"))
            return None
        parts = [compile_condition(v, registry, (*here, i), problems) for i, v in enumerate(value)]
        if any(p is None for p in parts):
            return None
        conditions = tuple(p for p in parts if p is not None)
        return AllOf(conditions) if key == "all" else AnyOf(conditions)
    if key == "not":
        inner = compile_condition(value, registry, here, problems)
        return None if inner is None else NotOf(inner)
    spec = registry.get(str(key))
    if spec is None:
        known = [*COMBINATORS, *registry.names()]
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        failed = "".join(
            f"; plug-in {name} failed to load ({error})" for name, error in registry.failed.items()
        )
        problems.append(
            Problem(here, f"unknown predicate {key!r}; {hint}known: {', '.join(known)}{failed}")
        )
        return None
    try:
        args = spec.args_model.model_validate({} if value is None else value)
    except ValidationError as exc:
        found = _problems(exc, here)
        fields = sorted(f.alias or n for n, f in spec.args_model.model_fields.items())
        problems.extend(
            Problem(p.loc, f"{p.message}; {key} takes: {', '.join(fields)}")
            if p.message.startswith("unknown field")
            else p
            for p in found
        )
        return None
    return PredicateCall(spec, args)


def compile_policy(data: Any, registry: PredicateRegistry) -> Policy:
    """Validate and compile parsed YAML; raise :class:`PolicyProblems` listing everything wrong."""
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise PolicyProblems([Problem((), "a policy is a mapping with version, name and rules")])
    document: PolicyDocument | None = None
    try:
        document = PolicyDocument.model_validate(data)
    except ValidationError as exc:
        # `when` problems are reported below, from the raw data, so skip pydantic's view.
        problems.extend(p for p in _problems(exc, ()) if not _is_when_type_error(p))
    raw_rules = data.get("rules")
    conditions: list[Condition | None] = []
    if isinstance(raw_rules, list):
        for i, raw in enumerate(raw_rules):
            if not isinstance(raw, dict) or "when" not in raw:
                conditions.append(None)  # pydantic has already said what is missing
                continue
            where = ("rules", i, "when")
            conditions.append(compile_condition(raw["when"], registry, where, problems))
    if document is not None:
        _cross_check(document, problems)
    if problems or document is None:
        raise PolicyProblems(problems)
    rules = tuple(
        Rule(
            id=doc.id,
            when=cond,
            then=doc.then,
            category=doc.category,
            description=doc.description,
            stop=doc.stop,
        )
        for doc, cond in zip(document.rules, conditions, strict=True)
        if cond is not None
    )
    return Policy(
        version=document.version,
        name=document.name,
        rules=rules,
        categories=document.categories,
        description=document.description,
        quality_threshold=document.quality_threshold,
    )


def _is_when_type_error(problem: Problem) -> bool:
    loc = problem.loc
    return (
        len(loc) == 3
        and loc[0] == "rules"
        and loc[2] == "when"
        and problem.message != "is required"
    )


def _cross_check(document: PolicyDocument, problems: list[Problem]) -> None:
    seen: dict[str, int] = {}
    for i, rule in enumerate(document.rules):
        if rule.id in seen:
            problems.append(
                Problem(
                    ("rules", i, "id"),
                    f"rule id {rule.id!r} already used by rules[{seen[rule.id]}]",
                )
            )
        seen.setdefault(rule.id, i)
        if document.categories and rule.category not in document.categories:
            problems.append(
                Problem(
                    ("rules", i, "category"),
                    f"category {rule.category!r} is not declared; declared: "
                    + ", ".join(sorted(document.categories)),
                )
            )


class PolicyProblems(Exception):
    """Internal: everything wrong with a policy, before the loader adds YAML line numbers."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__("; ".join(f"{p.loc}: {p.message}" for p in problems))
        self.problems = tuple(problems)
