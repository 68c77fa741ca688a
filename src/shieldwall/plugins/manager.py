"""The plug-in manager: default plug-ins plus those installed under the ``shieldwall`` group.

``collect_signals`` calls each plug-in's hook on its own, so a plug-in that raises shows up as
one unusable entry named after the plug-in instead of hiding every other signal.
``collect_predicates`` and ``collect_actions`` do the same: a plug-in that raises is logged
and named in the registry's ``failed`` (its names are then unknown, and say why), the others
load; a name or kind provided twice is refused with an error naming both providers.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Iterable, Sequence
from typing import cast

import pluggy

from shieldwall.plugins import hookspecs
from shieldwall.plugins.actions import ActionRegistry, ActionType
from shieldwall.policy.conditions import PredicateRegistry, PredicateSpec
from shieldwall.signals.base import Signal
from shieldwall.signals.registry import SignalContext, SignalRegistry, UnavailableSignal

log = logging.getLogger("shieldwall.plugins")

ENTRY_POINT_GROUP = "shieldwall"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "shieldwall.plugins.builtin_signals",
    "shieldwall.exchange.connectors.builtin",
    "shieldwall.plugins.builtin_predicates",
    "shieldwall.plugins.builtin_actions",
)
"""Modules registered as plug-ins before any third-party one."""


def get_plugin_manager(
    *, load_entrypoints: bool = True, default_plugins: Sequence[str] = DEFAULT_PLUGINS
) -> pluggy.PluginManager:
    """A manager with the hook specs, the default plug-ins and (unless told not to) every
    plug-in installed under the ``shieldwall`` entry-point group."""
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for name in default_plugins:
        pm.register(importlib.import_module(name), name=name)
    if load_entrypoints:
        pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP)
    return pm


def _provider(plugin_name: str) -> str:
    return "builtin" if plugin_name in DEFAULT_PLUGINS else f"plugin {plugin_name}"


def collect_signals(
    pm: pluggy.PluginManager, context: SignalContext | None = None
) -> SignalRegistry:
    """Every plug-in's signals in one registry: default plug-ins first, then in load order.

    Raises :class:`~shieldwall.signals.registry.DuplicateSignalError` when two providers use the
    same signal name.
    """
    ctx = context or SignalContext()
    registry = SignalRegistry()
    # get_hookimpls() lists plug-ins in registration order (pluggy *calls* them in reverse);
    # calling each ourselves keeps built-ins first and one failing plug-in contained.
    for impl in pm.hook.shieldwall_register_signals.get_hookimpls():
        provider = _provider(impl.plugin_name)
        try:
            signals: list[Signal] = list(cast(Iterable[Signal], impl.function(context=ctx)))
        except Exception as exc:
            signals = [
                UnavailableSignal(
                    f"{impl.plugin_name}:error",
                    f"plug-in {impl.plugin_name} failed: {type(exc).__name__}: {exc}",
                )
            ]
        for signal in signals:
            registry.register(signal, provider=provider)
    return registry


def collect_exchanges(pm: pluggy.PluginManager) -> list[type]:
    """Every plug-in's exchange connector classes, built-ins first (the runtime puts them in
    an :class:`~shieldwall.exchange.connectors.ExchangeRegistry`)."""
    found: list[type] = []
    for impl in pm.hook.shieldwall_register_exchanges.get_hookimpls():
        found.extend(cast(Iterable[type], impl.function()))
    return found


def _failure(kind: str, plugin_name: str, exc: Exception) -> str:
    error = f"{type(exc).__name__}: {exc}"
    log.warning("plugins.%s_failed plugin=%s error=%r", kind, plugin_name, error)
    return error


def collect_predicates(pm: pluggy.PluginManager) -> PredicateRegistry:
    """Every plug-in's policy predicates in one registry, built-ins first.

    Raises :class:`~shieldwall.errors.DuplicatePredicateError` when two providers use the
    same name; a plug-in whose hook raises is left out and named in ``registry.failed``.
    """
    registry = PredicateRegistry()
    for impl in pm.hook.shieldwall_register_predicates.get_hookimpls():
        try:
            specs = list(cast(Iterable[PredicateSpec], impl.function()))
        except Exception as exc:
            registry.failed[impl.plugin_name] = _failure("predicates", impl.plugin_name, exc)
            continue
        for spec in specs:
            registry.add(spec, provider=_provider(impl.plugin_name))
    return registry


def collect_actions(pm: pluggy.PluginManager) -> ActionRegistry:
    """Every plug-in's action kinds in one registry, built-ins first.

    Raises :class:`~shieldwall.errors.DuplicateActionKindError` when two providers use the
    same kind; a plug-in whose hook raises is left out and named in ``registry.failed``.
    """
    registry = ActionRegistry()
    for impl in pm.hook.shieldwall_register_actions.get_hookimpls():
        try:
            kinds = list(cast(Iterable[ActionType], impl.function()))
        except Exception as exc:
            registry.failed[impl.plugin_name] = _failure("actions", impl.plugin_name, exc)
            continue
        for action in kinds:
            registry.register(action, provider=_provider(impl.plugin_name))
    return registry
