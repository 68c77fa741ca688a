"""``shieldwall worker`` (deliver the outbox) and ``shieldwall outbox …`` (inspect, replay).

The worker runs Huey's consumer threads and the outbox sweeper until SIGTERM or
SIGINT, then stops gracefully: no new work is taken and in-flight deliveries
finish. ``--once`` performs everything due now and exits (tests, cron).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections import Counter
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from shieldwall.cli.context import state
from shieldwall.cli.hash_cmd import JsonOpt
from shieldwall.cli.output import emit_json, error_exit, stdout
from shieldwall.errors import ShieldwallError

if TYPE_CHECKING:
    from shieldwall.pipeline.records import OutboxInfo

outbox_app = typer.Typer(help="Inspect the outbox and replay dead letters.", no_args_is_help=True)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    HELD = "held"
    DEAD = "dead"


def _configure_logging() -> None:
    # Structured one-line events on stderr; the worker is usually run under a supervisor
    # that collects stderr.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s", force=True
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("huey").setLevel(logging.WARNING)


def worker_command(
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Delivery threads.")] = 2,
    once: Annotated[
        bool, typer.Option("--once", help="Deliver everything due now, then exit.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Deliver the outbox: webhooks, review tasks, bank additions, prepared reports."""
    from shieldwall.worker import WorkerService, build_deliverer

    _configure_logging()
    settings = state.settings
    if once:
        with state.runtime() as rt:
            deliverer = build_deliverer(rt)
            try:
                results = deliverer.drain(workers=workers)
            finally:
                deliverer.close()
        tally = Counter(r.outcome.status for r in results if r.outcome is not None)
        summary = {s: tally.get(s, 0) for s in ("delivered", "retry", "dead", "held")}
        if json_out:
            emit_json(summary)
        else:
            stdout.print(
                f"delivered {summary['delivered']}, will retry {summary['retry']}, "
                f"dead {summary['dead']}"
                + (
                    f", held {summary['held']} (no webhook URL configured)"
                    if summary["held"]
                    else ""
                )
            )
        return

    stop = threading.Event()

    def _on_signal(signum: int, _frame: Any) -> None:
        logging.getLogger("shieldwall.worker").info(
            "worker.stopping signal=%s", signal.Signals(signum).name
        )
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    service = WorkerService(settings, workers=workers)
    service.start()
    try:
        while not stop.wait(1.0):
            pass
    finally:
        service.stop()


def _row(e: OutboxInfo) -> dict[str, Any]:
    return {
        "id": e.id,
        "kind": e.kind,
        "status": e.status,
        "attempts": e.attempts,
        "next_attempt_at": e.next_attempt_at.isoformat(),
        "decision_id": e.decision_id,
        "idempotency_key": e.idempotency_key,
        "last_error": e.last_error,
        "created_at": e.created_at.isoformat(),
        "delivered_at": e.delivered_at.isoformat() if e.delivered_at else None,
    }


@outbox_app.command("list")
def list_outbox(
    status: Annotated[
        OutboxStatus | None, typer.Option("--status", help="Only rows with this status.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most this many rows.")] = 100,
    json_out: JsonOpt = False,
) -> None:
    """List outbox rows (oldest first) with their attempts and last error."""
    with state.runtime() as rt:
        outbox = rt.outbox
        rows = outbox.list_entries(status=status.value if status else None, limit=limit)
    if json_out:
        for e in rows:
            emit_json(_row(e))
        return
    table = Table("id", "kind", "status", "attempts", "next attempt", "last error")
    for e in rows:
        table.add_row(
            str(e.id),
            e.kind,
            e.status,
            str(e.attempts),
            e.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S"),
            (e.last_error or "")[:80],
        )
    stdout.print(table)


@outbox_app.command("replay")
def replay(
    outbox_id: Annotated[int, typer.Argument(help="The outbox row to deliver again.")],
    json_out: JsonOpt = False,
) -> None:
    """Put a dead (or delivered) row back in the queue with its attempts reset."""
    with state.runtime() as rt:
        outbox = rt.outbox
        try:
            entry = outbox.replay(outbox_id)
        except ShieldwallError as exc:
            raise typer.Exit(error_exit(exc)) from exc
    # Fast path only: a running worker's sweeper finds the row anyway.
    from shieldwall.worker import enqueue_delivery, make_huey

    enqueue_delivery(make_huey(rt.settings), [entry.id])
    if json_out:
        emit_json(_row(entry))
    else:
        stdout.print(f"outbox row {entry.id} ({entry.kind}) is pending again")
