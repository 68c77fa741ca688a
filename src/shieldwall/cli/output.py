"""How the CLI speaks: Rich for people, one JSON object per line for scripts.

Every command takes ``--json``; with it, stdout carries only JSON lines (one
object per item) and progress bars are off, so output can be piped into ``jq``.
Errors go to stderr in both modes.

Rich is imported on first use of ``stdout`` or ``stderr`` (module ``__getattr__``), not
with this module: ``shieldwall hash --json`` in a platform's upload script never draws
anything, and Rich's console cost a tenth of its start-up.
"""

from __future__ import annotations

import enum
import json
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shieldwall.errors import ShieldwallError

if TYPE_CHECKING:
    from rich.console import Console

ExportJsonOpt = Annotated[
    bool,
    typer.Option("--json", help="With --output: print what was written as one JSON object."),
]
"""``--json`` for a command whose data is its stdout (the exports)."""


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


_consoles: dict[str, Console] = {}


def __getattr__(name: str) -> Console:
    """``stdout`` and ``stderr``: Rich consoles made on first use, soft-wrapped (a path or
    message broken across lines at 80 columns is harder to read and to grep)."""
    if name not in ("stdout", "stderr"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return _console(name)


def _console(name: str) -> Console:
    # Keyed by COLUMNS too: Rich reads the width when a console is made, and a process that
    # runs several commands (tests, an embedding program) may change it between them.
    key = f"{name}:{os.environ.get('COLUMNS', '')}"
    if key not in _consoles:
        from rich.console import Console

        _consoles[key] = Console(soft_wrap=True, stderr=name == "stderr")
    return _consoles[key]


def emit_json(obj: dict[str, Any]) -> None:
    """Write one JSON object as one line on stdout."""
    sys.stdout.write(json.dumps(obj, default=str, separators=(",", ":")) + "\n")


def error_exit(exc: ShieldwallError) -> ExitCode:
    """Print a Shieldwall error for a person and return the exit code it maps to."""
    from rich.markup import escape

    detail = f"{exc.message}: {exc.value}" if exc.value else exc.message
    # escape(): codes are written in brackets, which Rich would otherwise eat as markup.
    _console("stderr").print(f"[red]error[/red] {escape(f'[{exc.code}]')} {escape(detail)}")
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
        console=_console("stderr"),
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


def require_output_for_json(json_out: bool, output: Path | None) -> None:
    """An export's data is its stdout: its ``--json`` summary needs ``--output``, so a pipe
    never gets a summary line mixed into the data (exit 2, usage)."""
    if json_out and output is None:
        _console("stderr").print("--json prints a summary of the file written: give --output too")
        raise typer.Exit(ExitCode.USAGE)
