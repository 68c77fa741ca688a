"""deploy/compose.yaml and deploy/k8s/*.yaml are checked, not just shipped.

No Docker daemon or Kubernetes API server is available to the tests, so the files are
checked here for what goes wrong in practice: YAML that does not parse, a Compose file
outside the Compose specification (validated against ``compose_spec.json``, the schema that
docker-compose 1.29.2 ships on PyPI, Apache-2.0, vendored beside this file), Kubernetes
objects missing required fields or whose selectors, ports and volumes do not line up, and
settings or commands that do not exist (a typo in ``SHIELDWALL_*`` would be silently
ignored by the process it configures).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from shieldwall.cli.app import COMMANDS
from shieldwall.config import Settings

REPO = Path(__file__).resolve().parents[3]
DEPLOY = REPO / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
K8S = sorted((DEPLOY / "k8s").glob("*.yaml"))
DOC = REPO / "docs" / "deployment.md"

CLI_ENV = {"SHIELDWALL_RAY_ADDRESS"}
"""Environment variables read by CLI options rather than by Settings."""
SETTINGS_ENV = {f"SHIELDWALL_{name.upper()}" for name in Settings.model_fields}


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _k8s() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for path in K8S:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                out.append((path.name, doc))
    return out


def _check_command(command: list[str], where: str) -> None:
    assert all(isinstance(part, str) for part in command), where
    if command[0] == "shieldwall":
        assert command[1] in COMMANDS, f"{where}: no command `shieldwall {command[1]}`"


def _check_env_name(name: str, where: str) -> None:
    if name.startswith("SHIELDWALL_"):
        assert name in SETTINGS_ENV | CLI_ENV, f"{where}: {name} is not a setting"


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads((Path(__file__).parent / "compose_spec.json").read_text())
    # The top-level `name` joined the specification after the vendored schema was published.
    schema["properties"]["name"] = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$"}
    errors = [
        f"{'/'.join(map(str, e.path))}: {e.message}"
        for e in jsonschema.Draft7Validator(schema).iter_errors(_compose())
    ]
    assert errors == []


def test_compose_services_reference_what_exists() -> None:
    doc = _compose()
    services = doc["services"]
    assert {"postgres", "redis", "migrate", "api", "worker"} <= set(services)
    for name, svc in services.items():
        assert "image" in svc or "build" in svc, name
        for dep, cond in (svc.get("depends_on") or {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert cond["condition"] in {
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            }
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no healthcheck"
        for secret in svc.get("secrets", []):
            assert secret in doc["secrets"], f"{name}: undeclared secret {secret}"
        for volume in svc.get("volumes", []):
            source = volume.split(":")[0]
            if not source.startswith((".", "/", "$")):
                assert source in doc["volumes"], f"{name}: undeclared volume {source}"
        if "command" in svc:
            _check_command(svc["command"], f"compose {name}")
        for key in svc.get("environment") or {}:
            _check_env_name(key, f"compose {name}")
    # Production mode refuses SQLite and the development secrets: the file must set them.
    env = services["api"]["environment"]
    assert env["SHIELDWALL_MODE"] == "production"
    assert env["SHIELDWALL_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "${SHIELDWALL_SECRET_KEY:?" in env["SHIELDWALL_SECRET_KEY"]
    # The API and worker wait for the schema: N processes never race to migrate.
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


REQUIRED_SPEC = {
    "Deployment": ["selector", "template"],
    "Job": ["template"],
    "Service": ["ports", "selector"],
    "PodDisruptionBudget": ["selector"],
    "ConfigMap": [],
    "Namespace": [],
}


@pytest.mark.parametrize("path", K8S, ids=lambda p: p.name)
def test_each_kubernetes_file_parses_into_known_objects(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs, path
    for doc in docs:
        assert {"apiVersion", "kind", "metadata"} <= set(doc), path
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", doc["metadata"]["name"])
        assert doc["kind"] in REQUIRED_SPEC, doc["kind"]
        if doc["kind"] not in ("Namespace",):
            assert doc["metadata"].get("namespace") == "shieldwall", doc["metadata"]["name"]
        for field in REQUIRED_SPEC[doc["kind"]]:
            assert field in doc["spec"], f"{doc['metadata']['name']}: spec.{field}"


def _pod_specs() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(name, pod template metadata, pod spec) of every Deployment and Job."""
    return [
        (d["metadata"]["name"], d["spec"]["template"]["metadata"], d["spec"]["template"]["spec"])
        for _, d in _k8s()
        if d["kind"] in ("Deployment", "Job")
    ]


def test_kubernetes_selectors_ports_volumes_and_settings_line_up() -> None:
    objects = _k8s()
    config = next(d for _, d in objects if d["kind"] == "ConfigMap")
    for key in config["data"]:
        _check_env_name(key, "ConfigMap")
    assert all(isinstance(v, str) for v in config["data"].values()), "ConfigMap values are strings"
    pods = {name: (meta, spec) for name, meta, spec in _pod_specs()}
    for name, (meta, spec) in pods.items():
        labels = meta.get("labels", {})
        volumes = {v["name"] for v in spec.get("volumes", [])}
        for c in spec["containers"]:
            assert {"name", "image"} <= set(c), name
            _check_command(c["command"], name)
            ports = {p["name"] for p in c.get("ports", [])}
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                if probe in c:
                    assert c[probe]["httpGet"]["port"] in ports, f"{name} {probe}"
            for mount in c.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{name}: no volume {mount['name']}"
            for source in c.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                assert ref["name"] in {"shieldwall-config", "shieldwall-secrets"}
        for _, doc in objects:
            if doc["kind"] == "Deployment" and doc["metadata"]["name"] == name:
                match = doc["spec"]["selector"]["matchLabels"]
                assert match.items() <= labels.items(), f"{name}: selector matches no pod"
        if name in {d["metadata"]["name"] for _, d in objects if d["kind"] == "Job"}:
            assert spec["restartPolicy"] in {"Never", "OnFailure"}, name
    # Every Service selects a pod template and targets one of its named ports.
    for _, doc in objects:
        if doc["kind"] != "Service":
            continue
        chosen = [
            spec
            for meta, spec in pods.values()
            if doc["spec"]["selector"].items() <= meta.get("labels", {}).items()
        ]
        assert chosen, f"service {doc['metadata']['name']} selects nothing"
        named = {p["name"] for s in chosen for c in s["containers"] for p in c.get("ports", [])}
        for port in doc["spec"]["ports"]:
            assert port["targetPort"] in named, f"{doc['metadata']['name']}: {port}"


def test_the_deployment_guide_covers_every_file_and_leaves_the_replica_section() -> None:
    text = DOC.read_text()
    for path in [COMPOSE, *K8S, DEPLOY / "Dockerfile"]:
        assert str(path.relative_to(REPO)) in text, f"{path.name} is not in deployment.md"
    assert "## Replicas and the change feed" in text
    # The capacity plan says what it is derived from.
    assert "bench/RESULTS.md" in text
