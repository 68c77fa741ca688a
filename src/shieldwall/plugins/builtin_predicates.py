"""Default plug-in: the built-in policy predicates (``shieldwall.policy.predicates``).

Registered through the same hook as third-party predicates, so one code path lists them,
refuses a duplicate name and builds the registry the runtime compiles policies against.
"""

from __future__ import annotations

from shieldwall.plugins.hookspecs import hookimpl
from shieldwall.policy.conditions import PredicateSpec
from shieldwall.policy.predicates import DEFAULT_REGISTRY


@hookimpl
def shieldwall_register_predicates() -> list[PredicateSpec]:
    return list(DEFAULT_REGISTRY)
