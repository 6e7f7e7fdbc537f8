"""How the extraction benchmark scores predictions against the truth of each set, and sums up timings.

ScrapingHub: body precision/recall/F1 from ../shared/tools/score-extraction's own `score()`.
trafilatura-dev: the rules in TRAFILATURA_RULES (printed under its table).
"""

from __future__ import annotations

import functools
import re
import runpy
import unicodedata
import warnings
from typing import Any

from extraction_competitors import META_FIELDS, Prediction
from extraction_data import PROJECT

SCORER = PROJECT.parent / "shared" / "tools" / "score-extraction"

TRAFILATURA_RULES = """\
rules: body and snippets whitespace-collapsed; a `with` snippet found = TP, missing = FN; a `without`
  snippet found = FP; P, R, F1 micro over all snippets. Metadata accuracy only over pages whose truth
  has the field ('-' = the extractor gives no such field):
  title  casefold, collapse whitespace, strip surrounding punctuation, then exact match
  author lower-case, split on ';' ',' ' and ', compare as sets (empty prediction = wrong)
  date   YYYY-MM-DD of the prediction (ISO prefix, else dateutil parse) equals the truth's day"""


@functools.cache
def _scorer() -> dict[str, Any]:
    """The shared scorer's functions, loaded from its file (it is a script, not a module)."""
    return runpy.run_path(str(SCORER))


def score_scrapinghub(truth: dict[str, Any], docs: dict[str, Prediction]) -> tuple[dict, dict]:
    scorer = _scorer()
    predictions = {doc_id: {"articleBody": doc["body"]} for doc_id, doc in docs.items()}
    metrics, per_doc = scorer["score"](truth, predictions)
    return {"precision": metrics["precision"], "recall": metrics["recall"], "f1": metrics["f1"],
            "accuracy": metrics["accuracy"], "empty": metrics["empty_predictions"]}, per_doc


def squash(text: str) -> str:
    return " ".join(text.split())


def norm_title(title: str) -> str:
    title = squash(title.casefold())
    start, end = 0, len(title)
    while start < end and unicodedata.category(title[start])[0] in "PZ":
        start += 1
    while end > start and unicodedata.category(title[end - 1])[0] in "PZ":
        end -= 1
    return title[start:end]


def norm_authors(authors: Any) -> frozenset[str]:
    if isinstance(authors, list):
        authors = "; ".join(str(a) for a in authors)
    parts = re.split(r";|,| and ", squash(str(authors or "").lower()))
    return frozenset(part.strip() for part in parts if part.strip())


def norm_day(value: Any) -> str | None:
    if not value:
        return None
    match = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", str(value))
    if match:
        year, month, day = (int(g) for g in match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    try:
        from dateutil import parser

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # unknown time-zone names: the day is still right
            return parser.parse(str(value)).date().isoformat()
    except (ValueError, OverflowError, ImportError):
        return None


def _score_page(item: dict[str, Any], doc: Prediction) -> dict[str, Any]:
    body = squash(doc["body"])
    found = [squash(s) in body for s in item["with"]]
    leaked = [squash(s) in body for s in item["without"]]
    page: dict[str, Any] = {"tp": sum(found), "fn": len(found) - sum(found), "fp": sum(leaked),
                            "missing_with": [s for s, ok in zip(item["with"], found, strict=True) if not ok],
                            "found_without": [s for s, x in zip(item["without"], leaked, strict=True) if x]}
    if item.get("title"):
        page["title_ok"] = bool(doc["title"]) and norm_title(doc["title"]) == norm_title(item["title"])
    if item.get("author"):
        page["author_ok"] = bool(norm_authors(doc["authors"])) and (
            norm_authors(doc["authors"]) == norm_authors(item["author"]))
    if item.get("date"):
        page["date_ok"] = norm_day(doc["date"]) == item["date"][:10]
    return page


def score_trafilatura(truth: dict[str, Any], docs: dict[str, Prediction],
                      fields: tuple[str, ...]) -> tuple[dict, dict]:
    per_doc = {doc_id: _score_page(item, docs[doc_id]) for doc_id, item in truth.items()}
    tp, fp, fn = (sum(p[k] for p in per_doc.values()) for k in ("tp", "fp", "fn"))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    metrics: dict[str, Any] = {
        "precision": precision, "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "tp": tp, "fp": fp, "fn": fn, "empty": sum(1 for d in docs.values() if not d["body"].strip())}
    for field in META_FIELDS:
        flags = [p[f"{field}_ok"] for p in per_doc.values() if f"{field}_ok" in p]
        metrics[f"{field}_acc"] = sum(flags) / len(flags) if field in fields and flags else None
        metrics[f"{field}_n"] = len(flags)
    return metrics, per_doc


def score(set_name: str, truth: dict[str, Any], docs: dict[str, Prediction],
          fields: tuple[str, ...]) -> tuple[dict, dict]:
    if set_name == "scrapinghub":
        return score_scrapinghub(truth, docs)
    return score_trafilatura(truth, docs, fields)


def timing(docs: dict[str, dict[str, Any]]) -> dict[str, float]:
    """docs/s = documents / summed extraction time; each page's time is its median over repeats."""
    import statistics

    seconds = sorted(statistics.median(d["seconds"]) for d in docs.values())
    total = sum(seconds)
    return {"docs_per_s": len(seconds) / total if total else 0.0,
            "p50_ms": 1000 * statistics.median(seconds),
            "p95_ms": 1000 * statistics.quantiles(seconds, n=20, method="inclusive")[-1],
            "total_s": total}
