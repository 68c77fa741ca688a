"""Plug-ins: built-ins come as default plug-ins; third-party ones by hook or entry point."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tests.unit.signals.framework.fakes import FakeSignal

from shieldwall.plugins import collect_signals, get_plugin_manager, hookimpl
from shieldwall.signals import DuplicateSignalError, SignalContext, SignalInput, run_signals


class FakePlugin:
    """A plug-in object as a third party would write it."""

    def __init__(self, *signals: FakeSignal) -> None:
        self.signals = list(signals)
        self.contexts: list[SignalContext] = []

    @hookimpl
    def shieldwall_register_signals(self, context: SignalContext) -> list[FakeSignal]:
        self.contexts.append(context)
        return self.signals


class ExplodingPlugin:
    @hookimpl
    def shieldwall_register_signals(self, context: SignalContext) -> list[FakeSignal]:
        raise ImportError("vendor SDK missing")


def test_builtins_come_from_the_default_plugin() -> None:
    registry = collect_signals(get_plugin_manager(load_entrypoints=False))
    providers = {e.signal.name: e.provider for e in registry.entries()}
    assert providers["provenance"] == "builtin" and providers["watermark"] == "builtin"


def test_a_registered_plugin_signal_is_listed_after_builtins_and_runs() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    plugin = FakePlugin(FakeSignal("platform_model"))
    pm.register(plugin, name="acme")
    context = SignalContext(c2pa_trust_anchors="PEM")
    registry = collect_signals(pm, context)
    entries = registry.entries()
    assert entries[-1].signal.name == "platform_model" and entries[-1].provider == "plugin acme"
    assert entries[0].provider == "builtin"
    assert plugin.contexts == [context]  # one context object, passed by keyword
    results = run_signals(registry.usable(), SignalInput(text="hi"))
    assert [r.signal for r in results] == ["platform_model"]


def test_a_failing_plugin_shows_as_one_unusable_entry() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(ExplodingPlugin(), name="vendor")
    registry = collect_signals(pm)
    broken = registry.get("vendor:error")
    assert broken.availability().reason == "plug-in vendor failed: ImportError: vendor SDK missing"
    assert "provenance" in registry


def test_a_plugin_reusing_a_builtin_name_is_refused() -> None:
    pm = get_plugin_manager(load_entrypoints=False)
    pm.register(FakePlugin(FakeSignal("provenance")), name="copycat")
    with pytest.raises(DuplicateSignalError, match="'provenance'"):
        collect_signals(pm)


def test_plugins_installed_under_the_entry_point_group_are_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A real (tiny) installed distribution: metadata plus an entry point, found on sys.path.
    (tmp_path / "sw_entry_plugin.py").write_text(
        textwrap.dedent(
            """
            from shieldwall.plugins import hookimpl
            from tests.unit.signals.framework.fakes import FakeSignal

            @hookimpl
            def shieldwall_register_signals(context):
                return [FakeSignal("from_entry_point")]
            """
        )
    )
    dist = tmp_path / "sw_entry_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: sw-entry-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[shieldwall]\nentry_demo = sw_entry_plugin\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry = collect_signals(get_plugin_manager())
    assert registry.entries()[-1].signal.name == "from_entry_point"
    assert registry.entries()[-1].provider == "plugin entry_demo"
