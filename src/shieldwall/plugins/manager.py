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
from collections.abc import Iterable, Iterator, Sequence
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


def _each_provided(
    pm: pluggy.PluginManager, hook: str, failed: dict[str, str]
) -> Iterator[tuple[str, object]]:
    """(provider, item) for every item every plug-in's ``hook`` returns, built-ins first; a
    plug-in whose hook raises is left out and its error recorded in ``failed``."""
    for impl in getattr(pm.hook, hook).get_hookimpls():
        try:
            items = list(cast(Iterable[object], impl.function()))
        except Exception as exc:
            failed[impl.plugin_name] = _failure(
                hook.removeprefix("shieldwall_register_"), impl.plugin_name, exc
            )
            continue
        for item in items:
            yield _provider(impl.plugin_name), item


def collect_predicates(pm: pluggy.PluginManager) -> PredicateRegistry:
    """Every plug-in's policy predicates in one registry, built-ins first.

    Raises :class:`~shieldwall.errors.DuplicatePredicateError` when two providers use the
    same name; a plug-in whose hook raises is left out and named in ``registry.failed``.
    """
    registry = PredicateRegistry()
    for provider, spec in _each_provided(pm, "shieldwall_register_predicates", registry.failed):
        registry.add(cast(PredicateSpec, spec), provider=provider)
    return registry


def collect_actions(pm: pluggy.PluginManager) -> ActionRegistry:
    """Every plug-in's action kinds in one registry, built-ins first.

    Raises :class:`~shieldwall.errors.DuplicateActionKindError` when two providers use the
    same kind; a plug-in whose hook raises is left out and named in ``registry.failed``.
    """
    registry = ActionRegistry()
    for provider, action in _each_provided(pm, "shieldwall_register_actions", registry.failed):
        registry.register(cast(ActionType, action), provider=provider)
    return registry
