"""Plug-ins: pluggy hook specifications and the manager that loads them.

Built-in behaviour is registered as ordinary default plug-ins (``DEFAULT_PLUGINS``), and
third-party packages add theirs through the ``shieldwall`` entry-point group::

    # a third-party package's pyproject.toml
    [project.entry-points.shieldwall]
    my_signals = "my_package.shieldwall_plugin"

    # my_package/shieldwall_plugin.py
    from shieldwall.plugins import hookimpl

    @hookimpl
    def shieldwall_register_signals(context):
        return [MySignal()]

The hooks are ``shieldwall_register_signals``, ``shieldwall_register_exchanges``,
``shieldwall_register_predicates`` (policy predicates) and ``shieldwall_register_actions``
(action kinds the worker performs). Every hook takes at most one context object (never a
growing list of positional parameters), so a new field never breaks an existing plug-in.
"""

from shieldwall.plugins.actions import ActionContext, ActionRegistry, ActionRequest, ActionType
from shieldwall.plugins.hookspecs import PROJECT_NAME, hookimpl, hookspec
from shieldwall.plugins.manager import (
    DEFAULT_PLUGINS,
    ENTRY_POINT_GROUP,
    collect_actions,
    collect_exchanges,
    collect_predicates,
    collect_signals,
    get_plugin_manager,
)

__all__ = [
    "DEFAULT_PLUGINS",
    "ENTRY_POINT_GROUP",
    "PROJECT_NAME",
    "ActionContext",
    "ActionRegistry",
    "ActionRequest",
    "ActionType",
    "collect_actions",
    "collect_exchanges",
    "collect_predicates",
    "collect_signals",
    "get_plugin_manager",
    "hookimpl",
    "hookspec",
]
