"""shieldwall.policy: rules as data that turn matches and signals into decisions.

Load a policy (``load_policy`` or the bundled ``default_policy()``), build a
``PolicyContext`` for an item, and call ``evaluate``; the ``Decision`` names the verdict,
every rule that fired with its evidence, and the actions to store in the outbox. The
package is pure: no I/O beyond reading a policy file, no web or database imports.
"""

from shieldwall.policy.conditions import (
    AllOf,
    AnyOf,
    Condition,
    NotOf,
    PredicateArgs,
    PredicateCall,
    PredicateEnv,
    PredicateRegistry,
    PredicateResult,
    PredicateSpec,
)
from shieldwall.policy.context import PolicyContext
from shieldwall.policy.decision import (
    Action,
    ActionKind,
    Decision,
    DecisionDiff,
    RuleHit,
    diff_decisions,
)
from shieldwall.policy.evaluate import evaluate, most_severe
from shieldwall.policy.loader import (
    PolicyLoadError,
    PolicyProblem,
    default_policy,
    default_policy_text,
    load_policy,
    parse_policy,
    policy_fingerprint,
)
from shieldwall.policy.model import OutcomeSpec, Policy, Rule
from shieldwall.policy.predicates import DEFAULT_REGISTRY
from shieldwall.types import SURFACES

__all__ = [
    "DEFAULT_REGISTRY",
    "SURFACES",
    "Action",
    "ActionKind",
    "AllOf",
    "AnyOf",
    "Condition",
    "Decision",
    "DecisionDiff",
    "NotOf",
    "OutcomeSpec",
    "Policy",
    "PolicyContext",
    "PolicyLoadError",
    "PolicyProblem",
    "PredicateArgs",
    "PredicateCall",
    "PredicateEnv",
    "PredicateRegistry",
    "PredicateResult",
    "PredicateSpec",
    "Rule",
    "RuleHit",
    "default_policy",
    "default_policy_text",
    "diff_decisions",
    "evaluate",
    "load_policy",
    "most_severe",
    "parse_policy",
    "policy_fingerprint",
]
