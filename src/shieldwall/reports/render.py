"""Render a :class:`TransparencyReport` as HTML (inline SVG charts), PDF, JSON or CSV.

Charts are drawn with matplotlib's non-interactive Agg/SVG backend and inlined,
so the HTML is one self-contained file. The PDF is that HTML printed by
WeasyPrint. Neither library is imported until a chart or PDF is asked for.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Mapping
from typing import Any

from shieldwall.reports.transparency import TransparencyReport

FORMATS = ("html", "pdf", "json", "csv")


def to_json(report: TransparencyReport) -> bytes:
    return (json.dumps(report.to_dict(), indent=2, sort_keys=True) + "\n").encode("utf-8")


def to_csv(report: TransparencyReport) -> bytes:
    """Rows of (section, key, value): every figure, flat, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "key", "value"])

    def walk(section: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{section}.{k}" if section else str(k), v)
        else:
            head, _, key = section.rpartition(".")
            writer.writerow([head or section, key if head else "", "" if value is None else value])

    walk("", report.to_dict())
    return out.getvalue().encode("utf-8")


def bar_svg(title: str, counts: Mapping[str, int]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, max(1.5, 0.4 * len(counts) + 0.8)))
    labels = list(counts)[:15]
    ax.barh(labels[::-1], [counts[k] for k in labels][::-1], color="#3b6ea8")
    ax.set_title(title)
    ax.set_xlabel("count")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.find("<svg") :]  # drop the XML prolog to inline it


def hist_svg(title: str, seconds: tuple[float, ...]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.5))
    ax.hist([s / 3600 for s in seconds], bins=30, color="#8a4fa0")
    ax.set_title(title)
    ax.set_xlabel("hours")
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.find("<svg") :]


def _table(title: str, values: Mapping[str, Any]) -> str:
    rows = (
        "".join(
            f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
            for k, v in values.items()
        )
        or "<tr><td colspan=2>none</td></tr>"
    )
    return f"<h3>{html.escape(title)}</h3><table>{rows}</table>"


def to_html(report: TransparencyReport, *, charts: bool = True) -> bytes:
    """One self-contained HTML page with tables and inline SVG charts."""
    d = report.to_dict()
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Transparency report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "table{border-collapse:collapse}td{border:1px solid #ccc;padding:2px 8px}</style>",
        "</head><body>",
        f"<h1>Transparency report</h1><p>{html.escape(d['period']['from'])} to "
        f"{html.escape(d['period']['to'])}</p>",
        _table(
            "Summary",
            {
                "decisions": report.decisions,
                "restrictions": report.restrictions,
                "hash matches": report.hash_matches,
                "retro-hunt hits": report.retro_hunt_hits,
                "appeals decided": report.appeals,
                "appeals upheld": report.appeals_upheld,
                "appeals reversed": report.appeals_reversed,
                "reviews": report.reviews,
                "reversals": report.reversals,
            },
        ),
        _table("Time to action (seconds)", report.time_to_action_s),
        _table("Time to reversal (seconds)", report.reversal_time_s),
        _table("Requests", {k: v for k, v in report.requests.items() if k != "by_jurisdiction"}),
    ]
    for title, counts in (
        ("Restrictions by category", report.by_category),
        ("Restrictions by source", report.by_source),
        ("Decisions by action", report.by_action),
        ("Restrictions by surface", report.by_surface),
        ("Restrictions by jurisdiction", report.by_jurisdiction),
    ):
        parts.append(_table(title, counts))
        if charts and counts:
            parts.append(f"<figure>{bar_svg(title, counts)}</figure>")
    if charts and report.time_to_action_samples:
        parts.append(
            f"<figure>{hist_svg('Time to action', report.time_to_action_samples)}</figure>"
        )
    parts.append("</body></html>")
    return "".join(parts).encode("utf-8")


def to_pdf(report: TransparencyReport) -> bytes:
    """The HTML report printed to PDF by WeasyPrint."""
    return _weasyprint().HTML(string=to_html(report).decode("utf-8")).write_pdf()  # type: ignore[no-any-return]


def _weasyprint() -> Any:
    """Import WeasyPrint without letting it loosen Pillow for the whole process.

    Importing WeasyPrint sets ``PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True``
    globally; after that every truncated upload would decode as a half-grey image
    and get a wrong hash, so the hashing code refuses to decode at all. A worker
    that printed one PDF report would then fail every scan. Put the flag back.
    """
    from PIL import ImageFile

    before = ImageFile.LOAD_TRUNCATED_IMAGES
    import weasyprint  # type: ignore[import-untyped,unused-ignore]  # no stubs published

    ImageFile.LOAD_TRUNCATED_IMAGES = before
    return weasyprint


def render(report: TransparencyReport, fmt: str) -> bytes:
    """The report in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(report)
    if fmt == "html":
        return to_html(report)
    if fmt == "pdf":
        return to_pdf(report)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")
