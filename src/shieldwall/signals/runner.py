"""Run the signals that apply to one item, each isolated and each within a time budget.

One slow or broken detector must never stop a scan: a platform would rather act on a hash
match with one signal missing than not act at all. So every signal runs in a worker thread;
one that raises gets an error result carrying the exception's message (never a traceback, which
could leak paths or content), one that outlives the budget gets ``timeout after N ms``, and the
others are unaffected. The policy already treats error results as "not considered".

A thread cannot be killed: a signal that overruns keeps running in the background until it
returns, and its late answer is thrown away. Signals should bound their own work (pixel
limits, model timeouts) so this stays rare.

The threads come from one pool per process (``POOL_THREADS``), made on first use: creating
and tearing down a pool for every scan cost more than the cheap signals themselves. A single
applicable signal still goes through the pool, so its budget is enforced the same way.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import replace

from shieldwall.signals.base import Signal, SignalInput, error_result
from shieldwall.types import SignalResult

DEFAULT_BUDGET_MS = 2000.0
"""How long one signal may take on one item before it is reported as timed out."""

_MAX_ERROR_CHARS = 300
POOL_THREADS = 16
"""Threads the process-wide signal pool may use (signals of concurrent scans share them)."""

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _shared_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(
                max_workers=POOL_THREADS, thread_name_prefix="shieldwall-signal"
            )
        return _pool


def applicable_signals(signals: Iterable[Signal], item: SignalInput) -> list[Signal]:
    """The signals that understand one of the item's subjects and can run here, in order."""
    subjects = item.subjects
    chosen: list[Signal] = []
    for signal in signals:
        if not signal.applies_to & subjects:
            continue
        try:
            usable = signal.availability().usable
        except Exception:  # a broken availability check means "cannot run", not a crash
            usable = False
        if usable:
            chosen.append(signal)
    return chosen


def _describe_exception(exc: BaseException) -> str:
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    code = getattr(exc, "code", None)
    if isinstance(code, str):  # Shieldwall errors carry a stable code worth keeping
        text = f"[{code}] {text}"
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 1] + "…"


def _timed(signal: Signal, item: SignalInput) -> tuple[SignalResult | None, str | None, float]:
    began = time.perf_counter()
    try:
        result = signal.evaluate(item)
    except Exception as exc:
        return None, _describe_exception(exc), (time.perf_counter() - began) * 1000
    return result, None, (time.perf_counter() - began) * 1000


def run_signals(
    signals: Iterable[Signal],
    item: SignalInput,
    *,
    budget_ms: float = DEFAULT_BUDGET_MS,
    max_workers: int | None = None,
) -> tuple[SignalResult, ...]:
    """Evaluate ``item`` with every applicable, usable signal, concurrently.

    Results come back in the order of ``signals`` (skipped signals leave no result). Each
    result's ``elapsed_ms`` is the wall time the runner measured for that signal; a signal
    over ``budget_ms`` gets an error result ``timeout after N ms``. ``max_workers`` is
    accepted for compatibility and ignored: the process-wide pool bounds the threads.
    """
    if budget_ms <= 0:
        raise ValueError(f"budget_ms must be positive, got {budget_ms}")
    chosen = applicable_signals(signals, item)
    if not chosen:
        return ()
    pool = _shared_pool()
    futures: list[Future[tuple[SignalResult | None, str | None, float]]] = [
        pool.submit(_timed, signal, item) for signal in chosen
    ]
    # All signals start together, so one shared deadline is each signal's own budget.
    wait(futures, timeout=budget_ms / 1000)
    results: list[SignalResult] = []
    for signal, future in zip(chosen, futures, strict=True):
        if not future.done():
            # Not waited for: its answer is no longer wanted (a queued one is dropped).
            future.cancel()
            results.append(
                error_result(signal, f"timeout after {budget_ms:g} ms", elapsed_ms=budget_ms)
            )
            continue
        result, failure, elapsed = future.result()
        if result is None or not isinstance(result, SignalResult):
            message = failure or f"returned {type(result).__name__}, not a SignalResult"
            results.append(error_result(signal, message, elapsed_ms=elapsed))
        else:
            results.append(replace(result, elapsed_ms=elapsed))
    return tuple(results)
