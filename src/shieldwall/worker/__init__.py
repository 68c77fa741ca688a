"""shieldwall.worker: delivers the outbox (webhooks, review tasks, bank additions, reports).

Public surface::

    huey = make_huey(settings)               # SqliteHuey, or RedisHuey with redis_url
    enqueue_delivery(huey, outbox_ids)       # the API, right after its commit (best effort)
    WorkerService(settings, workers=4)       # consumer + sweeper; start() / stop()
    build_deliverer(runtime).drain()         # `shieldwall worker --once`
"""

from shieldwall.actions import Attempt
from shieldwall.worker.actions import NO_WEBHOOK_URL, ActionPerformer
from shieldwall.worker.delivery import AttemptResult, Deliverer
from shieldwall.worker.outcome import retry_delay
from shieldwall.worker.queue import bind_deliverer, enqueue_delivery, make_huey, queue_name
from shieldwall.worker.service import Sweeper, WorkerService, build_deliverer
from shieldwall.worker.webhook import WebhookSender, classify, webhook_body

__all__ = [
    "NO_WEBHOOK_URL",
    "ActionPerformer",
    "Attempt",
    "AttemptResult",
    "Deliverer",
    "Sweeper",
    "WebhookSender",
    "WorkerService",
    "bind_deliverer",
    "build_deliverer",
    "classify",
    "enqueue_delivery",
    "make_huey",
    "queue_name",
    "retry_delay",
    "webhook_body",
]
