"""Fit the page-type model and write it as package data (run from the project's root folder):

    .venv/bin/python -m newsdesk.extract.html.train_page_type   # reads ../shared/data/wcxb-dev

It reads every page of WCXB's development split (`truth.json` gives each page's `page_type` and URL),
computes `page_type.page_features` exactly as extraction does, fits scikit-learn's
HistGradientBoostingClassifier with the fixed settings of `PARAMETERS` (no early stopping, no
sampling: the same data gives the same trees, and the same file, byte for byte) on one CPU in about a
minute of CPU time (12 minutes of wall time on a loaded 2-core machine), and writes the trees as
gzipped JSON with the feature names and a version made from a hash of the trees.
`benchmarks/page_type.py` scores the same fit by cross-validation over the project's site-grouped
folds; the shipped model is fitted on all of them.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from selectolax.lexbor import LexborHTMLParser
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from newsdesk.extract.encoding import decode_html
from newsdesk.extract.html.markup import limit_nesting
from newsdesk.extract.html.page_type import FEATURE_NAMES, MODEL_FORMAT, MODEL_PATH, PAGE_TYPES, page_features
from newsdesk.settings import Settings

DEFAULT_DATA = Path("../shared/data/wcxb-dev")
PARAMETERS: dict[str, Any] = {
    "max_iter": 250,
    "learning_rate": 0.08,
    "max_leaf_nodes": 15,
    "min_samples_leaf": 8,
    "l2_regularization": 1.0,
    "early_stopping": False,
    "random_state": 0,
}


@dataclass(frozen=True)
class LabelledPage:
    id: str
    url: str | None
    page_type: str
    path: Path


def wcxb_pages(data: Path = DEFAULT_DATA) -> list[LabelledPage]:
    """The labelled pages of a WCXB split, in id order."""
    truth_path = data / "truth.json"
    if not truth_path.exists():
        raise SystemExit(f"train_page_type: {truth_path} is missing (the shared data must sit beside the "
                         "project; run from the project's root folder or pass --data)")
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    pages = []
    for page_id, record in sorted(truth.items()):
        page_type = record.get("page_type")
        if page_type not in PAGE_TYPES:
            continue
        pages.append(LabelledPage(page_id, record.get("url") or None, page_type,
                                  data / "html" / f"{page_id}.html.gz"))
    return pages


def features_of(raw: bytes, url: str | None, settings: Settings | None = None) -> list[float]:
    """A page's features, from its raw bytes, parsed as `extract_html` parses them."""
    settings = settings or Settings()
    text = decode_html(raw, None)
    tree = LexborHTMLParser(limit_nesting(text, settings.max_depth))
    return page_features(text, url, tree)


def feature_matrix(pages: Iterable[LabelledPage]) -> np.ndarray[Any, np.dtype[np.float64]]:
    rows = [features_of(gzip.decompress(page.path.read_bytes()), page.url) for page in pages]
    return np.asarray(rows, dtype=np.float64)


def fit(features: np.ndarray[Any, np.dtype[np.float64]], labels: list[str]) -> HistGradientBoostingClassifier:
    classifier = HistGradientBoostingClassifier(**PARAMETERS)
    # One thread: the same sums in the same order on any machine, and no OpenMP threads spinning for a
    # core on a busy one (the fit takes seconds either way).
    with threadpool_limits(limits=1):
        classifier.fit(features, np.asarray(labels))
    return classifier


def export(classifier: HistGradientBoostingClassifier) -> dict[str, Any]:
    """The fitted trees as plain data (`page_type.TreeModel.from_dict` reads it back)."""
    labels = [str(label) for label in classifier.classes_]
    per_iteration = classifier.n_trees_per_iteration_
    trees = []
    for iteration in classifier._predictors:
        for class_index, predictor in enumerate(iteration):
            nodes = predictor.nodes
            if per_iteration == 1:  # two classes: one tree per iteration, for the second class
                class_index = 1
            if np.any(nodes["is_categorical"]):
                raise ValueError("categorical splits are not supported by the exported model")
            trees.append({
                "class": class_index,
                "depth": int(nodes["depth"].max()),
                "feature": [int(value) for value in nodes["feature_idx"]],
                "threshold": [float(value) for value in nodes["num_threshold"]],
                "missing_left": [int(value) for value in nodes["missing_go_to_left"]],
                "left": [int(value) for value in nodes["left"]],
                "right": [int(value) for value in nodes["right"]],
                "value": [float(value) for value in nodes["value"]],
                "leaf": [int(value) for value in nodes["is_leaf"]],
            })
    baseline = [float(value) for value in np.ravel(classifier._baseline_prediction)]
    if per_iteration == 1:
        baseline = [0.0, baseline[0]]
    body = json.dumps({"labels": labels, "baseline": baseline, "trees": trees}, sort_keys=True)
    version = "wcxb-" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
    return {"format": MODEL_FORMAT, "version": version, "labels": labels,
            "feature_names": list(FEATURE_NAMES), "parameters": PARAMETERS, "baseline": baseline,
            "trees": trees}


def serialise(data: dict[str, Any]) -> bytes:
    """Gzipped JSON with no timestamp in it, so the same model is the same bytes."""
    buffer = io.BytesIO()
    text = json.dumps(data, sort_keys=True, separators=(",", ":")).encode("utf-8")
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0, compresslevel=9) as handle:
        handle.write(text)
    return buffer.getvalue()


def train(data: Path = DEFAULT_DATA, limit: int | None = None) -> bytes:
    """The serialised model fitted on the pages of `data` (the first `limit` of them, if given)."""
    pages = wcxb_pages(data)[:limit]
    features = feature_matrix(pages)
    return serialise(export(fit(features, [page.page_type for page in pages])))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newsdesk.extract.html.train_page_type",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="a WCXB split (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH, help="where to write the model "
                        "(default: the package's data/page_type.json.gz)")
    parser.add_argument("--limit", type=int, help="fit on the first N pages only (for quick checks)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    model = train(args.data, args.limit)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(model)
    data = json.loads(gzip.decompress(model))
    print(f"page-type model {data['version']}: {len(data['trees'])} trees, {len(model):,} bytes, "
          f"written to {args.out} in {time.perf_counter() - started:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
