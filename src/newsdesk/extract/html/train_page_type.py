"""Fit the page-type model and write it as package data (run from the project's root folder):

    .venv/bin/python -m newsdesk.extract.html.train_page_type   # reads ../shared/data/wcxb-dev

It reads every page of WCXB's development split (`truth.json` gives each page's `page_type` and URL),
reads each page exactly as extraction does (`page_type.read_page`: the page features and the hashed
bag of its words) and fits two models, stacked:

1. the word model: scikit-learn's SGDClassifier (log loss, one type against the rest, `WORD_PARAMETERS`)
   over the hashed words of the URL, host, title, headings, text and class names;
2. the trees: LightGBM (`PARAMETERS`) over the page features and the word model's probabilities. The
   trees are fitted on out-of-fold probabilities: the pages are split into five folds by site (a hash
   of the host's last two labels, `site_fold`), and each page's word probabilities come from a word
   model fitted on the other folds, so the trees learn how far the word model is to be trusted on
   pages it has not seen. The shipped word model is then fitted on every page. The trees' settings
   are PARAMETERS with one of `CANDIDATES` (as before, or extremely randomised trees), the one an
   inner cross-validation over the same five folds scores best (`choose_parameters`).

Fixed seeds, one thread, no early stopping: the same data gives the same models and the same file,
byte for byte (about 80 s of CPU time, most of it the inner cross-validation's ten fits of trees).
The models are written as gzipped JSON with the feature names and a version made from a hash of
both. `benchmarks/page_type.py` scores the same fit by cross-validation over the project's
site-grouped folds; the shipped model is fitted on all of them.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import sys
import time
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import lightgbm
import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix
from selectolax.lexbor import LexborHTMLParser
from sklearn.linear_model import SGDClassifier

from newsdesk.extract.encoding import decode_html
from newsdesk.extract.html.markup import limit_nesting
from newsdesk.extract.html.page_type import (
    MODEL_FORMAT,
    MODEL_PATH,
    PAGE_TYPES,
    STACKED_NAMES,
    WORD_BUCKETS,
    Reading,
    read_page,
)
from newsdesk.settings import Settings

Matrix = npt.NDArray[np.float64]
DEFAULT_DATA = Path("../shared/data/wcxb-dev")
FOLDS = 5
PARAMETERS: dict[str, Any] = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_child_samples": 8,
    "reg_lambda": 1.0,
    "colsample_bytree": 0.5,
    "random_state": 0,
    "n_jobs": 1,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}
# The trees' settings tried on top of PARAMETERS, each scored by an inner cross-validation over the
# training pages' own site folds (`choose_parameters`); the first of the best is kept. Extremely
# randomised trees (LightGBM's extra_trees: each split at a random threshold of each candidate
# feature) vary less with the few hundred pages of a type than trees that seek the best threshold.
CANDIDATES: tuple[dict[str, Any], ...] = (
    {},
    {"extra_trees": True, "learning_rate": 0.1},
)
WORD_PARAMETERS: dict[str, Any] = {
    "loss": "log_loss",
    "alpha": 1e-4,
    "max_iter": 30,
    "tol": None,
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


def reading_of(raw: bytes, url: str | None, settings: Settings | None = None) -> Reading:
    """A page's features and words, from its raw bytes, parsed as `extract_html` parses them."""
    settings = settings or Settings()
    text = decode_html(raw, None)
    tree = LexborHTMLParser(limit_nesting(text, settings.max_depth))
    return read_page(text, url, tree)


def features_of(raw: bytes, url: str | None, settings: Settings | None = None) -> list[float]:
    return reading_of(raw, url, settings).features


@dataclass(frozen=True)
class Readings:
    """The pages' features (one row a page) and hashed words (a sparse matrix, one row a page)."""

    features: Matrix
    words: csr_matrix


def readings(rows: Sequence[Reading]) -> Readings:
    indptr, indices, values = [0], [], []
    for reading in rows:
        for bucket in sorted(reading.words):
            indices.append(bucket)
            values.append(reading.words[bucket])
        indptr.append(len(indices))
    words = csr_matrix((np.asarray(values, dtype=np.float64), np.asarray(indices, dtype=np.int64),
                        np.asarray(indptr, dtype=np.int64)), shape=(len(rows), WORD_BUCKETS))
    return Readings(np.asarray([reading.features for reading in rows], dtype=np.float64), words)


def read_pages(pages: Iterable[LabelledPage]) -> Readings:
    return readings([reading_of(gzip.decompress(page.path.read_bytes()), page.url) for page in pages])


def site_fold(url: str | None) -> int:
    """The fold of a page's site (the host's last two labels, hashed), for the out-of-fold word
    probabilities: pages of one site never sit on both sides."""
    try:
        host = (urlsplit(url or "").hostname or "").lower()
    except ValueError:
        host = ""
    return zlib.crc32(".".join(host.split(".")[-2:]).encode("utf-8")) % FOLDS


def fit_words(words: csr_matrix, labels: Sequence[str] | npt.NDArray[np.str_]) -> SGDClassifier:
    return SGDClassifier(**WORD_PARAMETERS).fit(words, np.asarray(labels))


def out_of_fold_words(words: csr_matrix, labels: Sequence[str], groups: Sequence[int]) -> Matrix:
    """Each page's word-model probabilities from the model fitted on the pages of the other groups."""
    group_of = np.asarray(groups)
    label_of = np.asarray(labels)
    kinds = sorted(set(labels))
    found = np.zeros((len(label_of), len(kinds)))
    for group in sorted(set(group_of.tolist())):
        inside = group_of == group
        if inside.all():  # a single group: nothing to fit on but itself
            found[inside] = fit_words(words, label_of).predict_proba(words)
            continue
        model = fit_words(words[~inside], label_of[~inside])
        columns = np.asarray([kinds.index(str(kind)) for kind in model.classes_], dtype=np.int64)
        found[np.ix_(np.flatnonzero(inside), columns)] = model.predict_proba(words[inside])
    return found


@dataclass(frozen=True)
class Fitted:
    words: SGDClassifier
    trees: lightgbm.LGBMClassifier
    parameters: dict[str, Any]  # the trees' settings, as chosen by `choose_parameters`
    scores: tuple[float, ...]  # the inner cross-validated accuracy of each candidate (none: one given)


def fit(data: Readings, labels: Sequence[str], groups: Sequence[int],
        candidates: Sequence[dict[str, Any]] = CANDIDATES) -> Fitted:
    """The word model on every page, and the trees on the page features beside the word model's
    out-of-fold probabilities (folds: `groups`), with the settings of `candidates` that an inner
    cross-validation over the same folds scores best (a single candidate is taken as it is)."""
    stacked = np.hstack([data.features, out_of_fold_words(data.words, labels, groups)])
    parameters, scores = (({**PARAMETERS, **candidates[0]}, ()) if len(candidates) == 1 else
                          choose_parameters(stacked, labels, groups, candidates))
    trees = lightgbm.LGBMClassifier(**parameters).fit(stacked, np.asarray(labels))
    return Fitted(fit_words(data.words, labels), trees, parameters, scores)


def choose_parameters(stacked: Matrix, labels: Sequence[str], groups: Sequence[int],
                      candidates: Sequence[dict[str, Any]] = CANDIDATES,
                      ) -> tuple[dict[str, Any], tuple[float, ...]]:
    """The trees' settings (PARAMETERS with one of `candidates`) whose trees, fitted on all folds but
    one, tell the types of the held-out fold's pages best, over every fold of `groups`; and each
    candidate's accuracy. Only the pages given are read: scored by `benchmarks/page_type.py`, the
    choice never sees the fold being scored. The word probabilities are the out-of-fold ones the
    trees are fitted on (each from a word model that never saw that page's fold)."""
    label_of = np.asarray(labels)
    group_of = np.asarray(groups)
    held_out = [group for group in sorted(set(group_of.tolist()))
                if len(set(label_of[group_of != group].tolist())) > 1]
    scores: list[float] = []
    for candidate in candidates:
        if not held_out:  # a single fold: nothing to score on
            scores.append(0.0)
            continue
        correct = 0
        for group in held_out:
            inside = group_of == group
            trees = lightgbm.LGBMClassifier(**{**PARAMETERS, **candidate}).fit(
                stacked[~inside], label_of[~inside])
            correct += int((trees.predict(stacked[inside]) == label_of[inside]).sum())
        scores.append(correct / int(np.isin(group_of, held_out).sum()))
    best = scores.index(max(scores))
    return {**PARAMETERS, **candidates[best]}, tuple(scores)


def stacked_features(fitted: Fitted, data: Readings) -> Matrix:
    """The trees' input for pages the models were not fitted on (as extraction builds it)."""
    return np.hstack([data.features, np.asarray(fitted.words.predict_proba(data.words))])


def export_trees(classifier: lightgbm.LGBMClassifier) -> dict[str, Any]:
    """LightGBM's trees as the flat node lists `trees.Trees.of` reads."""
    dumped = classifier.booster_.dump_model()
    classes = int(dumped["num_class"])
    trees = []
    for number, info in enumerate(dumped["tree_info"]):
        nodes: list[dict[str, Any]] = []
        depth = _flatten(info["tree_structure"], 0, nodes)
        trees.append({"class": number % classes, "depth": depth,
                      **{key: [node[key] for node in nodes] for key in
                         ("feature", "threshold", "missing_left", "left", "right", "value", "leaf")}})
    return {"labels": [str(label) for label in classifier.classes_], "baseline": [0.0] * classes,
            "trees": trees}


def _flatten(node: dict[str, Any], depth: int, nodes: list[dict[str, Any]]) -> int:
    """Append `node` and its subtree to `nodes` (a node's children after it); the subtree's depth."""
    entry: dict[str, Any] = {}
    nodes.append(entry)
    if "leaf_value" in node:
        entry.update(feature=0, threshold=0.0, missing_left=1, left=0, right=0,
                     value=float(node["leaf_value"]), leaf=1)
        return depth
    if node["decision_type"] != "<=":
        raise ValueError(f"unsupported LightGBM split {node['decision_type']!r}")
    left = len(nodes)
    left_depth = _flatten(node["left_child"], depth + 1, nodes)
    right = len(nodes)
    right_depth = _flatten(node["right_child"], depth + 1, nodes)
    entry.update(feature=int(node["split_feature"]), threshold=float(node["threshold"]),
                 missing_left=int(bool(node["default_left"])), left=left, right=right, value=0.0, leaf=0)
    return max(left_depth, right_depth)


def export(fitted: Fitted) -> dict[str, Any]:
    """Both models as plain data (`page_type.PageTypeModel.from_dict` reads it back)."""
    trees = export_trees(fitted.trees)
    if [str(label) for label in fitted.words.classes_] != trees["labels"]:
        raise ValueError("the word model and the trees name other types")
    words = {"buckets": WORD_BUCKETS, "labels": trees["labels"],
             "weights": [[round(float(value), 6) for value in row] for row in fitted.words.coef_],
             "intercepts": [round(float(value), 6) for value in fitted.words.intercept_]}
    body = json.dumps({**trees, "words": words}, sort_keys=True)
    version = "wcxb-" + hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
    return {"format": MODEL_FORMAT, "version": version, **trees, "feature_names": list(STACKED_NAMES),
            "parameters": fitted.parameters, "candidates": list(CANDIDATES),
            "candidate_accuracy": [round(score, 4) for score in fitted.scores],
            "word_parameters": {**WORD_PARAMETERS}, "words": words}


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
    return serialise(export(fit(read_pages(pages), [page.page_type for page in pages],
                                [site_fold(page.url) for page in pages])))


_FOLD_DATA: dict[str, Any] = {}  # the readings, set before the pool forks (its processes share them)


def _fold_job(k: int) -> bytes:
    data, labels, fold_of = _FOLD_DATA["data"], _FOLD_DATA["labels"], _FOLD_DATA["folds"]
    train = np.flatnonzero(fold_of != k)
    return serialise(export(fit(Readings(data.features[train], data.words[train]),
                                [labels[i] for i in train], fold_of[train].tolist())))


def fold_models(out: Path, folds: Mapping[tuple[str, str], int], data: Path = DEFAULT_DATA,
                processes: int = 2) -> list[Path]:
    """The page-type models of the cross-validated body model (train.py, benchmarks/extraction_cv.py):
    fold k's is fitted as the shipped one (`fit`, its trees' settings chosen by inner
    cross-validation) on the WCXB pages of the other folds of `folds` (the project's, by site), with
    those folds as groups: the model benchmarks/page_type.py scores fold k with. Written to
    out/fold<K>.json.gz; kept from an earlier run when the pages, their folds and the page-type code
    are the same (out/key.txt)."""
    import multiprocessing

    pages = wcxb_pages(data)
    fold_of = np.asarray([folds[("wcxb-dev", page.id)] for page in pages])
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256((data / "truth.json").read_bytes())
    digest.update(repr([(page.id, int(fold)) for page, fold in zip(pages, fold_of, strict=True)]).encode())
    for name in ("train_page_type", "page_type", "page_reading", "page_type_words", "trees", "markup"):
        digest.update((package / f"{name}.py").read_bytes())
    key = digest.hexdigest()[:16]
    kinds = sorted(set(fold_of.tolist()))
    paths = [out / f"fold{k}.json.gz" for k in kinds]
    stamp = out / "key.txt"
    if stamp.exists() and stamp.read_text(encoding="utf-8").strip() == key and all(p.exists() for p in paths):
        return paths
    started = time.perf_counter()
    _FOLD_DATA.update(data=read_pages(pages), labels=[page.page_type for page in pages], folds=fold_of)
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        models = pool.map(_fold_job, kinds, chunksize=1)
    _FOLD_DATA.clear()
    out.mkdir(parents=True, exist_ok=True)
    for path, model in zip(paths, models, strict=True):
        path.write_bytes(model)
    stamp.write_text(key + "\n", encoding="utf-8")
    print(f"train_page_type: {len(paths)} fold models written to {out} in "
          f"{time.perf_counter() - started:.0f} s", file=sys.stderr)
    return paths


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
