"""The hooks a Shieldwall plug-in can implement.

Each hook takes at most one argument, a ``context`` object. Four parts are open to plug-ins:
signals, exchange connectors, policy predicates and action kinds. The built-ins of each come
through the same hook, as default plug-ins (``manager.DEFAULT_PLUGINS``).
"""

from __future__ import annotations

import pluggy

from shieldwall.plugins.actions import ActionType
from shieldwall.policy.conditions import PredicateSpec
from shieldwall.signals.base import Signal
from shieldwall.signals.registry import SignalContext

PROJECT_NAME = "shieldwall"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


@hookspec
def shieldwall_register_signals(context: SignalContext) -> list[Signal]:  # type: ignore[empty-body]
    """Return the signals this plug-in provides, built for ``context``.

    Names must be unique across all plug-ins and built-ins. A signal whose dependencies are
    missing should still be returned, with ``availability()`` saying what to install.
    """


@hookspec
def shieldwall_register_exchanges() -> list[type]:  # type: ignore[empty-body]
    """Return the exchange connector classes this plug-in provides.

    Each class has a unique ``kind`` and ``description`` and is built with an
    :class:`~shieldwall.exchange.connectors.ExchangeContext`; see
    :class:`~shieldwall.exchange.connectors.ExchangeConnector`.
    """


@hookspec
def shieldwall_register_predicates() -> list[PredicateSpec]:  # type: ignore[empty-body]
    """Return the policy predicates this plug-in provides.

    Build each with :class:`~shieldwall.policy.PredicateSpec` (a YAML name, a
    :class:`~shieldwall.policy.PredicateArgs` model that validates the rule's arguments, and
    ``fn(args, ctx, env) -> PredicateResult``). Names must be unique across all plug-ins and
    built-ins, and may not be a combinator (``all``, ``any``, ``not``).
    """


@hookspec
def shieldwall_register_actions() -> list[ActionType]:  # type: ignore[empty-body]
    """Return the action kinds this plug-in performs (:class:`~shieldwall.plugins.ActionType`).

    The worker performs an outbox row of that kind by calling ``perform(request, context)``,
    which answers an :class:`~shieldwall.actions.Attempt`. Kinds must be unique across all
    plug-ins and built-ins.
    """
