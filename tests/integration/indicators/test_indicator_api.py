"""/v1/indicator-lists through the real app: management, imports, hostile input, export, and a
scan whose text names a listed nudify bot and site going to review."""

from __future__ import annotations

import io
import json
from pathlib import Path

import httpx
from PIL import Image

from shieldwall.exchange.indicators import read_misp, read_stix, write_misp, write_stix
from shieldwall.signals.text import Indicator, IndicatorKind
from tests.integration.indicators.conftest import Api

BASE = "/v1/indicator-lists"
DEMO = [
    {"kind": "bot_handle", "value": "@undress_demo_bot", "id": "bot-1", "confidence": 0.9},
    {"kind": "domain", "value": "nudify-demo.example", "id": "site-1", "confidence": 0.8},
]


def _create(api: Api, name: str = "demo", **fields: object) -> dict:
    response = api.client.post(BASE, json={"name": name, **fields}, headers=api.admin)
    assert response.status_code == 201, response.text
    return response.json()


def _add(api: Api, records: list[object], name: str = "demo") -> dict:
    response = api.client.post(
        f"{BASE}/{name}/indicators", json={"indicators": records}, headers=api.admin
    )
    assert response.status_code == 200, response.text
    return response.json()


def _problem(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


def test_lists_are_created_listed_and_counted(api: Api) -> None:
    created = _create(api, source="Demo feed", description="made up")
    assert (created["name"], created["enabled"], created["active_indicators"]) == (
        "demo",
        True,
        0,
    )
    _problem(api.client.post(BASE, json={"name": "demo"}, headers=api.admin), 409,
             "indicator_list_exists")  # fmt: skip
    _add(api, DEMO)
    lists = api.client.get(BASE, headers=api.headers_for("banks:read")).json()
    assert [(row["name"], row["active_indicators"]) for row in lists] == [("demo", 2)]
    _problem(api.client.get(f"{BASE}/missing", headers=api.admin), 404, "indicator_list_not_found")


def test_reading_needs_banks_read_and_changing_needs_banks_write(api: Api) -> None:
    _create(api)
    reader = api.headers_for("banks:read")
    assert api.client.get(f"{BASE}/demo/indicators", headers=reader).status_code == 200
    _problem(
        api.client.post(f"{BASE}/demo/indicators", json={"indicators": DEMO}, headers=reader),
        403,
        "forbidden",
    )
    _problem(api.client.get(BASE), 401, "unauthenticated")
    writer = api.headers_for("banks:write")
    assert (
        api.client.post(
            f"{BASE}/demo/indicators", json={"indicators": DEMO}, headers=writer
        ).status_code
        == 200
    )


def test_json_add_is_idempotent_and_reports_each_bad_record(api: Api) -> None:
    _create(api)
    records: list[object] = [
        *DEMO,
        {"kind": "domain", "value": "no-dot"},
        {"kind": "weapon", "value": "x"},
        {"kind": "keyword", "value": "nudify anyone", "confidence": "very"},
        "not an object",
        {"kind": "keyword", "value": "undress anyone free", "colour": "red"},
    ]
    first = _add(api, records)
    assert (first["added"], first["updated"], first["unchanged"]) == (2, 0, 0)
    errors = {e["position"]: e["code"] for e in first["errors"]}
    assert errors == {
        "indicators[2]": "invalid_record",
        "indicators[3].kind": "invalid_record",
        "indicators[4].confidence": "invalid_record",
        "indicators[5]": "invalid_record",
        "indicators[6].colour": "invalid_record",
    }
    second = _add(api, DEMO)
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 0, 2)
    page = api.client.get(f"{BASE}/demo/indicators", headers=api.admin).json()
    assert [(i["kind"], i["value"], i["external_id"]) for i in page] == [
        ("bot_handle", "undress_demo_bot", "bot-1"),
        ("domain", "nudify-demo.example", "site-1"),
    ]
    after = api.client.get(
        f"{BASE}/demo/indicators", params={"after_id": page[0]["id"]}, headers=api.admin
    ).json()
    assert [i["value"] for i in after] == ["nudify-demo.example"]


def test_hostile_bodies_get_precise_problems(api: Api) -> None:
    _create(api)
    url = f"{BASE}/demo/indicators"
    headers = {**api.admin, "content-type": "application/json"}
    body = _problem(api.client.post(url, content=b'{"indicators": [', headers=headers), 422,
                    "invalid_input")  # fmt: skip
    assert body["errors"][0]["type"] == "json_invalid"
    _problem(api.client.post(url, json=[1, 2], headers=api.admin), 422, "invalid_input")
    _problem(api.client.post(url, json={"indicators": "x"}, headers=api.admin), 422,
             "invalid_input")  # fmt: skip
    too_many = {"indicators": [{}] * 10_001}
    _problem(api.client.post(url, json=too_many, headers=api.admin), 422, "invalid_input")
    huge = b"id,kind,value,source\n" + b"x" * (9 * 1024 * 1024)
    _problem(
        api.client.post(
            f"{BASE}/demo/import?format=csv",
            content=huge,
            headers={**api.admin, "content-type": "text/csv"},
        ),
        413,
        "payload_too_large",
    )
    _problem(
        api.client.post(f"{BASE}/demo/import", content=b"{}", headers={**api.admin, **headers}),
        422,
        "invalid_input",
    )
    _problem(
        api.client.post(f"{BASE}/demo/import?format=xml", content=b"<a/>", headers=api.admin),
        422,
        "invalid_input",
    )
    _problem(
        api.client.post(
            f"{BASE}/missing/import?format=csv", content=b"id,kind,value\n", headers=api.admin
        ),
        404,
        "indicator_list_not_found",
    )


def test_file_imports_in_three_formats_with_per_record_errors(api: Api) -> None:
    _create(api, source="demo")
    csv_body = (
        "id,kind,value,confidence\n"
        "1,bot_handle,@undress_demo_bot,0.9\n"
        "2,domain,bad host,0.9\n"
        "3,keyword,undress anyone free,0.7\n"
    )
    raw = api.client.post(
        f"{BASE}/demo/import",
        content=csv_body.encode(),
        headers={**api.admin, "content-type": "text/csv"},
    ).json()
    assert (raw["added"], [e["position"] for e in raw["errors"]]) == (2, ["line 3"])
    again = api.client.post(
        f"{BASE}/demo/import",
        files={"file": ("feed.csv", csv_body.encode(), "text/csv")},
        headers=api.admin,
    ).json()
    assert (again["added"], again["updated"], again["unchanged"]) == (0, 0, 2)

    _create(api, "from-stix")
    stix = io.StringIO()
    write_stix([Indicator("s1", IndicatorKind.DOMAIN, "nudify-demo.example", "x", 0.6)], stix)
    bundle = json.loads(stix.getvalue())
    bundle["objects"].append({"type": "indicator", "id": "indicator--broken"})
    stix_report = api.client.post(
        f"{BASE}/from-stix/import?format=stix", json=bundle, headers=api.admin
    ).json()
    assert stix_report["added"] == 1
    assert [e["position"] for e in stix_report["errors"]] == ["objects[1]"]

    _create(api, "from-misp")
    misp = io.StringIO()
    write_misp([Indicator("m1", IndicatorKind.APP_ID, "com.example.nudifydemo", "x")], misp)
    misp_report = api.client.post(
        f"{BASE}/from-misp/import?format=misp",
        files={"file": ("event.json", misp.getvalue().encode(), "application/json")},
        headers=api.admin,
    ).json()
    assert (misp_report["added"], misp_report["errors"]) == (1, [])
    broken = api.client.post(
        f"{BASE}/from-misp/import?format=misp",
        content=b'{"Event": {"Attribute": [',
        headers={**api.admin, "content-type": "application/json"},
    ).json()
    assert broken["errors"][0]["code"] == "invalid_json"
    assert broken["errors"][0]["position"].startswith("line 1 column")


def test_export_streams_each_format_and_reimports_to_the_same_list(api: Api) -> None:
    _create(api, source="demo-feed")
    _add(api, DEMO)
    csv_text = api.client.get(f"{BASE}/demo/export", headers=api.admin).text
    assert csv_text.splitlines()[0] == "id,kind,value,source,confidence,expires_at,description"
    for fmt, reader in (("stix", read_stix), ("misp", read_misp)):
        response = api.client.get(f"{BASE}/demo/export", params={"format": fmt}, headers=api.admin)
        assert response.status_code == 200
        got = {(i.id, i.kind.value, i.value, i.source, i.confidence) for i in reader(response.text)}
        assert got == {
            ("bot-1", "bot_handle", "undress_demo_bot", "demo-feed", 0.9),
            ("site-1", "domain", "nudify-demo.example", "demo-feed", 0.8),
        }
        _create(api, f"copy-{fmt}")
        report = api.client.post(
            f"{BASE}/copy-{fmt}/import?format={fmt}",
            content=response.content,
            headers={**api.admin, "content-type": "application/json"},
        ).json()
        assert (report["added"], report["errors"]) == (2, [])
    _create(api, "empty")
    assert (
        api.client.get(f"{BASE}/empty/export?format=stix", headers=api.admin).json()["objects"]
        == []
    )


def _benign_jpeg(photo: Path) -> bytes:
    out = io.BytesIO()
    Image.open(photo).convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _scan(api: Api, content_id: str, data: bytes, text: str) -> dict:
    response = api.client.post(
        "/v1/scan",
        files={"file": ("photo.jpg", data, "image/jpeg")},
        data={"content_id": content_id, "text": text, "surface": "post"},
        headers=api.admin,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_scan_naming_a_listed_site_goes_to_review_with_evidence(
    api: Api, photo_paths: list[Path]
) -> None:
    photo = _benign_jpeg(photo_paths[0])
    text = "get it at hxxps://nudify-demo[.]example"
    before = _scan(api, "post-before", photo, text)
    assert before["verdict"] == "allow"
    assert "text_indicators" not in {s["signal"] for s in before["signals"]}

    _create(api, source="demo-feed")
    _add(api, DEMO)
    decision = _scan(api, "post-1", photo, text)
    text_signal = next(s for s in decision["signals"] if s["signal"] == "text_indicators")
    assert text_signal["score"] == 0.8
    assert text_signal["labels"] == ["nudify_domain"]
    assert any(
        "domain nudify-demo.example matched indicator site-1 from feed demo" in line
        for line in text_signal["evidence"]
    )
    assert decision["verdict"] == "review"
    assert [r["rule_id"] for r in decision["rules"]] == ["nudify-promotion"]
    assert "nudify_promotion" in decision["categories"]

    removed = api.client.post(
        f"{BASE}/demo/indicators/remove",
        json={"kind": "domain", "value": "WWW.nudify-demo.example"},
        headers=api.admin,
    )
    assert removed.json()["status"] == "removed"
    after = _scan(api, "post-after", photo, text)
    assert after["verdict"] == "allow"
    bot = _scan(api, "post-bot", photo, "DM @undress_demo_bot for pics")
    assert bot["verdict"] == "review"
