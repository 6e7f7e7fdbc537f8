"""The extraction benchmark's report: one table a set, its notes, the ratios and the baseline RSS."""

from __future__ import annotations

from typing import Any

from extraction_competitors import BASELINE, META_FIELDS, NOTES
from extraction_scoring import TRAFILATURA_RULES


def _fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def format_table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [headers, *rows]) for i in range(len(headers))]
    lines = []
    for r in [headers, *rows]:
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render(set_name: str, rows: list[dict[str, Any]], n_docs: int) -> str:
    meta = set_name == "trafilatura-dev"
    headers = ["extractor", "P", "R", "F1", *(["title", "author", "date"] if meta else []),
               "docs/s", "p50 ms", "p95 ms", "RSS MB", "empty"]
    table, notes = [], []
    for row in rows:
        if row["name"] == BASELINE.name:
            continue
        label = f"{row['name']} {row.get('version', '')}".strip()
        if not row["available"]:
            notes.append(f"  {row['name']}: {row['reason']}")
            table.append([label] + ["n/a"] * (len(headers) - 1))
            continue
        cells = [_fmt(row[k]) for k in ("precision", "recall", "f1")]
        if meta:
            cells += [_fmt(row[f"{f}_acc"]) for f in META_FIELDS]
        cells += [_fmt(row.get("docs_per_s"), 1), _fmt(row.get("p50_ms"), 1), _fmt(row.get("p95_ms"), 1),
                  _fmt(row.get("peak_rss_mb"), 1), str(row["empty"])]
        table.append([label, *cells])
        if row["errors"]:
            notes.append(f"  {row['name']}: {row['errors']} page(s) raised (scored as empty), "
                         f"e.g. {row['first_error']}")
        if row["name"] in NOTES:
            notes.append(f"  {row['name']}: {NOTES[row['name']]}")
    out = [f"== {set_name} ({n_docs} pages)", format_table(headers, table)]
    out += [*sorted(set(notes), key=notes.index), _ratios(rows), _baseline(rows)]
    if meta:
        out.append(TRAFILATURA_RULES)
    return "\n".join(line for line in out if line)


def _ratios(rows: list[dict[str, Any]]) -> str:
    by_name = {r["name"]: r for r in rows if r.get("available")}
    ours, theirs = by_name.get("newsdesk"), by_name.get("trafilatura")
    if not ours or not theirs or not theirs["docs_per_s"] or not theirs["peak_rss_mb"]:
        return "ratios vs trafilatura: n/a (needs both newsdesk and trafilatura rows)"
    return (f"ratios vs trafilatura: newsdesk docs/s ÷ trafilatura docs/s = "
            f"{ours['docs_per_s'] / theirs['docs_per_s']:.2f}; newsdesk peak RSS ÷ trafilatura peak RSS = "
            f"{ours['peak_rss_mb'] / theirs['peak_rss_mb']:.2f}")


def _baseline(rows: list[dict[str, Any]]) -> str:
    base = next((r for r in rows if r["name"] == BASELINE.name and r.get("available")), None)
    if base is None:
        return ""
    return f"peak RSS of a worker that extracts nothing (python + harness): {base['peak_rss_mb']:.1f} MB"
