"""When the next attempt at an action is due.

Every performer (webhook, review, bank, report, a plug-in's kind) answers with an
:class:`~shieldwall.actions.Attempt` (in the core, so plug-ins need no shell import);
the delivery loop alone turns it into outbox state, so the retry policy lives in one place
(:func:`retry_delay`).
"""

from __future__ import annotations

import random

MAX_RETRY_DELAY_S = 3600.0
"""No retry waits longer than an hour, however many attempts failed."""


def retry_delay(
    attempts: int,
    *,
    base_s: float,
    rng: random.Random | None = None,
    cap_s: float = MAX_RETRY_DELAY_S,
) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt: ``base_s * 2**(attempts-1)``,
    scaled by a random factor in [0.75, 1.25] (jitter, so a platform that was down is not hit
    by every worker at the same instant when it comes back), never above ``cap_s``."""
    exponent = min(max(attempts, 1) - 1, 62)  # 2**62 s is already far past any cap
    raw = base_s * (2.0**exponent)
    factor = (rng or random).uniform(0.75, 1.25)
    return min(raw * factor, cap_s)


def retry_window_s(
    max_attempts: int, *, base_s: float, cap_s: float = MAX_RETRY_DELAY_S, jitter: float = 1.0
) -> float:
    """Seconds from the first attempt to the last, the delays scaled by ``jitter``.

    ``jitter=0.75`` gives the shortest window the random factor allows: how long a
    receiver may be down, at the least, before its actions go to the dead letters.
    """
    return sum(min(base_s * 2.0 ** min(n - 1, 62) * jitter, cap_s) for n in range(1, max_attempts))
