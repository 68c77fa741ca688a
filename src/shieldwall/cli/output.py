"""How the CLI speaks: Rich for people, one JSON object per line for scripts.

Every command takes ``--json``; with it, stdout carries only JSON lines (one
object per item) and progress bars are off, so output can be piped into ``jq``.
Errors go to stderr in both modes.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape

from shieldwall.errors import ShieldwallError


class ExitCode(enum.IntEnum):
    """Exit codes are part of the CLI's contract; scripts branch on them."""

    OK = 0
    MATCHED = 1
    """Something matched and ``--fail-on-match`` was given."""
    USAGE = 2
    """Bad arguments (also what Typer uses)."""
    INPUT_ERRORS = 3
    """Some inputs failed (unreadable files, bad import lines); the others were processed."""
    NOT_FOUND = 4
    """A named bank or entry does not exist."""
    CONFLICT = 5
    """The change conflicts with what exists (e.g. the bank name is taken)."""
    FAILED = 10
    """Shieldwall itself failed (configuration, database)."""


stdout = Console(soft_wrap=True)
stderr = Console(stderr=True)


def emit_json(obj: dict[str, Any]) -> None:
    """Write one JSON object as one line on stdout."""
    sys.stdout.write(json.dumps(obj, default=str, separators=(",", ":")) + "\n")


def error_exit(exc: ShieldwallError) -> ExitCode:
    """Print a Shieldwall error for a person and return the exit code it maps to."""
    detail = f"{exc.message}: {exc.value}" if exc.value else exc.message
    # escape(): codes are written in brackets, which Rich would otherwise eat as markup.
    stderr.print(f"[red]error[/red] {escape(f'[{exc.code}]')} {escape(detail)}")
    from shieldwall.errors import ConflictError, NotFoundError

    if isinstance(exc, NotFoundError):
        return ExitCode.NOT_FOUND
    if isinstance(exc, ConflictError):
        return ExitCode.CONFLICT
    return ExitCode.INPUT_ERRORS


@contextmanager
def progress(total: int | None, description: str, *, enabled: bool) -> Iterator[Any]:
    """A progress bar on stderr when a person is watching; a no-op otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield _NullProgress()
        return
    # Imported here: scripts (no terminal) never pay for Rich's progress machinery.
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=total)
        yield _Advance(bar, task)


class _NullProgress:
    def advance(self, n: int = 1) -> None:
        return None


class _Advance:
    def __init__(self, bar: Any, task: Any) -> None:
        self._bar = bar
        self._task = task

    def advance(self, n: int = 1) -> None:
        self._bar.advance(self._task, n)


def counted(items: Iterable[Any]) -> list[Any]:
    """Materialise an iterable so a progress bar can show a total."""
    return list(items)
