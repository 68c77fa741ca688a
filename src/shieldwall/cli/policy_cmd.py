"""``shieldwall policy …``: validate, activate, show and shadow-test policy versions."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import JsonOpt
from shieldwall.cli.output import ExitCode, emit_json, error_exit, stderr, stdout
from shieldwall.errors import ShieldwallError

policy_app = typer.Typer(help="Policy rules: test, activate, show, replay.", no_args_is_help=True)

FileArg = Annotated[Path, typer.Argument(help="A policy YAML file.", exists=True, dir_okay=False)]


def _load(file: Path) -> object:
    from shieldwall.plugins import collect_predicates, get_plugin_manager
    from shieldwall.policy import PolicyLoadError, load_policy

    try:
        # Plug-in predicates count: a policy using one validates where the plug-in is installed.
        return load_policy(file, registry=collect_predicates(get_plugin_manager()))
    except PolicyLoadError as exc:
        for problem in exc.problems:
            stderr.print(escape(f"{file}:{problem.line or '?'}: {problem.path}: {problem.message}"))
        raise typer.Exit(ExitCode.INPUT_ERRORS) from exc


@policy_app.command("test")
def test(file: FileArg, json_out: JsonOpt = False) -> None:
    """Validate a policy file; problems name the line and the field."""
    from shieldwall.policy import Policy, policy_fingerprint

    policy = _load(file)
    assert isinstance(policy, Policy)
    info = {
        "file": str(file),
        "valid": True,
        "name": policy.name,
        "version": policy.version,
        "rules": [r.id for r in policy.rules],
        "fingerprint": policy_fingerprint(policy),
    }
    if json_out:
        emit_json(info)
    else:
        stdout.print(f"{file}: valid, {len(policy.rules)} rules, version {policy.version}")


@policy_app.command("activate")
def activate(file: FileArg, json_out: JsonOpt = False) -> None:
    """Make a policy file the active policy (every later decision names its version)."""
    _load(file)
    with state.runtime() as rt:
        try:
            policy = rt.policies.activate(file.read_text(encoding="utf-8"))
        except ShieldwallError as exc:
            raise typer.Exit(error_exit(exc)) from exc
    if json_out:
        emit_json({"activated": policy.version, "name": policy.name})
    else:
        stdout.print(f"policy {policy.name!r} version {policy.version} is now active")


@policy_app.command("show")
def show(json_out: JsonOpt = False) -> None:
    """Print the active policy's text (the bundled default until another is activated)."""
    with state.runtime() as rt:
        rt.policies.policy  # noqa: B018 - activates the default on a fresh store
        active = rt.keys.active_policy()
    assert active is not None
    if json_out:
        emit_json(
            {"version": active.version, "fingerprint": active.fingerprint, "text": active.text}
        )
    else:
        stdout.print(escape(active.text))


@policy_app.command("replay")
def replay_command(
    file: FileArg,
    since: Annotated[datetime | None, typer.Option(help="Only decisions from this time.")] = None,
    until: Annotated[datetime | None, typer.Option(help="Only decisions before this time.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many decisions.")] = 10_000,
    json_out: JsonOpt = False,
) -> None:
    """Shadow mode: show what FILE would change on past items, without acting."""
    from shieldwall.pipeline.policy_replay import replay
    from shieldwall.policy import Policy

    candidate = _load(file)
    assert isinstance(candidate, Policy)
    changes: Counter[tuple[str, str]] = Counter()
    total = 0
    table = Table("content_id", "before", "after", "rules added", "rules removed", box=None)
    with state.runtime() as rt:
        for row in replay(
            rt.items,
            candidate,
            since=since,
            until=until,
            limit=limit,
            quality_threshold=rt.settings.quality_threshold,
        ):
            total += 1
            if not row.changed:
                continue
            changes[(row.verdict_before, row.verdict_after)] += 1
            d = row.to_dict()
            if json_out:
                emit_json(d)
            else:
                table.add_row(
                    row.content_id,
                    row.verdict_before,
                    row.verdict_after,
                    ",".join(d["rules_added"]),
                    ",".join(d["rules_removed"]),
                )
    changed = sum(changes.values())
    if json_out:
        emit_json(
            {
                "replayed": total,
                "changed": changed,
                "transitions": {f"{a}->{b}": n for (a, b), n in changes.items()},
            }
        )
        return
    stdout.print(table)
    stdout.print(f"{total} past decisions replayed, {changed} would change")
    for (before, after), n in changes.most_common():
        stdout.print(f"  {before} -> {after}: {n}")
