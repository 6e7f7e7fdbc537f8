"""Fit the learned body model: one deterministic command on the CPU, a few minutes.

    .venv/bin/python -m newsdesk.extract.train            # the shipped model and the 5 fold models

Reads the shared development data (../shared/data beside the project: scrapinghub, trafilatura-dev
and wcxb-dev) and the committed folds (benchmarks/data/folds.tsv, five folds grouped by site). Every
page goes through the extractor's own path (html.parse_page, body.choose_blocks,
blocks.block_features), so the model sees at training time exactly the rows it gets at run time.

Labels come from the truth by text matching: a block is main content when its words, in order, are
a run of the truth's (WCXB main_content, ScrapingHub articleBody), or, for a long block, when half
its word trigrams are; on trafilatura-dev, a block holding (or held by) a `with` snippet is content,
one with a `without` snippet is not, and the other blocks are left out. Each page weighs the same in
all (as the macro F1 it is scored by), and each block by its words within the page.

Pages are read by two processes (`--processes`); the rows are the same in any case and are kept
in .cache/rows-<hash of the features>.npz for the next run. Writes src/newsdesk/extract/models/body.txt
(fitted on all folds; package data) and, for the cross-validated benchmark
(benchmarks/extraction_cv.py), .cache/body-cv/fold<K>.txt, each fitted without fold K. `--skip-cv`
writes the shipped model only.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from newsdesk.errors import NewsdeskError
from newsdesk.extract.blocks import CATEGORICAL, FEATURES, ROWS_VERSION, block_features, page_hints
from newsdesk.extract.body import choose_blocks
from newsdesk.extract.html import parse_page
from newsdesk.extract.learned import MODEL
from newsdesk.settings import Settings

PROJECT = Path(__file__).resolve().parents[3]
DATA = PROJECT.parent / "shared" / "data"
FOLDS = PROJECT / "benchmarks" / "data" / "folds.tsv"
CV_MODELS = PROJECT / ".cache" / "body-cv"
SETS = {"scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json", "wcxb-dev": "truth.json"}
K = 5
PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.1, "num_leaves": 31, "min_data_in_leaf": 100,
    "min_sum_hessian_in_leaf": 1e-3, "feature_fraction": 0.5, "bagging_fraction": 0.5, "bagging_freq": 1,
    "lambda_l2": 1.0, "max_bin": 63, "cat_smooth": 10, "seed": 14, "deterministic": True,
    "force_col_wise": True, "num_threads": 1, "verbosity": -1,
}
ROUNDS = 150
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def read_folds(path: Path = FOLDS) -> dict[tuple[str, str], int]:
    folds: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            name, page_id, _site, fold = line.rstrip("\n").split("\t")
            folds[(name, page_id)] = int(fold)
    return folds


def pages(data: Path) -> Iterator[tuple[str, str, dict[str, Any], bytes]]:
    for name, truth_file in SETS.items():
        path = data / name / truth_file
        if not path.exists():
            raise SystemExit(f"train: {path} is missing (the shared data must sit beside the project)")
        truth = json.loads(path.read_text(encoding="utf-8"))
        for page_id in sorted(truth):
            raw = gzip.decompress((data / name / "html" / f"{page_id}.html.gz").read_bytes())
            yield name, page_id, truth[page_id], raw


def _trigrams(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + 3]) for i in range(len(tokens) - 2)}


def full_labels(texts: list[str], reference: str) -> tuple[list[float], list[float]]:
    """Labels against a whole main text; weights by words (every block has a small floor)."""
    ref_tokens = words(reference)
    joined = " " + " ".join(ref_tokens) + " "
    ref_trigrams = _trigrams(ref_tokens)
    labels, weights = [], []
    for text in texts:
        tokens = words(text)
        if not tokens:
            labels.append(0.0)
        elif " " + " ".join(tokens) + " " in joined:
            labels.append(1.0)
        elif len(tokens) >= 6:
            grams = _trigrams(tokens)
            labels.append(float(len(grams & ref_trigrams) >= 0.5 * len(grams)))
        else:
            labels.append(0.0)
        weights.append(len(tokens) + 2.0)
    return labels, weights


def snippet_labels(texts: list[str], with_: list[str], without: list[str]) -> tuple[list[float], list[float]]:
    """Labels from must-have and must-not-have snippets; blocks they say nothing about weigh 0."""
    keep = [" " + " ".join(words(s)) + " " for s in with_ if words(s)]
    drop = [" " + " ".join(words(s)) + " " for s in without if words(s)]
    labels, weights = [], []
    for text in texts:
        tokens = words(text)
        block = " " + " ".join(tokens) + " "
        long = len(tokens) >= 4
        if any(s in block or (long and block in s) for s in keep):
            labels.append(1.0)
            weights.append(len(tokens) + 2.0)
        elif any(s in block or (long and block in s) for s in drop):
            labels.append(0.0)
            weights.append(len(tokens) + 2.0)
        else:
            labels.append(0.0)
            weights.append(0.0)
    return labels, weights


def page_rows(name: str, record: dict[str, Any], raw: bytes, settings: Settings
              ) -> tuple[npt.NDArray[np.float32], list[float], list[float]] | None:
    try:
        parsed = parse_page(raw, record.get("url"), settings)
    except NewsdeskError:
        return None
    flat = parsed.flat
    if flat is None or not flat.blocks:
        return None
    choice = choose_blocks(flat, parsed.metadata.description)
    rows = block_features(flat, choice, page_hints(parsed.text), parsed.metadata.title,
                          parsed.metadata.description)
    texts = [b.text for b in flat.blocks]
    if name == "trafilatura-dev":
        labels, weights = snippet_labels(texts, record.get("with") or [], record.get("without") or [])
    else:
        labels, weights = full_labels(texts, record.get("articleBody") or record.get("main_content") or "")
    total = sum(weights)
    if not total:
        return None
    # Each page weighs as much as any other (scored by macro F1), its blocks by their words.
    return rows, labels, [100.0 * w / total for w in weights]


def _page_job(job: tuple[str, str, dict[str, Any], bytes]) -> tuple[str, str, Any]:
    name, page_id, record, raw = job
    return name, page_id, page_rows(name, record, raw, Settings(body_model="rules"))


def _rows_key() -> str:
    """What the cached rows depend on: the features (their names and ROWS_VERSION, raised whenever a
    feature's meaning changes) and the labelling code."""
    return repr([ROWS_VERSION, FEATURES, full_labels.__code__.co_code, snippet_labels.__code__.co_code,
                 page_rows.__code__.co_code])


def build(data: Path, folds: dict[tuple[str, str], int], processes: int = 2, cache: Path | None = None
          ) -> tuple[npt.NDArray[np.float32], npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """Rows, labels, weights and folds of every block of every page (in a fixed order)."""
    import hashlib
    from multiprocessing import Pool

    key = hashlib.sha256(_rows_key().encode()).hexdigest()[:16]
    cached = cache / f"rows-{key}.npz" if cache else None
    if cached and cached.exists():
        with np.load(cached) as stored:
            return stored["x"], stored["y"], stored["w"], stored["f"]
    xs, ys, ws, fs = [], [], [], []
    started = time.monotonic()
    with Pool(processes) as pool:
        for count, (name, page_id, found) in enumerate(pool.imap(_page_job, pages(data), chunksize=8), 1):
            if found is not None:
                rows, labels, weights = found
                xs.append(rows)
                ys.extend(labels)
                ws.extend(weights)
                fs.extend([folds[(name, page_id)]] * len(labels))
            if count % 250 == 0:
                print(f"train: {count} pages read ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    x, y, w, f = np.vstack(xs), np.array(ys, np.float32), np.array(ws, np.float32), np.array(fs, np.int8)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, x=x, y=y, w=w, f=f)
    return x, y, w, f


def fit(x: npt.NDArray[np.float32], y: npt.NDArray[Any], w: npt.NDArray[Any]) -> Any:
    import lightgbm

    keep = w > 0
    dataset = lightgbm.Dataset(x[keep], y[keep], weight=w[keep], feature_name=FEATURES,
                               categorical_feature=CATEGORICAL, free_raw_data=True)
    return lightgbm.train(PARAMS, dataset, num_boost_round=ROUNDS)


def save(model: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(model.model_to_string(num_iteration=-1), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newsdesk.extract.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="shared data folder (default ../shared/data)")
    parser.add_argument("--folds", type=Path, default=FOLDS, help="folds file (default benchmarks/data)")
    parser.add_argument("--out", type=Path, default=MODEL, help="the shipped model file")
    parser.add_argument("--cv-dir", type=Path, default=CV_MODELS, help="where the 5 fold models go")
    parser.add_argument("--skip-cv", action="store_true", help="fit the shipped model only")
    parser.add_argument("--processes", type=int, default=2, help="processes reading pages (default 2)")
    parser.add_argument("--cache", type=Path, default=PROJECT / ".cache",
                        help="where the rows are kept between runs, keyed by the code (default .cache)")
    args = parser.parse_args(argv)
    folds = read_folds(args.folds)
    x, y, w, f = build(args.data, folds, args.processes, args.cache)
    print(f"train: {len(y):,} blocks, {int((w > 0).sum()):,} labelled, {len(FEATURES)} features",
          file=sys.stderr)
    if not args.skip_cv:
        for k in range(K):
            started = time.monotonic()
            held = f == k
            model = fit(x[~held], y[~held], w[~held])
            save(model, args.cv_dir / f"fold{k}.txt")
            p = model.predict(x[held], num_threads=2)
            mask = w[held] > 0
            accuracy = float(np.average((p[mask] >= 0.5) == (y[held][mask] >= 0.5), weights=w[held][mask]))
            print(f"train: fold {k} held out: weighted block accuracy {accuracy:.3f} "
                  f"({time.monotonic() - started:.0f} s)", file=sys.stderr)
    save(fit(x, y, w), args.out)
    print(f"train: wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
