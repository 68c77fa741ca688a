"""A real S3-compatible HTTP server on loopback for tests: moto's ``ThreadedMotoServer``.

Not a Python-level mock: boto3 clients (the CLI's, Ray workers') talk to it over HTTP at a
port the OS chose. Fake credentials are put in the environment for as long as it runs, so
that boto3's ordinary credential chain finds them in this process and in everything it
starts (CLI subprocesses, a local Ray's workers), and nobody's own AWS files are read.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class S3Server:
    endpoint: str
    client: Any  # a boto3 S3 client talking to the server over HTTP

    def enforce_auth(self, after: float) -> float:
        """Check signatures after ``after`` more requests (0: from now; ``inf``: never,
        moto's default); returns the previous setting, to restore it."""
        request = urllib.request.Request(
            f"{self.endpoint}/moto-api/reset-auth",
            data=str(after).encode(),
            method="POST",
            headers={"Content-Type": "text/plain"},  # not a form: moto reads the raw body
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return float(json.load(answer)["PREVIOUS_INITIAL_NO_AUTH_ACTION_COUNT"])


@contextmanager
def s3_server() -> Iterator[S3Server]:
    """Start the server and set the fake credentials; both are undone on exit."""
    import boto3
    from moto.server import ThreadedMotoServer

    with pytest.MonkeyPatch.context() as mp:
        for name, value in FAKE_AWS_ENV.items():
            mp.setenv(name, value)
        mp.delenv("AWS_PROFILE", raising=False)
        mp.delenv("AWS_SESSION_TOKEN", raising=False)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        try:
            yield S3Server(endpoint, boto3.client("s3", endpoint_url=endpoint))
        finally:
            server.stop()
