"""Short fuzz runs for `make test`: schemathesis against the API's own OpenAPI document with a
real key, and atheris on the parsers of untrusted bytes. The long runs are `make soak`
(`SHIELDWALL_FUZZ_EXAMPLES`, `SHIELDWALL_FUZZ_RUNS` raise the budgets here).

Both are bounded by counts (examples, runs), never by time, so a run is the same work on a slow
machine and a fast one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from shieldwall.policy.loader import default_policy_text
from tests.security.hostile import valid_files
from tests.security.support import Site

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("SHIELDWALL_FUZZ_EXAMPLES", "8"))
RUNS = int(os.environ.get("SHIELDWALL_FUZZ_RUNS", "1500"))


FUZZ_COUNT = {"requests": 0}


def test_the_api_never_fails_and_answers_as_documented(site: Site) -> None:
    """Generated requests (valid and not) to every operation of /openapi.json with an admin
    key: no 5xx, no traceback, and every documented answer matches its schema."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", site.client.app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            FUZZ_COUNT["requests"] += 1
            response = case.call(headers=site.bearer("admin"))
            assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
            assert "Traceback" not in response.text
            case.validate_response(response, checks=(response_schema_conformance,))

        try:
            run()
        except Exception as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:600])
    print(f"\nschemathesis: {FUZZ_COUNT['requests']} generated requests")
    assert FUZZ_COUNT["requests"] > 0
    assert not failures, "\n".join(failures)


def _seeds(target: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    seeds: dict[str, bytes] = {}
    if target == "decode":
        seeds = {f.name: f.data for f in valid_files()}
    elif target == "bank_import":
        pdq = "f" * 64
        seeds = {
            "a.csv": f"signal_type,signal_value,source\npdq,{pdq},feed\n".encode(),
            "a.jsonl": json.dumps({"pdq": pdq, "source": "feed"}).encode() + b"\n",
            "a.te": f"pdq,{pdq}\nmd5,{'0' * 32}\n".encode(),
        }
    elif target == "indicators":
        seeds = {
            "a.csv": b"type,value,source\ndomain,nudify.example,feed\n",
            "a.stix": json.dumps(
                {
                    "type": "bundle",
                    "id": "bundle--1",
                    "objects": [
                        {
                            "type": "indicator",
                            "pattern": "[domain-name:value = 'x.example']",
                            "pattern_type": "stix",
                        }
                    ],
                }
            ).encode(),
            "a.misp": json.dumps(
                {"Event": {"Attribute": [{"type": "domain", "value": "x.example"}]}}
            ).encode(),
        }
    elif target == "policy":
        seeds = {"default.yaml": default_policy_text().encode()}
    elif target == "evidence":
        seeds = {"empty.zip": b"PK\x05\x06" + bytes(18)}
    for name, data in seeds.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("target", ["decode", "bank_import", "indicators", "policy", "evidence"])
def test_parsers_survive_coverage_guided_fuzzing(target: str, tmp_path: Path) -> None:
    """atheris mutates seed inputs for ``RUNS`` executions; an exception other than the
    target's typed errors makes it exit non-zero with the crashing input."""
    corpus = _seeds(target, tmp_path / "corpus")
    done = subprocess.run(
        [
            sys.executable,
            str(REPO / "tests" / "security" / "fuzz_targets.py"),
            target,
            f"-runs={RUNS}",
            "-rss_limit_mb=2048",
            "-max_len=65536",
            f"-artifact_prefix={tmp_path}/",
            str(corpus),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO)])},
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"Done {RUNS} runs" in done.stderr
