"""`shieldwall indicators …` on a real database, and the runtime picking up list changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from shieldwall.cli.indicators_cmd import indicators_app
from shieldwall.config import load_settings
from shieldwall.exchange.indicators import read_misp, read_stix
from shieldwall.runtime import Runtime
from shieldwall.signals import SignalInput
from shieldwall.store import make_engine, session_factory
from shieldwall.store.indicators import IndicatorStore


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"SHIELDWALL_DATABASE_URL": database_url, "SHIELDWALL_DATA_DIR": str(tmp_path / "d")}


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(indicators_app, list(args), env=env)


def _json(result: Result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_cli_manages_a_list_and_explains_a_hit(env: dict[str, str], tmp_path: Path) -> None:
    assert _run(env, "create-list", "demo", "--source", "demo-feed").exit_code == 0
    assert _run(env, "create-list", "demo").exit_code == 5  # conflict
    added = _run(env, "add", "demo", "bot_handle", "@Undress_Demo_Bot", "--json")
    assert added.exit_code == 0, added.output
    assert _json(added)[0]["value"] == "undress_demo_bot"
    assert _run(env, "add", "demo", "domain", "no-dot").exit_code == 3
    assert _run(env, "add", "missing", "domain", "a.example").exit_code == 4

    feed = tmp_path / "feed.csv"
    feed.write_text(
        "id,kind,value,confidence\n"
        "1,domain,nudify-demo.example,0.8\n"
        "2,keyword,,0.5\n"
        "3,keyword,undress anyone free,0.7\n"
    )
    first = _run(env, "import", "demo", str(feed), "--json")
    assert first.exit_code == 3  # one bad record; the others are stored
    report = _json(first)[0]
    assert (report["added"], [e["position"] for e in report["errors"]]) == (2, ["line 3"])
    again = _json(_run(env, "import", "demo", str(feed), "--json"))[0]
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)

    lists = _json(_run(env, "list", "--json"))
    assert [(row["name"], row["active_indicators"]) for row in lists] == [("demo", 3)]
    assert {row["value"] for row in _json(_run(env, "list", "demo", "--json"))} == {
        "undress_demo_bot",
        "nudify-demo.example",
        "undress anyone free",
    }

    hit = _run(env, "test", "get it at hxxps://nudify-demo[.]example", "--fail-on-match")
    assert hit.exit_code == 1
    assert "domain nudify-demo.example matched indicator 1 from feed demo" in hit.stdout
    assert _run(env, "remove", "demo", "domain", "nudify-demo.example").exit_code == 0
    miss = _json(_run(env, "test", "get it at hxxps://nudify-demo[.]example", "--json"))[0]
    assert (miss["score"], miss["evidence"], miss["indicators_loaded"]) == (0.0, [], 2)


def test_cli_export_round_trips_through_every_format(env: dict[str, str], tmp_path: Path) -> None:
    _run(env, "create-list", "demo", "--source", "demo-feed")
    _run(env, "add", "demo", "app_id", "com.example.nudifydemo", "--id", "app-1")
    _run(env, "add", "demo", "url_prefix", "https://share.test/r/demo", "--confidence", "0.6")
    for fmt in ("csv", "stix", "misp"):
        out = tmp_path / f"out.{fmt}"
        assert _run(env, "export", "demo", "--format", fmt, "-o", str(out)).exit_code == 0
        if fmt != "csv":
            reader = read_stix if fmt == "stix" else read_misp
            assert {i.value for i in reader(out.read_bytes())} == {
                "com.example.nudifydemo",
                "share.test/r/demo",
            }
        _run(env, "create-list", f"copy-{fmt}")
        # No --format: .csv by suffix, JSON told apart by its shape.
        result = _run(env, "import", f"copy-{fmt}", str(out), "--json")
        assert result.exit_code == 0, result.output
        assert _json(result)[0]["added"] == 2
        copied = {(r["external_id"], r["value"], r["confidence"]) for r in
                  _json(_run(env, "list", f"copy-{fmt}", "--json"))}  # fmt: skip
        assert ("app-1", "com.example.nudifydemo", 1.0) in copied
        assert any(v == "share.test/r/demo" and c == 0.6 for _, v, c in copied)


def test_runtime_signals_become_usable_and_follow_changes_from_another_process(
    database_url: str, tmp_path: Path
) -> None:
    runtime = Runtime.open(
        load_settings(data_dir=tmp_path / "d", database_url=database_url), migrate=True
    )
    # A second store on its own engine stands in for another process (the CLI, a replica).
    engine = make_engine(database_url)
    other = IndicatorStore(session_factory(engine))
    try:
        text = runtime.signals.get("text_indicators")
        assert text.availability().usable is False
        other.create_list(name="demo")
        other.add_indicator(list_name="demo", kind="bot_handle", value="@undress_demo_bot")
        assert runtime.refresh_indicators(force=True) is True
        text = runtime.signals.get("text_indicators")
        assert text.availability().usable is True
        result = text.evaluate(SignalInput(text="ask @undress_demo_bot"))
        assert result.labels == ("nudify_bot_handle",)
        assert {"provenance", "text_indicators"} <= {s.name for s in runtime.signals.usable()}
        assert runtime.refresh_indicators(force=True) is False  # nothing changed

        other.update_list(name="demo", enabled=False)
        assert runtime.refresh_indicators(force=True) is True
        assert runtime.signals.get("text_indicators").availability().usable is False
    finally:
        engine.dispose()
        runtime.close()
