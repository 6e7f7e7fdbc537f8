"""The benchmark's child process: one extractor over one set, timed page by page, with its peak RSS.

`benchmarks/extraction.py --worker NAME` runs `run_worker`; the parent reads the JSON it writes.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import resource
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from extraction_competitors import BASELINE, EXTRACTORS, ExtractFn, Extractor, Prediction, prediction
from extraction_data import load_truth, read_page


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
        predicted, error = fn(page, url), None
    except Exception as exc:  # one bad page must not end the run; it scores as empty
        predicted, error = prediction(""), f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]
    return predicted, time.perf_counter() - start, error


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
            predicted, seconds, error = _timed(fn, page, truth[doc_id]["url"])
            entry = docs.setdefault(doc_id, {**predicted, "error": error, "seconds": []})
            entry["seconds"].append(seconds)
    result.update(available=True, docs=docs, vm_hwm_mb=_vm_hwm_mb(),
                  peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
