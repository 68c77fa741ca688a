"""``shieldwall users create``: accounts for the review UI (bootstraps the first admin).

The password comes from a hidden prompt (typed twice) or, for scripts, from standard
input with ``--password-stdin``; it is never a command-line argument, where it would
land in shell history and the process list.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from shieldwall.access import MIN_PASSWORD, ROLES
from shieldwall.cli.context import state
from shieldwall.cli.output import emit_json, error_exit, stdout
from shieldwall.errors import ShieldwallError

users_app = typer.Typer(help="Accounts for the review UI.", no_args_is_help=True)


@users_app.command("create")
def create(
    username: Annotated[str, typer.Option("--username", help="Sign-in name.")],
    role: Annotated[str, typer.Option("--role", help=f"One of: {', '.join(ROLES)}.")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Create a user with a role; the password is prompted for (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            f"Password (at least {MIN_PASSWORD} characters)",
            hide_input=True,
            confirmation_prompt=True,
        )
    try:
        with state.runtime() as rt:
            user = rt.users.create_user(username=username, role=role, password=password)
    except ShieldwallError as exc:
        raise typer.Exit(int(error_exit(exc))) from exc
    if json_out:  # never the password, not even in machine output
        emit_json({"username": user.username, "role": user.role, "created": True})
    else:
        stdout.print(f"created {user.role} {user.username}")
