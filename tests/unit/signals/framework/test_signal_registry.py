"""The built-in list: what loads, what shows as "not usable: pip install ...", and why."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tests.unit.signals.framework.fakes import FakeSignal

from shieldwall.signals import (
    BuiltinModule,
    DuplicateSignalError,
    SignalContext,
    SignalInput,
    SignalRegistry,
    Subject,
    UnavailableSignal,
    load_builtin_signals,
    run_signals,
)
from shieldwall.signals.registry import BUILTIN_SIGNAL_MODULES, install_hint
from shieldwall.signals.text import Indicator, IndicatorKind, IndicatorSet


@pytest.fixture
def module_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def _write(folder: Path, name: str, source: str) -> None:
    (folder / f"{name}.py").write_text(textwrap.dedent(source))


def test_builtins_load_and_report_availability() -> None:
    by_name = {s.name: s for s in load_builtin_signals()}
    assert {"text_indicators", "provenance", "watermark"} <= set(by_name)
    assert by_name["provenance"].availability().usable
    assert by_name["watermark"].availability().usable
    text = by_name["text_indicators"].availability()
    assert not text.usable and text.reason == "no indicator set loaded"


def test_missing_optional_dependency_shows_as_not_usable_with_install_hint(
    module_dir: Path,
) -> None:
    _write(module_dir, "sw_needs_dep", "import sw_absent_runtime_lib\n")
    (signal,) = load_builtin_signals(
        modules=[BuiltinModule("sw_needs_dep", "nudity", extra="nudity")]
    )
    assert isinstance(signal, UnavailableSignal)
    availability = signal.availability()
    assert not availability.usable
    assert availability.reason == "optional dependency sw_absent_runtime_lib is not installed"
    assert availability.install_hint == (
        "pip install 'shieldwall[nudity]' (or: pip install sw_absent_runtime_lib)"
    )
    assert availability.describe().startswith("not usable: optional dependency")
    # It never runs, so a scan is unaffected.
    assert run_signals([signal], SignalInput(media=b"x")) == ()


def test_a_listed_module_that_does_not_exist_is_skipped() -> None:
    assert load_builtin_signals(modules=[BuiltinModule("sw_not_written_yet", "faces")]) == []


def test_a_module_that_breaks_on_import_is_reported_not_raised(module_dir: Path) -> None:
    _write(module_dir, "sw_broken", "raise RuntimeError('model file corrupt')\n")
    (signal,) = load_builtin_signals(modules=[BuiltinModule("sw_broken", "guard")])
    assert signal.name == "guard"
    assert signal.availability().reason == "failed to load: RuntimeError: model file corrupt"


def test_signal_classes_are_discovered_when_a_module_has_no_builtin_signals(
    module_dir: Path,
) -> None:
    _write(
        module_dir,
        "sw_discovered",
        """
        from shieldwall.signals import Availability, Subject
        from shieldwall.types import SignalResult

        class SimpleSignal:
            name = "simple"
            version = "1"
            applies_to = frozenset({Subject.IMAGE})
            description = "no arguments needed"
            def availability(self):
                return Availability(True)
            def evaluate(self, item):
                return SignalResult(signal=self.name, version=self.version, score=0.0)

        class ConfiguredSignal(SimpleSignal):
            name = "configured"
            def __init__(self, model_path):
                self.model_path = model_path
        """,
    )
    loaded = load_builtin_signals(modules=[BuiltinModule("sw_discovered", "x")])
    signals = {s.name: s for s in loaded}
    assert signals["simple"].availability().usable
    assert "needs arguments" in (signals["configured"].availability().reason or "")


def test_text_indicator_adapter_runs_the_text_signal_on_a_signal_input() -> None:
    indicators = IndicatorSet(
        [Indicator("17", IndicatorKind.DOMAIN, "nudify-demo.example", source="demo-feed")]
    )
    signals = load_builtin_signals(SignalContext(indicators=indicators))
    adapter = next(s for s in signals if s.name == "text_indicators")
    assert adapter.applies_to == {Subject.TEXT, Subject.URL}
    (result,) = run_signals(
        [adapter], SignalInput(text="see link", link_targets=("https://nudify-demo.example/x",))
    )
    assert result.error is None and result.score and result.score > 0
    assert any("nudify-demo.example" in line for line in result.evidence)


def test_registry_refuses_a_second_signal_with_the_same_name() -> None:
    registry = SignalRegistry()
    registry.register(FakeSignal("dup"))
    with pytest.raises(DuplicateSignalError, match="builtin and plugin other"):
        registry.register(FakeSignal("dup"), provider="plugin other")
    assert len(registry) == 1 and "dup" in registry
    assert registry.get("dup").name == "dup"


def test_registry_usable_lists_only_runnable_signals() -> None:
    registry = SignalRegistry()
    registry.register(FakeSignal("ok"))
    registry.register(FakeSignal("later", behaviour="unusable"))
    assert [s.name for s in registry.usable()] == ["ok"]
    with pytest.raises(KeyError, match="no signal named 'nope'"):
        registry.get("nope")


@pytest.mark.parametrize(
    ("missing", "extra", "hint"),
    [
        ("cv2", None, "pip install opencv-python-headless"),
        ("pywt._extensions", None, "pip install PyWavelets"),
        ("c2pa", None, "pip install c2pa-python"),
        ("onnxruntime", "nudity", "pip install 'shieldwall[nudity]' (or: pip install onnxruntime)"),
    ],
)
def test_install_hints_name_the_distribution(missing: str, extra: str | None, hint: str) -> None:
    assert install_hint(missing, extra) == hint


def test_every_extra_an_install_hint_names_exists() -> None:
    """An install hint must work when pasted: each extra named by a built-in signal module,
    and each ``shieldwall[...]`` written in a hint anywhere in the package, is one the
    installed distribution declares."""
    import re
    from importlib import metadata

    import shieldwall

    declared = set(metadata.metadata("shieldwall").get_all("Provides-Extra") or [])
    named = {entry.extra for entry in BUILTIN_SIGNAL_MODULES if entry.extra}
    source = Path(shieldwall.__file__).parent
    for path in source.rglob("*.py"):
        named |= set(re.findall(r"shieldwall\[([a-z0-9_-]+)\]", path.read_text()))
    assert named <= declared, f"hints name extras that do not exist: {sorted(named - declared)}"


def test_usable_signals_are_worked_out_once_per_registry_and_again_after_a_register(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every scan asks which signals can run; the package look-ups behind the answer are
    made once, and a signal registered later is still seen (and an unusable one still left
    out)."""
    asked: list[str] = []
    original = FakeSignal.availability

    def counting(self: FakeSignal) -> object:
        asked.append(self.name)
        return original(self)

    monkeypatch.setattr(FakeSignal, "availability", counting)
    registry = SignalRegistry()
    registry.register(FakeSignal("one"))
    registry.register(FakeSignal("needs-model", behaviour="unusable"))
    for _ in range(5):
        assert [s.name for s in registry.usable()] == ["one"]
    assert asked == ["one", "needs-model"]
    registry.usable().clear()  # a caller's copy: the registry's answer is unchanged
    registry.register(FakeSignal("two"))
    assert [s.name for s in registry.usable()] == ["one", "two"]
    assert len(asked) == 5
