"""The video endpoints in-process over a real database: bank by upload, match by upload, and
every bad upload answered with a stable problem code instead of a 500."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from shieldwall.runtime import Runtime
from shieldwall.types import BankPurpose
from tests.integration.video.conftest import bearer
from tests.integration.video.video_clips import Clips


def _upload(path: Path, **fields: str) -> dict[str, object]:
    return {"files": {"file": (path.name, path.read_bytes(), "video/mp4")}, "data": fields}


def test_bank_then_match_copies_clips_and_compilations(
    client: TestClient, runtime: Runtime, clips: Clips
) -> None:
    runtime.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    writer = bearer(runtime, "banks:write")
    scanner = bearer(runtime, "scan")

    made = client.post(
        "/v1/banks/victims/videos",
        headers=writer,
        **_upload(clips.original, source="stopncii", external_id="case-7"),  # type: ignore[arg-type]
    )
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["created"] and body["video"]["frame_count"] == 10
    assert body["video"]["external_id"] == "case-7" and len(body["entry_ids"]) == 2
    video_id = body["video"]["id"]

    def match(path: Path, **fields: str) -> dict[str, object]:
        r = client.post("/v1/videos/match", headers=scanner, **_upload(path, **fields))  # type: ignore[arg-type]
        assert r.status_code == 200, r.text
        out: dict[str, object] = r.json()
        return out

    exact = match(clips.original)
    assert exact["matched"] and {m["signal_type"] for m in exact["exact"]} == {"md5", "sha256"}  # type: ignore[union-attr,index]
    for path, q_min, t_range in (
        (clips.reencoded, 90, (90, 100)),
        (clips.trimmed, 90, (30, 50)),
    ):
        hit = match(path)["videos"][0]  # type: ignore[index]
        assert hit["video"]["id"] == video_id
        assert hit["query_pct"] >= q_min and t_range[0] <= hit["target_pct"] <= t_range[1]
    compilation = match(clips.compilation)["videos"][0]  # type: ignore[index]
    assert compilation["target_pct"] >= 90 and compilation["query_pct"] < 60
    assert not match(clips.unrelated)["matched"]
    # The thresholds decide: the compilation holds under 60% banked frames.
    strict = match(clips.compilation, min_pct="60", min_target_pct="100")["videos"]
    assert bool(strict) == (compilation["target_pct"] == 100)
    assert match(clips.trimmed, min_pct="100", min_target_pct="100")["videos"]


_HOSTILE = [
    (b"", 422, "empty_file"),
    (b"this is a text file, not a video\n" * 20, 415, "video_error"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200, 415, "video_error"),
    (b"GIF89a" + b"\x00" * 50, 415, "video_error"),
    (b"x" * 2_000_001, 413, "file_too_large"),
]


def test_hostile_uploads_get_problem_codes(client: TestClient, runtime: Runtime) -> None:
    runtime.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    for url, scope in (("/v1/videos/match", "scan"), ("/v1/banks/victims/videos", "banks:write")):
        headers = bearer(runtime, scope)
        for content, status, code in _HOSTILE:
            r = client.post(url, headers=headers, files={"file": ("x.mp4", content, "video/mp4")})
            assert r.status_code == status, (url, code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == code
    assert runtime.banks.get_bank(name="victims").active_entries == 0


def test_truncated_video_is_refused_and_nothing_is_banked(
    client: TestClient, runtime: Runtime, clips: Clips
) -> None:
    runtime.banks.create_bank(name="victims", purpose=BankPurpose.VICTIM)
    data = clips.original.read_bytes()
    r = client.post(
        "/v1/banks/victims/videos",
        headers=bearer(runtime, "banks:write"),
        files={"file": ("cut.mp4", data[: len(data) // 3], "video/mp4")},
    )
    # The MP4 index (moov) is written last, so a cut-off file has no readable frames.
    assert r.status_code == 415, r.text
    assert r.json()["code"] == "video_error"
    assert runtime.banks.get_bank(name="victims").active_entries == 0


def test_scopes_unknown_banks_and_bad_fields(
    client: TestClient, runtime: Runtime, clips: Clips
) -> None:
    upload = {"file": ("v.mp4", clips.original.read_bytes(), "video/mp4")}
    scanner = bearer(runtime, "scan")
    assert client.post("/v1/videos/match", files=upload).status_code == 401
    r = client.post("/v1/banks/victims/videos", headers=scanner, files=upload)
    assert r.status_code == 403
    r = client.post("/v1/banks/nope/videos", headers=bearer(runtime, "banks:write"), files=upload)
    assert r.status_code == 404 and r.json()["code"] == "bank_not_found"
    r = client.post("/v1/videos/match", headers=scanner, files=upload, data={"min_pct": "lots"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
    r = client.post("/v1/videos/match", headers=scanner, json={"file": "nope"})
    assert r.status_code == 422 and r.json()["code"] == "invalid_input"
