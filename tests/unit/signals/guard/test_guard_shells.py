"""The guard through its shells: ``POST /v1/guard/generation`` and ``shieldwall guard``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shieldwall.api import create_app
from shieldwall.api.routers.guard import router
from shieldwall.cli.guard_cmd import guard_command
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    runtime = Runtime.open(load_settings(data_dir=tmp_path / "data"), migrate=True)
    scan_key, _ = runtime.keys.create_api_key(name="scanner", scopes=["scan"])
    read_key, _ = runtime.keys.create_api_key(name="reader", scopes=["banks:read"])
    app = create_app(runtime=runtime)
    if not any(getattr(r, "path", "") == "/v1/guard/generation" for r in app.routes):
        app.include_router(router)  # until the lead registers it in create_app
    with TestClient(app) as client:
        yield (
            client,
            {"Authorization": f"Bearer {scan_key}"},
            {"Authorization": f"Bearer {read_key}"},
        )
    runtime.close()


def test_json_request_is_refused_with_reasons(
    api: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, scan, _ = api
    answer = client.post(
        "/v1/guard/generation",
        json={"prompt": "take off her clothes", "has_input_image": True, "image_has_face": True},
        headers=scan,
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["action"] == "refuse"
    assert "undress_real_person" in body["reason_codes"]
    assert 0.5 <= body["score"] <= 1.0
    assert body["evidence"]


def test_multipart_image_is_checked_for_a_face(
    api: tuple[TestClient, dict[str, str], dict[str, str]], photos_dir: Path
) -> None:
    client, scan, _ = api
    astronaut = (photos_dir / "skimage__astronaut.png").read_bytes()
    answer = client.post(
        "/v1/guard/generation",
        data={"prompt": "make this photo nude"},
        files={"image": ("a.png", astronaut, "image/png")},
        headers=scan,
    )
    assert answer.status_code == 200
    assert answer.json()["action"] == "refuse"
    assert "the request uploads an image showing a face" in answer.json()["evidence"]
    benign = client.post(
        "/v1/guard/generation",
        data={"prompt": "remove the background"},
        files={"image": ("a.png", astronaut, "image/png")},
        headers=scan,
    )
    assert benign.json()["action"] == "allow"


def test_bad_requests_get_problem_json(
    api: tuple[TestClient, dict[str, str], dict[str, str]],
) -> None:
    client, scan, read = api
    assert client.post("/v1/guard/generation", json={"prompt": "x"}).status_code == 401
    assert (
        client.post("/v1/guard/generation", json={"prompt": "x"}, headers=read).status_code == 403
    )
    empty = client.post("/v1/guard/generation", json={"prompt": ""}, headers=scan)
    assert empty.status_code == 422
    assert empty.headers["content-type"].startswith("application/problem+json")
    not_image = client.post(
        "/v1/guard/generation",
        data={"prompt": "hello"},
        files={"image": ("a.png", b"not an image", "image/png")},
        headers=scan,
    )
    assert not_image.status_code == 422


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("guard")(guard_command)
    app.command("version")(lambda: None)  # a second command keeps "guard" as a subcommand
    return app


def test_cli_exit_code_says_whether_the_request_is_refused(photos_dir: Path) -> None:
    runner = CliRunner()
    astronaut = str(photos_dir / "skimage__astronaut.png")
    refused = runner.invoke(_cli(), ["guard", "undress her", "--image", astronaut, "--json"])
    assert refused.exit_code == 1
    assert json.loads(refused.output)["action"] == "refuse"
    allowed = runner.invoke(_cli(), ["guard", "change her dress to red", "--image", astronaut])
    assert allowed.exit_code == 0
    assert allowed.output.startswith("allow")
    missing = runner.invoke(_cli(), ["guard", "hello", "--image", "/no/such/file.png"])
    assert missing.exit_code == 3
