"""A local Ray cluster for a test module of ``shieldwall batch``: the CLI joins it with
``--address``, so Ray's start-up (over a minute on a loaded machine) is paid once a module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def local_ray(num_cpus: int = 2) -> Iterator[str]:
    """Start a local Ray (no dashboard) and yield its address; it stops on exit.

    Its workers inherit this process's environment (a module that needs a variable in the
    workers, such as AWS credentials, sets it before entering).
    """
    import ray

    for attempt in range(3):
        # Ray gives its raylet a fixed 30 s to register; on a machine loaded by other jobs
        # that can pass, so the start is retried (the cluster itself is not under test here).
        try:
            ray.init(
                num_cpus=num_cpus,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
            break
        except Exception as exc:
            ray.shutdown()
            if attempt == 2 or "timed out during startup" not in str(exc):
                raise
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()
