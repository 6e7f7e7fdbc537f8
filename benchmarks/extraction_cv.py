"""Cross-validated body extraction: newsdesk beside trafilatura on every development page, one table.

    .venv/bin/python -m newsdesk.extract.html.train        # once: the shipped model and the 5 fold models
    .venv/bin/python benchmarks/extraction_cv.py      # needs the `bench` extra (trafilatura)

Pages of ScrapingHub (181), trafilatura-dev (291) and WCXB-dev (1,497) are split into the five
folds of benchmarks/folds.py (grouped by site). The row `newsdesk` scores every page with the model
fitted WITHOUT that page's fold (.cache/body-cv/fold<K>.txt), its page type (a page column of the
body model) read by the page-type model fitted without that fold (.cache/page-type-cv/fold<K>.json.gz;
both written by the training command), so each of its figures is held out;
`newsdesk-rules` is the hand-written rules alone (what newsdesk did before the model; no fitting
involved, but those rules were written while looking at ScrapingHub, so its figure there is
in-sample); trafilatura 2.3.1 runs as in benchmarks/extraction.py (txt, comments excluded).

Scores: ScrapingHub body P/R/F1 by ../shared/tools/score-extraction; trafilatura-dev snippet P/R/F1
(micro; see extraction_scoring.TRAFILATURA_RULES); WCXB-dev macro word F1 overall and per page type
by ../shared/tools/score-wcxb's own word_prf. A second table gives each figure per fold.

Speed and memory: each extractor runs in its own subprocess (as benchmarks/extraction.py does), one
page at a time, read outside the timed call; docs/s = pages / summed seconds per set, by the wall
clock and per CPU second of the process (time.process_time: the figure that holds on a loaded
machine, where the wall clock counts other processes' turns too); peak RSS is
the child's ru_maxrss over all three sets. The model's load time is measured in the child before
the first page (`--models shipped` times the shipped model instead of the fold models).

Options: --only NAME,... --sets SET,... --json OUT --models DIR --page-types DIR.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from extraction_tables import format_table
from folds import load_folds

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
DATA = PROJECT.parent / "shared" / "data"
TOOLS = PROJECT.parent / "shared" / "tools"
MODELS = PROJECT / ".cache" / "body-cv"
PAGE_TYPE_MODELS = PROJECT / ".cache" / "page-type-cv"  # fold<K>.json.gz, written by the training command
SETS = {"scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json", "wcxb-dev": "truth.json"}
NAMES = ("newsdesk", "newsdesk-rules", "trafilatura")
TYPES = ("article", "collection", "documentation", "forum", "listing", "product", "service")
LAUNCHER = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def load_truth(set_name: str) -> dict[str, dict[str, Any]]:
    path = DATA / set_name / SETS[set_name]
    if not path.exists():
        sys.exit(f"extraction_cv: {path} is missing (the shared data must sit beside the project)")
    truth: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return truth


def read_page(set_name: str, page_id: str) -> bytes:
    import gzip

    return gzip.decompress((DATA / set_name / "html" / f"{page_id}.html.gz").read_bytes())


# --------------------------------------------------------------------------- child


def fold_settings(models: str, page_types: str, k: int) -> Any:
    """The settings fold k's pages are extracted with: the body model and the page-type model fitted
    without fold k (the body model reads the page type's probabilities)."""
    from newsdesk.settings import Settings

    return Settings(body_model=str(Path(models) / f"fold{k}.txt"),
                    page_type_model=str(Path(page_types) / f"fold{k}.json.gz"))


def _loader(name: str, models: str, folds: dict[tuple[str, str], int], page_types: str = str(PAGE_TYPE_MODELS)
            ) -> tuple[Any, float]:
    """(function (set, id, raw, url) -> body, seconds spent loading models)."""
    if name == "trafilatura":
        import trafilatura

        def run_trafilatura(set_name: str, page_id: str, raw: bytes, url: str) -> str:
            body = trafilatura.extract(raw, url=url, output_format="txt", include_comments=False)
            trafilatura.extract_metadata(raw, default_url=url)
            return body or ""
        return run_trafilatura, 0.0

    import newsdesk
    from newsdesk.extract.html.learned import load_model
    from newsdesk.settings import Settings

    if name == "newsdesk-rules":
        rules = Settings(body_model="rules")
        return (lambda set_name, page_id, raw, url: newsdesk.extract(raw, url=url, settings=rules).body), 0.0
    started = time.perf_counter()
    if models == "shipped":
        shipped = Settings()
        load_model("")
        return (lambda set_name, page_id, raw, url: newsdesk.extract(raw, url=url, settings=shipped).body,
                time.perf_counter() - started)
    per_fold = [fold_settings(models, page_types, k) for k in range(5)]
    for settings in per_fold:
        load_model(settings.body_model)
    seconds = (time.perf_counter() - started) / len(per_fold)

    def run_held_out(set_name: str, page_id: str, raw: bytes, url: str) -> str:
        settings = per_fold[folds[(set_name, page_id)]]
        return newsdesk.extract(raw, url=url, settings=settings).body
    return run_held_out, seconds


def worker(args: argparse.Namespace) -> None:
    import logging
    import warnings

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    folds = load_folds()
    fn, load_seconds = _loader(args.worker, args.models, folds, args.page_types)
    result: dict[str, Any] = {"load_s": load_seconds, "sets": {}}
    for set_name in args.set_names:
        truth = load_truth(set_name)
        docs: dict[str, Any] = {}
        first = next(iter(truth))
        fn(set_name, first, read_page(set_name, first), truth[first].get("url") or "")  # warm-up
        for page_id, record in truth.items():
            raw = read_page(set_name, page_id)
            start, cpu = time.perf_counter(), time.process_time()
            try:
                body, error = fn(set_name, page_id, raw, record.get("url") or ""), None
            except Exception as exc:  # one bad page must not end the run; it scores as empty
                body, error = "", f"{type(exc).__name__}: {exc}"[:200]
            docs[page_id] = {"body": body, "seconds": time.perf_counter() - start,
                             "cpu_seconds": time.process_time() - cpu, "error": error}
        result["sets"][set_name] = docs
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")


def launch(name: str, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="newsdesk-cv-") as tmp:
        out = Path(tmp) / "result.json"
        command = [sys.executable, "-c", LAUNCHER, sys.executable, str(Path(__file__).resolve()),
                   "--worker", name, "--out", str(out), "--sets", ",".join(args.set_names),
                   "--models", args.models, "--page-types", args.page_types]
        started = time.monotonic()
        proc = subprocess.run(command, capture_output=True, text=True)
        print(f"{name}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"available": False, "reason": tail}
        result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
        result["available"] = True
        return result


# --------------------------------------------------------------------------- scoring


def _tool(name: str) -> dict[str, Any]:
    path = TOOLS / name
    if not path.exists():
        sys.exit(f"extraction_cv: {path} is missing")
    return runpy.run_path(str(path))


def score_set(set_name: str, truth: dict[str, Any], bodies: dict[str, str]) -> dict[str, float]:
    """The set's own figures for the pages in `truth`."""
    if set_name == "scrapinghub":
        scorer = _tool("score-extraction")
        metrics, _ = scorer["score"](truth, {k: {"articleBody": bodies.get(k, "")} for k in truth})
        return {"P": metrics["precision"], "R": metrics["recall"], "F1": metrics["f1"]}
    if set_name == "trafilatura-dev":
        from extraction_scoring import score_trafilatura

        docs = {k: {"body": bodies.get(k, ""), "title": None, "authors": None, "date": None} for k in truth}
        metrics, _ = score_trafilatura(truth, docs, ())
        return {"P": metrics["precision"], "R": metrics["recall"], "F1": metrics["f1"]}
    word_prf = _tool("score-wcxb")["word_prf"]
    by_type: dict[str, list[float]] = defaultdict(list)
    for page_id, record in truth.items():
        f1 = word_prf(bodies.get(page_id, ""), record["main_content"])[2]
        by_type["all"].append(f1)
        by_type[record["page_type"]].append(f1)
    return {kind: sum(v) / len(v) for kind, v in by_type.items()}


def _fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def report(args: argparse.Namespace, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    folds = load_folds()
    truths = {s: load_truth(s) for s in args.set_names}
    figures: dict[str, Any] = {}
    quality_rows, fold_rows, speed_rows = [], [], []
    for name, result in results.items():
        if not result.get("available"):
            print(f"{name}: not available: {result.get('reason')}")
            continue
        entry: dict[str, Any] = {"load_s": result["load_s"], "peak_rss_mb": result["peak_rss_mb"], "sets": {}}
        cells = [name]
        for set_name in args.set_names:
            docs = result["sets"][set_name]
            bodies = {k: d["body"] for k, d in docs.items()}
            overall = score_set(set_name, truths[set_name], bodies)
            per_fold = [score_set(set_name, {k: v for k, v in truths[set_name].items()
                                             if folds[(set_name, k)] == fold}, bodies) for fold in range(5)]
            seconds = [d["seconds"] for d in docs.values()]
            cpu = [d["cpu_seconds"] for d in docs.values()]
            entry["sets"][set_name] = {"overall": overall, "folds": per_fold,
                                       "docs_per_s": len(seconds) / sum(seconds),
                                       "docs_per_cpu_s": len(cpu) / sum(cpu),
                                       "p50_ms": 1000 * statistics.median(seconds),
                                       "errors": sum(1 for d in docs.values() if d["error"])}
            if set_name == "wcxb-dev":
                cells += [_fmt(overall.get(kind)) for kind in ("all", *TYPES)]
            else:
                cells += [_fmt(overall["F1"])]
            for fold in range(5):
                key = "all" if set_name == "wcxb-dev" else "F1"
                fold_rows.append((name, set_name, fold, per_fold[fold].get(key)))
        figures[name] = entry
        quality_rows.append(cells)
    headers = ["extractor"]
    for set_name in args.set_names:
        headers += ([f"wcxb {k}" if k == "all" else k[:5] for k in ("all", *TYPES)] if set_name == "wcxb-dev"
                    else [f"{set_name[:5]} F1"])
    held_out = ("cross-validated (5 folds grouped by site; each page scored by a model that never saw its "
                "fold)")
    shipped = "IN-SAMPLE (the shipped model, fitted on all these pages)"
    print(f"\n== body quality, {shipped if args.models == 'shipped' else held_out}")
    print(format_table(headers, quality_rows))
    print("\n== per fold (ScrapingHub and trafilatura-dev body F1, WCXB-dev macro word F1 over all pages)")
    names = list(figures)
    fold_headers = ["set", "fold", *names]
    table = []
    for set_name in args.set_names:
        for fold in range(5):
            table.append([set_name, str(fold), *(_fmt(next(v for n, s, f, v in fold_rows
                                                            if n == name and s == set_name and f == fold))
                                                 for name in names)])
    print(format_table(fold_headers, table))
    print("\n== speed and memory (single process; docs/s per set by the wall clock and per CPU second, "
          "p50 ms, peak RSS over all sets)")
    base = figures.get("trafilatura")
    for name, entry in figures.items():
        cells = [name]
        for set_name in args.set_names:
            s = entry["sets"][set_name]
            ratio = (f" ({s['docs_per_s'] / base['sets'][set_name]['docs_per_s']:.1f}x)"
                     if base and name != "trafilatura" else "")
            cpu_ratio = (f" ({s['docs_per_cpu_s'] / base['sets'][set_name]['docs_per_cpu_s']:.1f}x)"
                         if base and name != "trafilatura" else "")
            cells += [f"{s['docs_per_s']:.1f}{ratio}", f"{s['docs_per_cpu_s']:.1f}{cpu_ratio}",
                      _fmt(s["p50_ms"], 1)]
        cells += [_fmt(entry["peak_rss_mb"], 1), _fmt(1000 * entry["load_s"], 1)]
        speed_rows.append(cells)
    speed_headers = ["extractor"]
    for set_name in args.set_names:
        speed_headers += [f"{set_name[:5]} docs/s", "per CPU s", "p50 ms"]
    print(format_table([*speed_headers, "RSS MB", "model load ms"], speed_rows))
    errors = {n: sum(s["errors"] for s in e["sets"].values()) for n, e in figures.items()}
    print("pages that raised (scored as empty): " + ", ".join(f"{n} {c}" for n, c in errors.items()))
    return figures


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", default=",".join(NAMES), help=f"extractors: {','.join(NAMES)}")
    ap.add_argument("--sets", default=",".join(SETS), help=f"sets: {','.join(SETS)}")
    ap.add_argument("--models", default=str(MODELS),
                    help="folder of fold<K>.txt models (default .cache/body-cv), or 'shipped'")
    ap.add_argument("--page-types", default=str(PAGE_TYPE_MODELS),
                    help="each fold's page-type model fold<K>.json.gz (default .cache/page-type-cv)")
    ap.add_argument("--json", type=Path, help="also write every figure to this JSON file")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.set_names = args.sets.split(",")
    if args.worker:
        worker(args)
        return
    names = args.only.split(",")
    if "newsdesk" in names and args.models != "shipped" and not (Path(args.models) / "fold0.txt").exists():
        sys.exit(f"extraction_cv: no fold models in {args.models}; "
                 "run .venv/bin/python -m newsdesk.extract.html.train")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {load}; "
          f"models: {args.models}", flush=True)
    results = {name: launch(name, args) for name in names}
    figures = report(args, results)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
