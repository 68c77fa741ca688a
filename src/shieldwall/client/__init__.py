"""shieldwall.client: a small Python client for the API and for receiving webhooks.

Depends only on httpx and :mod:`shieldwall.signing`, so a platform can vendor it::

    from shieldwall.client import ShieldwallClient, verify_webhook

    with ShieldwallClient("https://shieldwall.internal", api_key) as sw:
        result = sw.scan(Path("upload.jpg"), content_id="post-123", surface="post")

    payload = verify_webhook(secret, request.body, request.headers, seen_keys=seen)

``AsyncShieldwallClient`` has the same calls for asyncio. Both retry connection failures,
429/502/503/504 (honouring ``Retry-After``) with jittered exponential backoff
(:class:`RetryPolicy`; ``NO_RETRY`` turns it off) and send an ``Idempotency-Key`` on POSTs.
"""

from shieldwall.client.api import ShieldwallAPIError, ShieldwallClient
from shieldwall.client.async_api import AsyncShieldwallClient
from shieldwall.client.retry import NO_RETRY, RetryPolicy
from shieldwall.client.webhooks import forget_webhook, verify_webhook
from shieldwall.signing import SignatureError

__all__ = [
    "NO_RETRY",
    "AsyncShieldwallClient",
    "RetryPolicy",
    "ShieldwallAPIError",
    "ShieldwallClient",
    "SignatureError",
    "forget_webhook",
    "verify_webhook",
]
