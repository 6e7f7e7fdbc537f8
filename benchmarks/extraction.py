"""Extraction benchmark: newsdesk and its competitors, side by side, on the shared evaluation data.

    .venv/bin/python benchmarks/extraction.py

Needs the `bench` extra (`scripts/bootstrap dev,bench`) for the competitors; a missing one gets a
row saying so. Prints one table per data set (quality, speed, peak memory) and a ratios line.

How it measures:

* Each extractor runs in its own subprocess (this file with `--worker NAME`), one after another, so
  speed and peak RSS (`ru_maxrss` of that child, nothing subtracted) are per extractor, single
  process. The child reads and decompresses one page at a time, outside the timed section; it
  warms up on the first page, then times every page (`--repeat N` passes, median per page).
* Input: raw bytes to extractors that take bytes (newsdesk, trafilatura, readability-lxml,
  jusText); the others get this file's `decode_html` (same for all, timed as part of the call).
* scrapinghub: body precision/recall/F1 from ../shared/tools/score-extraction's own `score()`.
  Text-mode rows: each page flattened to text by html-text (one block per line, as a WET file
  would) outside the workers; newsdesk.extract_text then runs on that text.
* trafilatura-dev: see TRAFILATURA_RULES below (printed under the table).

Options: --only NAME,... --sets SET,... --json OUT --per-doc DIR --repeat N --data DIR.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import logging
import os
import platform
import re
import resource
import runpy
import sys
import time
import unicodedata
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# importlib.metadata, statistics, subprocess and tempfile are imported where the parent uses them:
# a worker's peak RSS should be its extractor's, not the harness's (a bare worker is ~20 MB).

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = PROJECT.parent / "shared" / "data"
SCORER = PROJECT.parent / "shared" / "tools" / "score-extraction"
SETS = {"scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json"}
META_FIELDS = ("title", "author", "date")
WORKER_TIMEOUT_S = 3600
# Linux carries a process's peak RSS over fork+exec, so a worker spawned straight from this (large)
# parent would report at least the parent's size. A small intermediate python starts each worker.
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"

TRAFILATURA_RULES = """\
rules: body and snippets whitespace-collapsed; a `with` snippet found = TP, missing = FN; a `without`
  snippet found = FP; P, R, F1 micro over all snippets. Metadata accuracy only over pages whose truth
  has the field ('-' = the extractor gives no such field):
  title  casefold, collapse whitespace, strip surrounding punctuation, then exact match
  author lower-case, split on ';' ',' ' and ', compare as sets (empty prediction = wrong)
  date   YYYY-MM-DD of the prediction (ISO prefix, else dateutil parse) equals the truth's day"""

Prediction = dict[str, Any]  # {"body": str, "title": str|None, "authors": list|str|None, "date": str|None}
ExtractFn = Callable[[Any, str], Prediction]


# --------------------------------------------------------------------------- pages and decoding

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_HTML_LANG = re.compile(rb"""<html[^>]*?\slang\s*=\s*["']?([a-zA-Z]{2,3})""", re.IGNORECASE)


def decode_html(raw: bytes) -> str:
    """The benchmark's own decode for extractors that need str: BOM, UTF-8, <meta> charset, guess."""
    for bom, name in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if raw.startswith(bom):
            return raw[len(bom):].decode(name, errors="replace")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _META_CHARSET.search(raw[:8192])
    if match:
        try:
            return raw.decode(match.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    return raw.decode(best.encoding if best else "utf-8", errors="replace")


def load_truth(data: Path, set_name: str) -> dict[str, dict[str, Any]]:
    with open(data / set_name / SETS[set_name], encoding="utf-8") as f:
        return json.load(f)


def read_page(data: Path, set_name: str, doc_id: str) -> bytes:
    return gzip.decompress((data / set_name / "html" / f"{doc_id}.html.gz").read_bytes())


# --------------------------------------------------------------------------- the extractors


def _prediction(body: str | None, title: Any = None, authors: Any = None, date: Any = None) -> Prediction:
    return {"body": body or "", "title": title or None, "authors": authors or None,
            "date": str(date) if date else None}


def _load_newsdesk() -> ExtractFn:
    import newsdesk

    def run(raw: bytes, url: str) -> Prediction:
        article = newsdesk.extract(raw, url=url)
        return _prediction(article.body, article.title, article.authors, article.published)
    return run


def _load_newsdesk_text() -> ExtractFn:
    import newsdesk

    def run(text: str, url: str) -> Prediction:
        article = newsdesk.extract_text(text, url=url)
        return _prediction(article.body, article.title, article.authors, article.published)
    return run


def _load_trafilatura() -> ExtractFn:
    import trafilatura

    def run(raw: bytes, url: str) -> Prediction:
        body = trafilatura.extract(raw, url=url, output_format="txt", include_comments=False)
        meta = trafilatura.extract_metadata(raw, default_url=url)
        if meta is None:
            return _prediction(body)
        return _prediction(body, meta.title, meta.author, meta.date)
    return run


def _load_trafilatura_defaults() -> ExtractFn:
    import trafilatura

    def run(raw: bytes, url: str) -> Prediction:
        return _prediction(trafilatura.extract(raw, url=url))
    return run


def _load_readability() -> ExtractFn:
    import html_text
    from readability import Document

    def run(raw: bytes, url: str) -> Prediction:
        doc = Document(raw, url=url)
        return _prediction(html_text.extract_text(doc.summary(html_partial=True)), doc.short_title())
    return run


def _load_newspaper() -> ExtractFn:
    import newspaper

    config = newspaper.Config()
    config.fetch_images = False  # no network here; it would try to fetch the top image

    def run(raw: bytes, url: str) -> Prediction:
        article = newspaper.Article(url, config=config)
        article.download(input_html=decode_html(raw))
        article.parse()
        return _prediction(article.text, article.title, article.authors, article.publish_date)
    return run


def _load_goose() -> ExtractFn:
    from goose3 import Goose

    goose = Goose()

    def run(raw: bytes, url: str) -> Prediction:
        article = goose.extract(url=url, raw_html=decode_html(raw))
        return _prediction(article.cleaned_text, article.title, article.authors, article.publish_date)
    return run


_JUSTEXT_LANGUAGES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian",
                      "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "hu": "Hungarian", "fi": "Finnish",
                      "ar": "Arabic", "ru": "Russian", "cs": "Czech", "sv": "Swedish", "da": "Danish",
                      "tr": "Turkish", "el": "Greek", "ko": "Korean", "uk": "Ukrainian", "ro": "Romanian"}


def _load_justext() -> ExtractFn:
    import justext

    stoplists: dict[str, frozenset[str]] = {}

    def run(raw: bytes, url: str) -> Prediction:
        match = _HTML_LANG.search(raw[:20_000])
        language = _JUSTEXT_LANGUAGES.get(match.group(1).decode().lower() if match else "", "English")
        if language not in stoplists:
            stoplists[language] = justext.get_stoplist(language)
        paragraphs = justext.justext(raw, stoplists[language])
        return _prediction("\n".join(p.text for p in paragraphs if not p.is_boilerplate))
    return run


def _load_resiliparse() -> ExtractFn:
    from resiliparse.extract.html2text import extract_plain_text

    def run(raw: bytes, url: str) -> Prediction:
        return _prediction(extract_plain_text(decode_html(raw), main_content=True))
    return run


def _load_baseline() -> ExtractFn:
    return lambda raw, url: _prediction("")


@dataclass(frozen=True)
class Extractor:
    name: str
    package: str  # distribution whose version is reported
    load: Callable[[], ExtractFn]
    fields: tuple[str, ...] = ()  # metadata it returns, out of META_FIELDS
    text_input: bool = False  # takes the html-text flattening of the page instead of its bytes
    sets: tuple[str, ...] = tuple(SETS)


EXTRACTORS = {e.name: e for e in (
    Extractor("newsdesk", "newsdesk", _load_newsdesk, META_FIELDS),
    Extractor("trafilatura", "trafilatura", _load_trafilatura, META_FIELDS),
    Extractor("trafilatura-defaults", "trafilatura", _load_trafilatura_defaults),
    Extractor("readability-lxml", "readability-lxml", _load_readability, ("title",)),
    Extractor("newspaper4k", "newspaper4k", _load_newspaper, META_FIELDS),
    Extractor("goose3", "goose3", _load_goose, META_FIELDS),
    Extractor("justext", "jusText", _load_justext),
    Extractor("resiliparse", "resiliparse", _load_resiliparse),
    Extractor("newsdesk-text", "newsdesk", _load_newsdesk_text, META_FIELDS, True, ("scrapinghub",)),
)}
KEEP_ALL = "keep-everything"  # the flattened text itself as the body; scored, not timed
BASELINE = Extractor("baseline", "newsdesk", _load_baseline)  # RSS of the harness alone
NOTES = {
    "trafilatura": "extract(txt, include_comments=False) + extract_metadata, both timed",
    "trafilatura-defaults": "extract(html, url=url) defaults: comments kept, no metadata",
    "readability-lxml": "summary() flattened by html-text; title = short_title()",
    "newspaper4k": "plain install, no nltk: pages it takes for Korean or Arabic raise",
    "justext": "stoplist from <html lang>, else English",
    "newsdesk-text": "newsdesk.extract_text on the html-text flattening (WET-like)",
    KEEP_ALL: "the html-text flattening itself as body",
}


# --------------------------------------------------------------------------- worker (child process)


def _version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def _inputs(args: argparse.Namespace, extractor: Extractor,
            ids: list[str]) -> Iterator[tuple[str, Any]]:
    """(id, input) pairs, read lazily so that the pages never all sit in the child's memory."""
    if extractor.text_input:
        with open(args.texts, encoding="utf-8") as f:
            texts = json.load(f)
        yield from ((doc_id, texts[doc_id]) for doc_id in ids)
    else:
        yield from ((doc_id, read_page(args.data, args.set, doc_id)) for doc_id in ids)


def _vm_hwm_mb() -> float | None:
    """Peak RSS of this process image from /proc (a cross-check of ru_maxrss; Linux only)."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else None


def _timed(fn: ExtractFn, page: Any, url: str) -> tuple[Prediction, float, str | None]:
    start = time.perf_counter()
    try:
        prediction, error = fn(page, url), None
    except Exception as exc:  # one bad page must not end the run; it scores as empty
        prediction, error = _prediction(""), f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
    return prediction, time.perf_counter() - start, error


def run_worker(args: argparse.Namespace) -> None:
    """Child: run one extractor over one set, write predictions, per-page times and peak RSS."""
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    extractor = BASELINE if args.worker == BASELINE.name else EXTRACTORS[args.worker]
    result: dict[str, Any] = {"name": extractor.name}
    try:
        fn = extractor.load()
    except ImportError as exc:
        result.update(available=False, reason=f"not installed ({exc}); run scripts/bootstrap dev,bench")
        Path(args.out).write_text(json.dumps(result), encoding="utf-8")
        return
    truth = load_truth(args.data, args.set)
    ids = list(truth)
    for doc_id, page in _inputs(args, extractor, ids[:1]):
        _timed(fn, page, truth[doc_id]["url"])  # warm-up: imports, caches, lazy initialisation
    docs: dict[str, dict[str, Any]] = {}
    for _ in range(args.repeat):
        for doc_id, page in _inputs(args, extractor, ids):
            prediction, seconds, error = _timed(fn, page, truth[doc_id]["url"])
            entry = docs.setdefault(doc_id, {**prediction, "error": error, "seconds": []})
            entry["seconds"].append(seconds)
    result.update(available=True, docs=docs, vm_hwm_mb=_vm_hwm_mb(),
                  peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


# --------------------------------------------------------------------------- parent: running workers


def launch(name: str, set_name: str, args: argparse.Namespace, texts: Path | None) -> dict[str, Any]:
    """Run one worker subprocess; returns its result (or an unavailable/failed marker)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-c", LAUNCHER, sys.executable, str(Path(__file__).resolve()),
                   "--worker", name, "--set", set_name, "--out", str(out), "--repeat", str(args.repeat),
                   "--data", str(args.data)]
        if texts is not None:
            command += ["--texts", str(texts)]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            return {"name": name, "available": False, "reason": f"timed out after {WORKER_TIMEOUT_S} s"}
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"name": name, "available": False, "reason": f"worker failed: {tail}"}
        return json.loads(out.read_text(encoding="utf-8"))


def flatten_pages(data: Path, set_name: str, truth: dict[str, Any]) -> dict[str, str] | str:
    """Each page as a WET-like text (html-text, one block per line); or why it can't be done."""
    try:
        import html_text
    except ImportError:
        return "html-text not installed; run scripts/bootstrap dev,bench"
    return {doc_id: html_text.extract_text(decode_html(read_page(data, set_name, doc_id)), guess_layout=True)
            for doc_id in truth}


# --------------------------------------------------------------------------- scoring


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


# --------------------------------------------------------------------------- one set


def evaluate(set_name: str, names: list[str], args: argparse.Namespace) -> list[dict[str, Any]]:
    """Run and score every selected extractor on one set; one row (dict of figures) per extractor."""
    import tempfile

    truth = load_truth(args.data, set_name)
    rows = []
    texts: dict[str, str] | str | None = None
    text_file = None
    if any(EXTRACTORS[n].text_input for n in names if n in EXTRACTORS) or KEEP_ALL in names:
        texts = flatten_pages(args.data, set_name, truth)
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-") as tmp:
        if isinstance(texts, dict):
            text_file = Path(tmp) / "texts.json"
            text_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
        for name in names:
            if name == KEEP_ALL:
                rows.append(_keep_all_row(set_name, truth, texts, args))
                continue
            extractor = EXTRACTORS[name]
            if set_name not in extractor.sets:
                continue
            if extractor.text_input and not isinstance(texts, dict):
                rows.append({"name": name, "available": False, "reason": texts})
                continue
            started = time.monotonic()
            result = launch(name, set_name, args, text_file if extractor.text_input else None)
            print(f"[{set_name}] {name}: {time.monotonic() - started:.1f} s", file=sys.stderr)
            rows.append(_row(set_name, truth, extractor, result, args))
    baseline = launch(BASELINE.name, set_name, args, None)
    rows.append({"name": BASELINE.name, "available": baseline.get("available", False),
                 "peak_rss_mb": baseline.get("peak_rss_mb")})
    return rows


def _row(set_name: str, truth: dict[str, Any], extractor: Extractor, result: dict[str, Any],
         args: argparse.Namespace) -> dict[str, Any]:
    if not result.get("available"):
        return {"name": extractor.name, "available": False, "reason": result.get("reason")}
    docs = result["docs"]
    metrics, per_doc = score(set_name, truth, docs, extractor.fields)
    errors = {doc_id: d["error"] for doc_id, d in docs.items() if d["error"]}
    row = {"name": extractor.name, "version": _version(extractor.package), "available": True, **metrics,
           **timing(docs), "peak_rss_mb": result["peak_rss_mb"], "vm_hwm_mb": result["vm_hwm_mb"],
           "errors": len(errors),
           "first_error": next(iter(errors.values()), None)}
    if args.per_doc:
        _write_per_doc(args.per_doc / set_name / f"{extractor.name}.json", docs, per_doc)
    return row


def _keep_all_row(set_name: str, truth: dict[str, Any], texts: dict[str, str] | str | None,
                  args: argparse.Namespace) -> dict[str, Any]:
    if not isinstance(texts, dict):
        return {"name": KEEP_ALL, "available": False, "reason": texts}
    docs = {doc_id: {**_prediction(text), "seconds": [0.0], "error": None} for doc_id, text in texts.items()}
    metrics, per_doc = score(set_name, truth, docs, ())
    if args.per_doc:
        _write_per_doc(args.per_doc / set_name / f"{KEEP_ALL}.json", docs, per_doc)
    return {"name": KEEP_ALL, "version": f"(html-text {_version('html-text')})", "available": True,
            **metrics, "errors": 0}


def _write_per_doc(path: Path, docs: dict[str, dict[str, Any]], per_doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = {doc_id: {"ms": [round(1000 * s, 3) for s in doc["seconds"]], "error": doc["error"],
                    "score": per_doc.get(doc_id), "title": doc["title"], "authors": doc["authors"],
                    "date": doc["date"], "body": doc["body"]}
           for doc_id, doc in docs.items()}
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


# --------------------------------------------------------------------------- printing


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


# --------------------------------------------------------------------------- command line


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    choices = [*EXTRACTORS, KEEP_ALL]
    ap.add_argument("--only", help=f"comma-separated extractors (default all): {','.join(choices)}")
    ap.add_argument("--sets", default=",".join(SETS), help=f"comma-separated sets: {','.join(SETS)}")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    ap.add_argument("--per-doc", type=Path, help="write per-document predictions and scores under DIR")
    ap.add_argument("--repeat", type=int, default=1, help="timing passes per extractor (median per page)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data (default ../shared/data)")
    for hidden in ("--worker", "--set", "--out", "--texts"):
        ap.add_argument(hidden, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    wanted = args.only.split(",") if args.only else choices
    args.names = [n for n in choices if n in wanted] + [n for n in wanted if n not in choices]
    args.set_names = args.sets.split(",")
    unknown = [n for n in args.names if n not in choices] + [s for s in args.set_names if s not in SETS]
    if unknown:
        ap.error(f"unknown extractor or set: {', '.join(unknown)}")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    return args


def check_data(data: Path, set_names: list[str]) -> None:
    missing = [str(data / s / SETS[s]) for s in set_names if not (data / s / SETS[s]).is_file()]
    if not SCORER.is_file():
        missing.append(str(SCORER))
    if missing:
        sys.exit("error: benchmark data not found: " + ", ".join(missing)
                 + "\n(the shared data must sit beside the project, at ../shared; or pass --data DIR)")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        run_worker(args)
        return
    check_data(args.data, args.set_names)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, load average "
          f"{load}, repeat={args.repeat}; each extractor in its own process, one at a time", flush=True)
    report: dict[str, Any] = {"python": platform.python_version(), "repeat": args.repeat, "sets": {}}
    for set_name in args.set_names:
        rows = evaluate(set_name, args.names, args)
        report["sets"][set_name] = rows
        print("\n" + render(set_name, rows, len(load_truth(args.data, set_name))), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
