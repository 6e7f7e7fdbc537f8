"""Extraction benchmark: newsdesk and its competitors, side by side, on the shared evaluation data.

    .venv/bin/python benchmarks/extraction.py

Needs the `bench` extra (`scripts/bootstrap dev,bench`) for the competitors; a missing one gets a
row saying so. Prints one table per data set (quality, speed, peak memory) and a ratios line.

How it measures:

* Each extractor runs in its own subprocess (this file with `--worker NAME`, see
  extraction_worker.py), one after another, so speed and peak RSS (`ru_maxrss` of that child,
  nothing subtracted) are per extractor, single process. The child reads and decompresses one page
  at a time, outside the timed section; it warms up on the first page, then times every page
  (`--repeat N` passes, median per page).
* Input: raw bytes to extractors that take bytes (newsdesk, trafilatura, readability-lxml,
  jusText); the others get extraction_data's `decode_html` (same for all, timed as part of the
  call). The adapters are in extraction_competitors.py.
* scrapinghub: body precision/recall/F1 from ../shared/tools/score-extraction's own `score()`.
  Text-mode rows: each page flattened to text by html-text (one block per line, as a WET file
  would) outside the workers; newsdesk.extract_text then runs on that text.
* trafilatura-dev: see TRAFILATURA_RULES in extraction_scoring.py (printed under the table).

This file runs the workers and puts the figures together; extraction_tables.py prints them.

Options: --only NAME,... --sets SET,... --json OUT --per-doc DIR --repeat N --data DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

from extraction_competitors import BASELINE, EXTRACTORS, KEEP_ALL, Extractor, prediction
from extraction_data import DEFAULT_DATA, SETS, flatten_pages, load_truth
from extraction_scoring import SCORER, score, timing
from extraction_tables import render
from extraction_worker import run_worker

# importlib.metadata, statistics, subprocess and tempfile are imported where the parent uses them:
# a worker's peak RSS should be its extractor's, not the harness's (a bare worker is ~20 MB).

WORKER_TIMEOUT_S = 3600
# Linux carries a process's peak RSS over fork+exec, so a worker spawned straight from this (large)
# parent would report at least the parent's size. A small intermediate python starts each worker.
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


# --------------------------------------------------------------------------- parent: running workers


def version(package: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


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
    row = {"name": extractor.name, "version": version(extractor.package), "available": True, **metrics,
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
    docs = {doc_id: {**prediction(text), "seconds": [0.0], "error": None} for doc_id, text in texts.items()}
    metrics, per_doc = score(set_name, truth, docs, ())
    if args.per_doc:
        _write_per_doc(args.per_doc / set_name / f"{KEEP_ALL}.json", docs, per_doc)
    return {"name": KEEP_ALL, "version": f"(html-text {version('html-text')})", "available": True,
            **metrics, "errors": 0}


def _write_per_doc(path: Path, docs: dict[str, dict[str, Any]], per_doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    out = {doc_id: {"ms": [round(1000 * s, 3) for s in doc["seconds"]], "error": doc["error"],
                    "score": per_doc.get(doc_id), "title": doc["title"], "authors": doc["authors"],
                    "date": doc["date"], "body": doc["body"]}
           for doc_id, doc in docs.items()}
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")


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
