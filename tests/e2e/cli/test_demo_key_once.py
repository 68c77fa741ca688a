"""``shieldwall demo`` makes its admin API key once, not one more valid admin key per run."""

from __future__ import annotations

from pathlib import Path

from shieldwall.cli.serve_cmd import _demo_key
from shieldwall.config import load_settings
from shieldwall.runtime import Runtime


def test_a_second_demo_run_adds_no_admin_key(tmp_path: Path) -> None:
    rt = Runtime.open(load_settings(data_dir=tmp_path / "data"), migrate=True)
    try:
        first = _demo_key(rt)
        assert first.startswith("sw_")
        second = _demo_key(rt)
        assert not second.startswith("sw_")
        admins = [k for k in rt.keys.list_api_keys() if "admin" in k.scopes]
        assert len(admins) == 1
        # Revoked, it is replaced on the next run.
        rt.keys.revoke_api_key(first.split("_")[1])
        assert _demo_key(rt).startswith("sw_")
    finally:
        rt.close()
