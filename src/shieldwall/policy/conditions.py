"""The executable form of a rule's ``when``: combinators over registered predicates.

A predicate is a small typed function ``(args, ctx, env) -> PredicateResult`` whose
arguments are a pydantic model, so a YAML typo is refused at load time with the field
that is wrong rather than at 3 a.m. when the rule first runs. Predicates live in a
:class:`PredicateRegistry` that tests (and plugins) can copy and extend without touching
the built-in one. This is deliberately not a language: three combinators (``all``,
``any``, ``not``) and named predicates cover what a trust-and-safety policy needs, and
the YAML stays readable by the policy person who owns it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar

from pydantic import BaseModel, ConfigDict

from shieldwall.errors import DuplicatePredicateError
from shieldwall.policy.context import PolicyContext
from shieldwall.types import DEFAULT_QUALITY_THRESHOLD, Match

COMBINATORS = ("all", "any", "not")


class PredicateArgs(BaseModel):
    """Base of every predicate's argument model: frozen, and unknown fields are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_name=True)


A = TypeVar("A", bound=PredicateArgs)


@dataclass(frozen=True, slots=True)
class PredicateEnv:
    """Evaluation-wide settings predicates may read (kept apart from the item itself)."""

    quality_threshold: int = DEFAULT_QUALITY_THRESHOLD


@dataclass(frozen=True, slots=True)
class PredicateResult:
    """Whether a predicate held, and why, in words a moderator can read.

    ``matches`` lists the bank matches that satisfied it, so the evaluator can tell which
    matches were acted on and explain the ones that were not (suppressed, low quality).
    ``notes`` explain what was looked at and set aside, even when the predicate held.
    """

    matched: bool
    evidence: tuple[str, ...] = ()
    matches: tuple[Match, ...] = ()
    notes: tuple[str, ...] = ()


PredicateFn: TypeAlias = Callable[[Any, PolicyContext, PredicateEnv], PredicateResult]


@dataclass(frozen=True, slots=True)
class PredicateSpec:
    """A registered predicate: its YAML name, argument model, function and one line of help."""

    name: str
    args_model: type[PredicateArgs]
    fn: PredicateFn
    help: str = ""


@dataclass(frozen=True, slots=True)
class PredicateCall:
    """A predicate with validated arguments, ready to run."""

    spec: PredicateSpec
    args: PredicateArgs

    @property
    def name(self) -> str:
        return self.spec.name


@dataclass(frozen=True, slots=True)
class AllOf:
    """Holds when every condition holds (an empty ``all`` is refused at load time)."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """Holds when at least one condition holds."""

    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class NotOf:
    """Holds when the condition does not."""

    condition: Condition


Condition: TypeAlias = AllOf | AnyOf | NotOf | PredicateCall


@dataclass
class PredicateRegistry:
    """Named predicates. ``DEFAULT_REGISTRY`` holds the built-ins; tests use :meth:`copy`.

    The runtime's registry is collected from plug-ins (``shieldwall.plugins.
    collect_predicates``): each spec comes with its ``provider`` (``builtin`` or ``plugin
    <name>``), and ``failed`` names the plug-ins whose hook raised, with the error, so an
    unknown predicate can be explained.
    """

    _specs: dict[str, PredicateSpec] = field(default_factory=dict)
    _providers: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def add(self, spec: PredicateSpec, *, provider: str = "builtin") -> None:
        """Register a ready spec (what a plug-in returns); a name taken is refused."""
        if spec.name in COMBINATORS:
            raise DuplicatePredicateError(
                f"{provider} registers predicate {spec.name!r}, which is a combinator name",
                value=spec.name,
            )
        if spec.name in self._specs:
            taken = self._providers.get(spec.name, "builtin")
            raise DuplicatePredicateError.between("policy predicate", spec.name, taken, provider)
        self._specs[spec.name] = spec
        self._providers[spec.name] = provider

    def provider(self, name: str) -> str:
        """Who provides ``name`` (``builtin`` unless a plug-in registered it)."""
        return self._providers.get(name, "builtin")

    def register(
        self, name: str, args_model: type[A], *, help: str = ""
    ) -> Callable[[Callable[[A, PolicyContext, PredicateEnv], PredicateResult]], PredicateSpec]:
        """Decorator: register ``fn`` under ``name`` with its argument model."""
        if name in COMBINATORS:
            raise ValueError(f"{name!r} is a combinator and cannot be a predicate name")
        if name in self._specs:
            raise ValueError(f"predicate {name!r} is already registered")

        def decorate(
            fn: Callable[[A, PolicyContext, PredicateEnv], PredicateResult],
        ) -> PredicateSpec:
            spec = PredicateSpec(name=name, args_model=args_model, fn=fn, help=help)
            self._specs[name] = spec
            return spec

        return decorate

    def get(self, name: str) -> PredicateSpec | None:
        return self._specs.get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._specs))

    def __iter__(self) -> Iterator[PredicateSpec]:
        return iter(self._specs[name] for name in self.names())

    def copy(self) -> PredicateRegistry:
        """An independent registry with the same predicates (register more without leaking)."""
        return PredicateRegistry(dict(self._specs), dict(self._providers), dict(self.failed))

    def call(self, name: str, **args: Any) -> PredicateCall:
        """Build a validated call in Python (tests, programmatic policies)."""
        spec = self._specs.get(name)
        if spec is None:
            raise KeyError(f"unknown predicate {name!r}")
        return PredicateCall(spec, spec.args_model.model_validate(args))


def condition_to_data(condition: Condition) -> dict[str, Any]:
    """The condition in its YAML shape, with every argument spelled out (for fingerprints)."""
    if isinstance(condition, AllOf):
        return {"all": [condition_to_data(c) for c in condition.conditions]}
    if isinstance(condition, AnyOf):
        return {"any": [condition_to_data(c) for c in condition.conditions]}
    if isinstance(condition, NotOf):
        return {"not": condition_to_data(condition.condition)}
    return {condition.name: condition.args.model_dump(mode="json", by_alias=True)}
