"""The public API of shieldwall.audit is explicit, documented, and free of shell imports."""

from __future__ import annotations

import inspect
import subprocess
import sys

import shieldwall.audit as audit


def test_every_exported_name_exists_and_callables_are_documented() -> None:
    assert sorted(audit.__all__) == sorted(set(audit.__all__))
    for name in audit.__all__:
        obj = getattr(audit, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"{name} has no docstring"


def test_importing_the_audit_core_pulls_in_no_web_or_database_code() -> None:
    code = (
        "import sys, shieldwall.audit; "
        "bad = {'fastapi', 'starlette', 'sqlalchemy', 'httpx', 'huey', 'redis', 'typer'}; "
        "print(sorted(bad & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
