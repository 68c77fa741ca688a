"""Reading policies from YAML, with errors that name the line and the field.

The YAML is composed into a node tree first, so every value keeps its line number; the
data built from the same tree is validated, and each problem's pydantic-style location
(``rules[2].when.match.max_distance``) is walked back down the node tree to its line.
A policy author therefore reads ``rules[2].when.match.max_distance: line 14: must be
<= 256`` instead of a stack trace.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from shieldwall.errors import InvalidPolicyError
from shieldwall.policy.conditions import PredicateRegistry
from shieldwall.policy.model import Loc, Policy, PolicyProblems, Problem, compile_policy
from shieldwall.policy.predicates import DEFAULT_REGISTRY

DEFAULT_POLICY_RESOURCE = "default_policy.yaml"


class PolicyLoadError(InvalidPolicyError):
    """A policy file that cannot be used; ``problems`` lists each one with its line.

    Same stable code as :class:`InvalidPolicyError` (``invalid_policy``); the list is what
    an API or CLI shows one per line.
    """

    def __init__(self, message: str, problems: Sequence[PolicyProblem]) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


class PolicyProblem:
    """One problem, located: ``path`` like ``rules[2].when``, ``line`` 1-based or None."""

    __slots__ = ("line", "message", "path")

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = [part for part in (self.path, f"line {self.line}" if self.line else "") if part]
        return ": ".join([*where, self.message])

    def __repr__(self) -> str:
        return f"PolicyProblem({str(self)!r})"


def format_loc(loc: Loc) -> str:
    """``("rules", 2, "when")`` as ``rules[2].when``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def line_of(node: yaml.Node | None, loc: Loc) -> int | None:
    """The 1-based line of the deepest node that ``loc`` reaches in the YAML tree.

    A location that runs past the document (a missing field) stops at its parent, which
    is the line the author has to edit. Outcome shorthand (``{review: {queue: x}}``) has
    one key more than the validated shape, so a one-key mapping is looked through.
    """
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        step = _step(node, part)
        if step is None and isinstance(node, yaml.MappingNode) and len(node.value) == 1:
            step = _step(node.value[0][1], part)
        if step is None:
            break
        line, node = step
    return line


def _step(node: yaml.Node, part: str | int) -> tuple[int, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                return key.start_mark.line + 1, value
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item.start_mark.line + 1, item
    return None


def _duplicate_keys(node: yaml.Node | None, loc: Loc = ()) -> list[Problem]:
    # PyYAML silently keeps the last of two equal keys; in a policy that hides a rule's
    # intent (two `then:`), so it is an error here.
    found: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else "?"
            if name in seen:
                line = key.start_mark.line + 1
                found.append(Problem((*loc, name), f"duplicate key {name!r}", line))
            seen.add(name)
            found.extend(_duplicate_keys(value, (*loc, name)))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found.extend(_duplicate_keys(item, (*loc, i)))
    return found


def _raise(problems: Sequence[Problem], node: yaml.Node | None, source: str | None) -> None:
    located = [
        PolicyProblem(format_loc(p.loc), p.line or line_of(node, p.loc), p.message)
        for p in problems
    ]
    located.sort(key=lambda p: (p.line or 0, p.path))
    lines = [str(p) for p in located]
    if len(lines) > 1:
        message = f"{len(lines)} problems in {source or 'the policy'}:\n" + "\n".join(lines)
    else:
        message = f"{source}: {lines[0]}" if source else lines[0]
    raise PolicyLoadError(message, located)


def parse_policy(
    text: str, *, registry: PredicateRegistry | None = None, source: str | None = None
) -> Policy:
    """Parse policy YAML text; raise :class:`PolicyLoadError` naming each bad line and field.

    ``source`` (a file name) prefixes the message so a CLI user knows which file is wrong.
    """
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        loader = yaml.SafeLoader("")
        try:
            data = None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = PolicyProblem("", line, f"not valid YAML: {exc.problem or exc.context}")
        prefix = f"{source}: " if source else ""
        raise PolicyLoadError(prefix + str(problem), [problem]) from exc
    except yaml.YAMLError as exc:
        problem = PolicyProblem("", None, f"not valid YAML: {exc}")
        prefix = f"{source}: " if source else ""
        raise PolicyLoadError(prefix + str(problem), [problem]) from exc
    duplicates = _duplicate_keys(node)
    if duplicates:
        _raise(duplicates, node, source)
    try:
        return compile_policy(data, registry or DEFAULT_REGISTRY)
    except PolicyProblems as exc:
        _raise(exc.problems, node, source)
        raise  # unreachable: _raise always raises


def load_policy(source: str | Path, *, registry: PredicateRegistry | None = None) -> Policy:
    """Load a policy from a path or from YAML text.

    A :class:`~pathlib.Path`, or a one-line string ending in ``.yaml``/``.yml``, is read as
    a file; any other string is the YAML itself.
    """
    if isinstance(source, Path) or (
        "\n" not in source and source.strip().endswith((".yaml", ".yml"))
    ):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidPolicyError(f"cannot read policy file: {exc}", value=str(path)) from exc
        return parse_policy(text, registry=registry, source=str(path))
    return parse_policy(source, registry=registry)


def default_policy_text() -> str:
    """The bundled default policy YAML (a starting point to copy and edit)."""
    return resources.files("shieldwall.policy").joinpath(DEFAULT_POLICY_RESOURCE).read_text("utf-8")


@lru_cache(maxsize=1)
def default_policy() -> Policy:
    """The bundled default policy, compiled against the built-in predicates."""
    return parse_policy(default_policy_text(), source=DEFAULT_POLICY_RESOURCE)


def policy_fingerprint(policy: Policy) -> str:
    """SHA-256 of the policy's canonical JSON, to tell stored versions apart."""
    return policy.fingerprint
