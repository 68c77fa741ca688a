"""A nightly exchange sync: fetch every configured exchange now and report what changed.

Meant for cron (the worker already fetches on each exchange's interval; this is for
platforms that prefer one scheduled run, or want a report mailed to the team)::

    15 3 * * *  SHIELDWALL_KEY=<admin key> python examples/nightly_exchange_sync.py

Exit status 1 when any exchange failed, so cron's mail or your monitoring notices.
"""

from __future__ import annotations

import os
import sys

from shieldwall.client import ShieldwallAPIError, ShieldwallClient


def main() -> int:
    url = os.environ.get("SHIELDWALL_URL", "http://127.0.0.1:8000")
    failed = 0
    with ShieldwallClient(url, os.environ["SHIELDWALL_KEY"]) as sw:
        for exchange in sw.list_exchanges():
            name = exchange["name"]
            if not exchange["enabled"]:
                continue
            try:
                r = sw.fetch_exchange(name)
            except ShieldwallAPIError as exc:
                if exc.code == "exchange_busy":  # the worker is fetching it right now
                    print(f"{name}: being fetched by the worker")
                    continue
                failed += 1
                print(f"{name}: FAILED [{exc.code}] {exc.message}", file=sys.stderr)
                continue
            print(
                f"{name}: {r['added']} added, {r['withdrawn']} withdrawn, {r['deleted']} deleted, "
                f"{r['errors']} bad records"
            )
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
