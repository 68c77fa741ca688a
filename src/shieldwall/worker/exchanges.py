"""The worker's exchange schedule: fetch every exchange that is due, one fetcher each.

Every worker process runs this loop; the database lease (not this loop) is what
keeps one fetcher per exchange across processes and replicas, so a second worker
finding an exchange busy just moves on. A fetch that fails is logged and recorded
on the exchange (``last_error``) and retried at its next interval, from its
checkpoint. The database going away ends the pass instead: every other exchange would
fail the same way, and the loop logs the outage once rather than a traceback per exchange.
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import SQLAlchemyError

from shieldwall.errors import ExchangeBusyError
from shieldwall.pipeline.exchange_fetch import FetchReport
from shieldwall.pipeline.faults import temporary_fault
from shieldwall.runtime import Runtime
from shieldwall.worker.periodic import PeriodicJob

log = logging.getLogger("shieldwall.worker")


def fetch_due(runtime: Runtime) -> list[FetchReport]:
    """One pass over the exchanges due now; returns the fetches that completed."""
    done: list[FetchReport] = []
    for name in runtime.exchanges.due():
        try:
            done.append(runtime.fetch_exchange(name))
        except ExchangeBusyError:
            continue
        except SQLAlchemyError as exc:
            if temporary_fault(exc) is not None:
                raise  # the database is away: one warning for the pass (PeriodicJob), no traceback
            log.exception("worker.exchange_fetch_failed name=%s", name)
        except Exception:
            log.exception("worker.exchange_fetch_failed name=%s", name)
    return done


class ExchangeScheduler(PeriodicJob):
    """Runs :func:`fetch_due` every ``poll_s`` on a daemon thread until stopped."""

    def __init__(self, runtime: Runtime, *, poll_s: float) -> None:
        super().__init__(
            lambda: fetch_due(runtime),
            every_s=poll_s,
            name="shieldwall-exchanges",
            failure_event="worker.exchange_schedule_failed",
        )
