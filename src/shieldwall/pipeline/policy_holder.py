"""The active policy: stored versions, parsed once, swapped atomically.

Every decision names the policy version that made it, so the text of every
version that was ever active is kept (``policy_versions``). On first start the
bundled default policy becomes version one.
"""

from __future__ import annotations

import threading

from shieldwall.policy import (
    Policy,
    PredicateRegistry,
    default_policy_text,
    parse_policy,
    policy_fingerprint,
)
from shieldwall.store import KeyStore


class PolicyHolder:
    """Hands out the active :class:`Policy`; re-reads it when another process activated one.

    ``predicates`` is what policies are compiled against: the runtime passes the built-in
    and plug-in predicates (``shieldwall.plugins.collect_predicates``); ``None`` means the
    built-ins alone.
    """

    def __init__(self, keys: KeyStore, *, predicates: PredicateRegistry | None = None) -> None:
        self._keys = keys
        self._predicates = predicates
        self._lock = threading.Lock()
        self._policy: Policy | None = None
        self._fingerprint: str | None = None

    @property
    def policy(self) -> Policy:
        if self._policy is None:
            self.reload()
        assert self._policy is not None
        return self._policy

    @property
    def fingerprint(self) -> str:
        self.policy  # noqa: B018 - loads on first use
        assert self._fingerprint is not None
        return self._fingerprint

    def reload(self) -> Policy:
        """Load the active version from the store (activating the default on an empty store)."""
        with self._lock:
            active = self._keys.active_policy()
            if active is None:
                text = default_policy_text()
                policy = parse_policy(text, registry=self._predicates, source="default_policy.yaml")
                active = self._keys.activate_policy(
                    version=policy.version, fingerprint=policy_fingerprint(policy), text=text
                )
            if active.fingerprint != self._fingerprint:
                self._policy = parse_policy(
                    active.text, registry=self._predicates, source=f"policy {active.version}"
                )
                self._fingerprint = active.fingerprint
            assert self._policy is not None
            return self._policy

    def activate(self, text: str) -> Policy:
        """Validate ``text`` and make it the active policy (raises InvalidPolicyError)."""
        policy = parse_policy(text, registry=self._predicates, source="policy upload")
        fp = policy_fingerprint(policy)
        self._keys.activate_policy(version=policy.version, fingerprint=fp, text=text)
        with self._lock:
            self._policy = policy
            self._fingerprint = fp
        return policy
