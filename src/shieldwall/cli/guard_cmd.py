"""``shieldwall guard "PROMPT" [--image PATH] [--json]``: would the generation guard refuse this?

Exit code 0 when the request is allowed and 1 (``ExitCode.MATCHED``) when it is refused, so a
script can gate a generation on it. With ``--image`` the ``faces`` signal decides whether the
input image shows a person. See docs/guard.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shieldwall.cli.output import ExitCode, emit_json, stderr, stdout
from shieldwall.signals.base import SignalInput
from shieldwall.signals.faces import shared_faces
from shieldwall.signals.guard import shared_guard


def guard_command(
    prompt: Annotated[str, typer.Argument(help="The generation request's prompt.")],
    image: Annotated[
        Path | None,
        typer.Option("--image", help="Input image the request uploads (checked for faces)."),
    ] = None,
    language: Annotated[
        str | None, typer.Option("--language", help="Language of the prompt, if known.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Check a generation request; exit 1 when it would be refused."""
    image_has_face: bool | None = None
    if image is not None:
        try:
            data = image.read_bytes()
        except OSError as exc:
            stderr.print(f"[red]error[/red] cannot read {escape(str(image))}: {escape(str(exc))}")
            raise typer.Exit(ExitCode.INPUT_ERRORS) from exc
        faces = shared_faces()
        if faces.availability().usable:
            try:
                result = faces.evaluate(SignalInput(media=data))
            except ValueError as exc:
                stderr.print(f"[red]error[/red] [not_an_image] {escape(str(exc))}")
                raise typer.Exit(ExitCode.INPUT_ERRORS) from exc
            image_has_face = "face_present" in result.labels
    decision = shared_guard().evaluate(
        prompt,
        has_input_image=image is not None,
        image_has_face=image_has_face,
        language=language,
    )
    if json_out:
        emit_json(
            {
                "action": decision.action,
                "reason_codes": list(decision.reason_codes),
                "evidence": list(decision.evidence),
                "score": decision.score,
            }
        )
    else:
        colour = "red" if decision.refused else "green"
        stdout.print(f"[{colour}]{decision.action}[/{colour}] score {decision.score:.2f}")
        for code in decision.reason_codes:
            stdout.print(f"  reason: {escape(code)}")
        for line in decision.evidence:
            stdout.print(f"  - {escape(line)}")
    if decision.refused:
        raise typer.Exit(ExitCode.MATCHED)
