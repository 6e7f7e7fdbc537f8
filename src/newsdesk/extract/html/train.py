"""Fit the learned body model, both stages: one deterministic command on the CPU, minutes.

    .venv/bin/python -m newsdesk.extract.html.train            # the shipped model and the 5 fold models

Reads the shared development data (../shared/data beside the project: scrapinghub, trafilatura-dev
and wcxb-dev) and the committed folds (benchmarks/data/folds.tsv, five folds grouped by site). Every
page goes through the extractor's own path (html.parse_page, body.choose_blocks,
blocks.block_features, stack.structure), so the model sees at training time exactly the rows it
gets at run time.

Two stages (learned.py, stack.py): the first on blocks.FEATURES; the second on stack.STACK_FEATURES,
which hold the first stage's probabilities of the block and its context. The second stage only ever
learns from first-stage probabilities that did not see the block's own fold, and a fold model never
sees its fold through either stage (see fit_all): 16 first-stage fits (all folds; without each fold;
without each pair of folds) and 6 second-stage fits, run side by side by `--processes` processes
(`--unnested`: 6 first-stage fits, with a second-order leak into the fold models; the shipped model's
two stages are the same, but it ships no cut model: see below).

A third model, the page cut (page_cut.py), chooses where each page's probabilities are cut. It
learns from the word F1 of the extractor's own body (tidy, headline and byline off, as the WCXB
scorer counts words) at each cut of page_cut.CUTS, on the pages with a whole truth (ScrapingHub,
WCXB), read with held-out probabilities only: the shipped cut model from the fold models' (each
page's from the model without its fold), fold k's from models fitted without fold k and the page's
own fold in both stages (20 more second-stage fits: held_out_probabilities). Its settings (candidate
cuts, leaf size, margin: CUT_CANDIDATES) are chosen by cross-validation over its own fitting folds
(fit_cuts). `--unnested` and `--skip-cv` ship no cut model (every page cut at 0.5).

Labels come from the truth by text matching: a block is main content when its words, in order, are
a run of the truth's (WCXB main_content, ScrapingHub articleBody), or, for a long block, when half
its word trigrams are; on trafilatura-dev, a block holding (or held by) a `with` snippet is content,
one with a `without` snippet is not, and the other blocks are left out. Blocks of hidden elements
(closed tabs and accordions, but also hidden menus and modals: dom.flatten(keep_hidden=True)) are
labelled the same way, except that a hidden copy of shown text, or a hidden block of one or two
words, is never content (hidden_labels), and a closed tab panel or accordion part beside the kept text
that the truth does not hold is left out rather than labelled not content (unseen_tabs: whoever wrote
the truth most likely never opened it; those the truth holds stay content). Each
page weighs the same in all (as the macro F1 it is scored by), and each block by its words within
the page.

Pages are read, and models fitted, by two processes (`--processes`); the rows and the model files
are the same in any case (every fit has one thread and a fixed seed). The rows are kept in
.cache/rows-<hash of the features and the extraction code>.npz for the next run. Writes
src/newsdesk/extract/html/models/body.txt (fitted on all folds; package data) and, for the
cross-validated benchmark (benchmarks/extraction_cv.py), .cache/body-cv/fold<K>.txt, each fitted
without fold K. `--skip-cv`
writes the shipped model only (6 + 1 fits).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from newsdesk.errors import NewsdeskError
from newsdesk.extract.html import parse_page
from newsdesk.extract.html.block_hidden import hidden_features, shown_copies
from newsdesk.extract.html.blocks import CATEGORICAL, FEATURES, ROWS_VERSION, block_features, page_hints
from newsdesk.extract.html.body import choose_blocks
from newsdesk.extract.html.dom import Flat, flatten, opener_signature
from newsdesk.extract.html.learned import MODEL, STACK_MARK
from newsdesk.extract.html.markup import limit_nesting
from newsdesk.extract.html.page_cut import (
    CUT_COLUMNS,
    CUT_MARK,
    CUTS,
    DEFAULT,
    MARGIN,
    candidates,
    format_cut,
)
from newsdesk.extract.html.stack import STACK_CATEGORICAL, STACK_FEATURES, stack_rows, structure
from newsdesk.extract.html.tidy import thread_items
from newsdesk.extract.html.train_page_type import fold_models as page_type_folds
from newsdesk.settings import Settings

PROJECT = Path(__file__).resolve().parents[4]
DATA = PROJECT.parent / "shared" / "data"
FOLDS = PROJECT / "benchmarks" / "data" / "folds.tsv"
CV_MODELS = PROJECT / ".cache" / "body-cv"
SETS = {"scrapinghub": "ground-truth.json", "trafilatura-dev": "truth.json", "wcxb-dev": "truth.json"}
K = 5
# The first stage's settings were chosen by the inner cross-validation this command prints (docs/
# benchmarks.md, "The first stage's LightGBM settings"): 0.05 x 300 rounds with 63 leaves of 50 or more
# rows beat 0.1 x 150 with 31 leaves of 100 (the hand-set ones, which the second stage keeps).
PARAMS: dict[str, Any] = {
    "objective": "binary", "learning_rate": 0.05, "num_leaves": 63, "min_data_in_leaf": 50,
    "min_sum_hessian_in_leaf": 1e-3, "feature_fraction": 0.5, "bagging_fraction": 0.5, "bagging_freq": 1,
    "lambda_l2": 1.0, "max_bin": 63, "cat_smooth": 10, "seed": 14, "deterministic": True,
    "force_col_wise": True, "num_threads": 1, "verbosity": -1,
}
ROUNDS = 300
STACK_PARAMS: dict[str, Any] = {**PARAMS, "learning_rate": 0.1, "num_leaves": 31, "min_data_in_leaf": 100}
STACK_ROUNDS = 100  # the second stage: fewer columns, most of the work done by the first
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


def hidden_labels(flat: Flat, texts: list[str], labels: list[float]) -> list[float]:
    """The labels of hidden blocks, stricter: a hidden copy of shown text (the same text laid out for
    another screen, a share dialog quoting the article) is not content (the shown copy is, and the
    body must not say it twice), nor is a hidden block of one or two words (a menu entry, a modal's
    "Close": such words are in any truth)."""
    if not flat.hidden_blocks:
        return labels
    copies = shown_copies(flat)
    return [0.0 if flat.is_hidden_block(i) and (copies[i] or len(words(texts[i])) < 3) else label
            for i, label in enumerate(labels)]


_TAB_NEAR, _ANC_TAB, _GRAND_KEPT, _COPY = (FEATURES.index(name) for name in
                                           ("hid_tab_near", "anc_tab", "hid_grand_kept", "hid_copy"))


def unseen_tabs(flat: Flat, rows: npt.NDArray[np.float32], labels: list[float], weights: list[float]
                ) -> list[float]:
    """The weights, with the closed tab panels and accordion parts that the truth leaves out left out
    too (weight 0): a hidden block (not a copy of shown text) of a tab- or accordion-like box beside
    the text the rules keep, which the truth does not hold, was most likely never opened by whoever
    wrote the truth; it says nothing about whether such a panel is content. The truth's closed panels
    that it does hold stay content, and hidden menus, modals and copies keep their labels."""
    if not flat.hidden_blocks:
        return weights
    return [0.0 if (flat.is_hidden_block(i) and not label and not rows[i, _COPY]
                    and (rows[i, _TAB_NEAR] or rows[i, _ANC_TAB]) and rows[i, _GRAND_KEPT] > 0) else weight
            for i, (label, weight) in enumerate(zip(labels, weights, strict=True))]


def page_rows(name: str, record: dict[str, Any], raw: bytes, settings: Settings
              ) -> tuple[npt.NDArray[np.float32], list[float], list[float], npt.NDArray[np.int32]] | None:
    try:
        parsed = parse_page(raw, record.get("url"), settings)
    except NewsdeskError:
        return None
    flat = parsed.flat
    if flat is None or not flat.blocks:
        return None
    choice = choose_blocks(flat, parsed.metadata.description)
    rows = block_features(flat, choice, page_hints(parsed.text, parsed.page_type.probabilities),
                          parsed.metadata.title, parsed.metadata.description)
    texts = [b.text for b in flat.blocks]
    if name == "trafilatura-dev":
        labels, weights = snippet_labels(texts, record.get("with") or [], record.get("without") or [])
    else:
        labels, weights = full_labels(texts, record.get("articleBody") or record.get("main_content") or "")
    labels = hidden_labels(flat, texts, labels)
    weights = unseen_tabs(flat, rows, labels, weights)
    total = sum(weights)
    if not total:
        return None
    # Each page weighs as much as any other (scored by macro F1), its blocks by their words.
    return rows, labels, [100.0 * w / total for w in weights], structure(flat, choice)


def _page_job(job: tuple[str, str, dict[str, Any], bytes, str]) -> tuple[str, str, Any]:
    name, page_id, record, raw, page_type_model = job
    return name, page_id, page_rows(name, record, raw, Settings(body_model="rules",
                                                                page_type_model=page_type_model))


def _rows_key() -> str:
    """What the cached rows depend on: the features (their names and ROWS_VERSION, raised whenever a
    feature's meaning changes), the labelling code and the source of the whole extract package (a
    function's own code misses the helpers it calls: a new helper of structure() left stale rows)."""
    import hashlib

    return repr([ROWS_VERSION, FEATURES, full_labels.__code__.co_code, snippet_labels.__code__.co_code,
                 page_rows.__code__.co_code, structure.__code__.co_code, thread_items.__code__.co_code,
                 hidden_features.__code__.co_code, shown_copies.__code__.co_code, flatten.__code__.co_code,
                 hidden_labels.__code__.co_code, unseen_tabs.__code__.co_code, opener_signature(),
                 limit_nesting.__code__.co_code, hashlib.sha256(_extraction_source()).hexdigest()])


Rows = tuple[npt.NDArray[np.float32], npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any],
             npt.NDArray[np.int32], npt.NDArray[np.int32]]


def build(data: Path, folds: dict[tuple[str, str], int], processes: int = 2, cache: Path | None = None,
          page_types: list[Path] | None = None) -> Rows:
    """Rows, labels, weights, folds, page numbers and structure (stack.structure) of every block of
    every page (in a fixed order). `page_types`: the page-type model of each fold (fitted without
    it: train_page_type.fold_models), which reads the pages of that fold, so that the page-type
    columns of every row are out of fold, as the page type of a page the model never saw; None: the
    shipped one reads every page."""
    import hashlib
    from multiprocessing import Pool

    digest = hashlib.sha256(_rows_key().encode())
    for path in page_types or []:
        digest.update(path.read_bytes())
    key = digest.hexdigest()[:16]
    cached = cache / f"rows-{key}.npz" if cache else None
    if cached and cached.exists():
        with np.load(cached) as stored:
            return stored["x"], stored["y"], stored["w"], stored["f"], stored["g"], stored["s"]
    xs, ys, ws, fs, gs, ss = [], [], [], [], [], []
    started = time.monotonic()
    with Pool(processes) as pool:
        jobs = ((name, page_id, record, raw, str(page_types[folds[(name, page_id)]]) if page_types else "")
                for name, page_id, record, raw in pages(data))
        for count, (name, page_id, found) in enumerate(pool.imap(_page_job, jobs, chunksize=8), 1):
            if found is not None:
                rows, labels, weights, struct = found
                gs.extend([count] * len(labels))
                ss.append(struct)
                xs.append(rows)
                ys.extend(labels)
                ws.extend(weights)
                fs.extend([folds[(name, page_id)]] * len(labels))
            if count % 250 == 0:
                print(f"train: {count} pages read ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    x, y, w, f = np.vstack(xs), np.array(ys, np.float32), np.array(ws, np.float32), np.array(fs, np.int8)
    g, s = np.array(gs, np.int32), np.vstack(ss).astype(np.int32)
    if cached:
        cached.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cached, x=x, y=y, w=w, f=f, g=g, s=s)
    return x, y, w, f, g, s


def fit(x: npt.NDArray[np.float32], y: npt.NDArray[Any], w: npt.NDArray[Any], second: bool = False) -> Any:
    import lightgbm

    keep = w > 0
    features, categorical = (STACK_FEATURES, STACK_CATEGORICAL) if second else (FEATURES, CATEGORICAL)
    dataset = lightgbm.Dataset(x[keep], y[keep], weight=w[keep], feature_name=features,
                               categorical_feature=categorical, free_raw_data=True)
    return lightgbm.train(STACK_PARAMS if second else PARAMS, dataset,
                          num_boost_round=STACK_ROUNDS if second else ROUNDS)


def stacked(x: npt.NDArray[np.float32], p: npt.NDArray[np.float64], g: npt.NDArray[np.int32],
            s: npt.NDArray[np.int32], rows: npt.NDArray[np.bool_]) -> npt.NDArray[np.float32]:
    """The second stage's rows for the blocks `rows` (whole pages), page by page."""
    index = np.flatnonzero(rows)
    bounds = np.flatnonzero(np.diff(g[index])) + 1
    parts = [stack_rows(x[part], p[part], s[part]) for part in np.split(index, bounds)]
    return np.vstack(parts)


_SHARED: dict[str, Any] = {}  # the rows, set before the pool forks (its processes share them)


def _first_job(job: tuple[tuple[int, ...], tuple[int, ...]]) -> tuple[str, list[npt.NDArray[np.float64]]]:
    """Stage 1 fitted without the folds `job[0]`; its model and its probabilities on folds `job[1]`."""
    left_out, scored = job
    x, y, w, f = _SHARED["x"], _SHARED["y"], _SHARED["w"], _SHARED["f"]
    train = ~np.isin(f, left_out)
    model = fit(x[train], y[train], w[train])
    return model.model_to_string(num_iteration=-1), [model.predict(x[f == j], num_threads=1) for j in scored]


def _second_job(job: tuple[int, npt.NDArray[np.float64]]) -> str:
    """Stage 2 fitted without fold job[0] (-1: on all) on first-stage probabilities job[1]."""
    k, p = job
    x, y, w, f, g, s = (_SHARED[name] for name in "xywfgs")
    rows = f != k
    model = fit(stacked(x, p, g, s, rows), y[rows], w[rows], second=True)
    return str(model.model_to_string(num_iteration=-1))


FirstFits = dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[str, list[npt.NDArray[np.float64]]]]


def _first_key(jobs: list[tuple[tuple[int, ...], tuple[int, ...]]], x: npt.NDArray[np.float32],
               y: npt.NDArray[Any], w: npt.NDArray[Any], f: npt.NDArray[Any]) -> str:
    import hashlib

    digest = hashlib.sha256(repr([jobs, PARAMS, ROUNDS, FEATURES, CATEGORICAL, fit.__code__.co_code,
                                  _first_job.__code__.co_code]).encode())
    for array in (x, y, w, f):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]


def _first_cached(cache: Path | None, jobs: list[tuple[tuple[int, ...], tuple[int, ...]]],
                  x: npt.NDArray[np.float32], y: npt.NDArray[Any], w: npt.NDArray[Any], f: npt.NDArray[Any]
                  ) -> FirstFits | None:
    if cache is None:
        return None
    path = cache / f"stage1-{_first_key(jobs, x, y, w, f)}.npz"
    if not path.exists():
        return None
    with np.load(path) as stored:
        texts = json.loads(str(stored["texts"]))
        return {job: (texts[n], [stored[f"p{n}_{m}"] for m in range(len(job[1]))])
                for n, job in enumerate(jobs)}


def _keep_first(cache: Path | None, done: FirstFits, x: npt.NDArray[np.float32], y: npt.NDArray[Any],
                w: npt.NDArray[Any], f: npt.NDArray[Any]) -> None:
    if cache is None:
        return
    jobs = list(done)
    cache.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = {f"p{n}_{m}": p for n, job in enumerate(jobs)
                              for m, p in enumerate(done[job][1])}
    arrays["texts"] = np.array(json.dumps([done[job][0] for job in jobs]))
    np.savez(cache / f"stage1-{_first_key(jobs, x, y, w, f)}.npz", **arrays)


def fit_all(x: npt.NDArray[np.float32], y: npt.NDArray[Any], w: npt.NDArray[Any], f: npt.NDArray[Any],
            g: npt.NDArray[np.int32], s: npt.NDArray[np.int32], with_cv: bool, processes: int,
            nested: bool = True, cache: Path | None = None, full: npt.NDArray[np.bool_] | None = None,
            data: Path = DATA) -> tuple[str, dict[int, str]]:
    """The shipped model and, with_cv, the fold models (fold k's never saw fold k), as model texts.

    The second stage learns from first-stage probabilities that never saw the block's own fold. The
    shipped second stage takes each fold's from the first stage fitted without it. Fold k's second
    stage must not see fold k at all, not even through the first stage: it takes fold j's from the
    first stage fitted without j and k (`nested`; 10 more first-stage fits). Without `nested`, fold k's
    second stage learns from the same probabilities as the shipped one, of which those of the other
    folds came from first stages that saw fold k: a second-order leak, cheaper by 10 fits. Every fit
    is one-threaded and deterministic; the pool only runs them side by side, so the files are the
    same whatever `processes` is. The first-stage fits are kept in `cache` (keyed by their rows,
    labels, weights, folds and settings), so a change to the second stage alone refits only it.
    """
    from multiprocessing import get_context

    _SHARED.update(x=x, y=y, w=w, f=f, g=g, s=s)
    held = [f == k for k in range(K)]
    jobs: list[tuple[tuple[int, ...], tuple[int, ...]]] = [((), ())] + [((k,), (k,)) for k in range(K)]
    if with_cv and nested:
        jobs += [((j, k), (j, k)) for j in range(K) for k in range(j + 1, K)]
    started = time.monotonic()
    with get_context("fork").Pool(processes) as pool:
        done = _first_cached(cache, jobs, x, y, w, f)
        if done is None:
            done = dict(zip(jobs, pool.map(_first_job, jobs, chunksize=1), strict=True))
            _keep_first(cache, done, x, y, w, f)
        print(f"train: {len(jobs)} first-stage fits ({time.monotonic() - started:.0f} s)", file=sys.stderr)
        outer = np.full(len(y), np.nan)
        for k in range(K):
            outer[held[k]] = done[((k,), (k,))][1][0]
        second_jobs: list[tuple[int, npt.NDArray[np.float64]]] = [(-1, outer)]
        if with_cv and nested:
            for k in range(K):
                inner = np.full(len(y), np.nan)
                for j in range(K):
                    if j != k:
                        pair = (min(j, k), max(j, k))
                        inner[held[j]] = done[(pair, pair)][1][pair.index(j)]
                second_jobs.append((k, inner))
        elif with_cv:
            second_jobs += [(k, outer) for k in range(K)]
        seconds = pool.map(_second_job, second_jobs, chunksize=1)
        print(f"train: {len(second_jobs)} second-stage fits ({time.monotonic() - started:.0f} s)",
              file=sys.stderr)
    cuts: dict[int, str] = {}
    if with_cv and nested and full is not None:
        fold_models = [done[((k,), (k,))][0] + STACK_MARK + seconds[1 + k] for k in range(K)]
        held_out = held_out_probabilities(processes, done, fold_models, cache)
        targets = cut_targets(data, g, full, held_out, processes, cache)
        _inner_report(f, g, held_out, targets)
        cuts = fit_cuts(x, f, g, full, held_out, targets)
    _SHARED.clear()
    first_all = done[((), ())][0]
    shipped = first_all + STACK_MARK + seconds[0] + (CUT_MARK + cuts[-1] if cuts else "")
    folds = {k: done[((k,), (k,))][0] + STACK_MARK + seconds[1 + k] + (CUT_MARK + cuts[k] if cuts else "")
             for k in range(K)} if with_cv else {}
    for k, text in folds.items():
        _report(k, text, x, y, w, f, g, s, outer)
    return shipped, folds


def _inner_report(f: npt.NDArray[Any], g: npt.NDArray[np.int32], held_out: dict[int, npt.NDArray[np.float64]],
                  targets: dict[int, npt.NDArray[np.float64]]) -> None:
    """The word F1 at 0.5 of the pages with a whole truth, cross-validated inside each fold k's fitting
    folds (each page of fold j != k read by models fitted without j and k: what a change to the
    stages may be chosen by without looking at fold k), and over all five folds (the fold models)."""
    fold_of = dict(zip(g.tolist(), f.tolist(), strict=False))
    order, half = list(held_out), CUTS.index(DEFAULT)
    inner = [float(np.mean([t[order.index(k), half] for n, t in targets.items() if fold_of[n] != k]))
             for k in range(K)]
    outer = float(np.mean([t[order.index(-1), half] for t in targets.values()]))
    print("train: word F1 at 0.5, inner cross-validation (fitting folds of fold 0-4): "
          + " ".join(f"{v:.4f}" for v in inner) + f", mean {np.mean(inner):.4f}; outer (fold models, held "
          f"out) {outer:.4f}", file=sys.stderr)


def _inner_job(job: tuple[int, int]) -> npt.NDArray[np.float64]:
    """Outer fold k, inner fold j: the second stage fitted without folds j and k (on the first-stage
    probabilities fold k's own second stage learns from), and its probabilities on fold j, whose
    first-stage probabilities come from the fit without j and k."""
    import lightgbm

    j, k = job
    x, y, w, f, g, s, inner = (_SHARED[name] for name in ("x", "y", "w", "f", "g", "s", f"inner{k}"))
    rows = ~np.isin(f, (j, k))
    model = fit(stacked(x, inner, g, s, rows), y[rows], w[rows], second=True)
    held = f == j
    return np.asarray(lightgbm.Booster(model_str=model.model_to_string(num_iteration=-1)).predict(
        stacked(x, inner, g, s, held), num_threads=1), np.float64)


def held_out_probabilities(processes: int, done: FirstFits, fold_models: list[str], cache: Path | None
                           ) -> dict[int, npt.NDArray[np.float64]]:
    """The body model's probabilities that the page cut models learn from, each held out.

    Key -1 (for the shipped cut model): every block's from the fold model (`fold_models`, both
    stages) that never saw its fold (what the cross-validated benchmark reads). Key k (for fold k's
    cut model): the blocks of each other fold j from models fitted without j and k in both stages
    (20 second-stage fits; their first stage for the folds other than j and k is fold k's own, which
    saw j: a second-order leak within the fitting folds only, never into fold k)."""
    import hashlib

    import lightgbm

    x, f, g, s = (_SHARED[name] for name in "xfgs")
    held = [f == k for k in range(K)]
    result = {-1: np.full(len(f), np.nan)}
    outer = np.full(len(f), np.nan)
    for k in range(K):
        first_text, _, second_text = fold_models[k].partition(CUT_MARK)[0].partition(STACK_MARK)
        outer[held[k]] = lightgbm.Booster(model_str=first_text).predict(x[held[k]], num_threads=1)
        second = lightgbm.Booster(model_str=second_text)
        result[-1][held[k]] = second.predict(stacked(x, outer, g, s, held[k]), num_threads=1)
    for k in range(K):
        inner = np.full(len(f), np.nan)
        for j in range(K):
            if j != k:
                pair = (min(j, k), max(j, k))
                inner[held[j]] = done[(pair, pair)][1][pair.index(j)]
        _SHARED[f"inner{k}"] = inner
    jobs = [(j, k) for k in range(K) for j in range(K) if j != k]
    digest = hashlib.sha256(repr([PARAMS, STACK_PARAMS, STACK_ROUNDS, STACK_FEATURES,
                                  _inner_job.__code__.co_code, stack_rows.__code__.co_code]).encode())
    for k in range(K):
        digest.update(_SHARED[f"inner{k}"].tobytes())
    for array in (x, _SHARED["y"], _SHARED["w"], f, g, s):  # the structure too: context reads it
        digest.update(np.ascontiguousarray(array).tobytes())
    path = cache / f"stage2-{digest.hexdigest()[:16]}.npz" if cache else None
    started = time.monotonic()
    if path and path.exists():
        with np.load(path) as stored:
            found = [stored[f"p{n}"] for n in range(len(jobs))]
    else:
        from multiprocessing import get_context

        with get_context("fork").Pool(processes) as pool:  # forked now: its processes see the inner arrays
            found = pool.map(_inner_job, jobs, chunksize=1)
        if path:
            np.savez(path, **{f"p{n}": p for n, p in enumerate(found)})
    for k in range(K):
        result[k] = np.full(len(f), np.nan)
    for (j, k), p in zip(jobs, found, strict=True):
        result[k][held[j]] = p
    print(f"train: {len(jobs)} inner second-stage fits ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    return result


_TOKEN = re.compile(r"\w+")


def word_f1(text: str, reference: Counter[str]) -> float:
    """The word F1 of a body against the truth's words (bags of lower-cased \\w+ words: the WCXB
    scorer's word_prf)."""
    found = Counter(_TOKEN.findall(text.lower()))
    size, truth = sum(found.values()), sum(reference.values())
    if not truth:
        return 1.0 if not size else 0.0
    overlap = sum((found & reference).values())
    return 2 * overlap / (size + truth) if overlap else 0.0


def _cut_job(job: tuple[str, str, dict[str, Any], bytes, list[npt.NDArray[np.float64]]]
             ) -> npt.NDArray[np.float64] | None:
    """The word F1 of the page's body at each cut of CUTS for each set of probabilities, the body
    made exactly as the extractor serves it (learned.cut_blocks, then page.served_blocks: tidy, the
    rules' body where the model keeps nothing or does not read the page, the headline and byline
    taken off a model's body; trailing stamps dropped)."""
    from newsdesk.extract.html.body import body_text
    from newsdesk.extract.html.learned import cut_blocks, model_reads
    from newsdesk.extract.html.page import served_blocks
    from newsdesk.extract.html.tidy import Furniture
    from newsdesk.extract.stamps import drop_trailing_stamps

    _, _, record, raw, probabilities = job
    try:
        parsed = parse_page(raw, record.get("url"), Settings(body_model="rules"))
    except NewsdeskError:
        return None
    flat = parsed.flat
    if flat is None or len(flat.blocks) != len(probabilities[0]):
        return None
    choice = choose_blocks(flat, parsed.metadata.description)
    reads = model_reads(flat, choice)
    furniture = Furniture(flat)
    hidden = np.array([flat.is_hidden_block(i) for i in range(len(flat.blocks))], bool)
    truth = record.get("articleBody") or record.get("main_content") or ""
    reference = Counter(_TOKEN.findall(truth.lower()))
    known: dict[tuple[int, ...], float] = {}
    out = np.zeros((len(probabilities), len(CUTS)))
    for row, p in enumerate(probabilities):
        for m, cut in enumerate(CUTS):
            cuts = np.where(hidden, DEFAULT, cut)
            chosen = tuple(int(i) for i in np.flatnonzero(p >= cuts))
            if chosen not in known:
                learned = cut_blocks(flat, p, cuts, furniture) if reads else None
                kept, _ = served_blocks(flat, choice, learned, parsed.metadata.title)
                known[chosen] = word_f1(drop_trailing_stamps(body_text(flat, kept)), reference)
            out[row, m] = known[chosen]
    return out


def _extraction_source() -> bytes:
    """The source of everything a body's words depend on once the probabilities are given (the
    extract package: parsing, metadata, tidy, the rules, the rendering; newsdesk.text, settings):
    cut_targets' cache is keyed on it, so a change to any of it (tidy's, say) makes the targets again."""
    package = Path(__file__).resolve().parents[2]
    files = [*sorted((package / "extract").rglob("*.py")), package / "text.py", package / "settings.py"]
    return b"".join(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes() for path in files)


def cut_targets(data: Path, g: npt.NDArray[np.int32], full: npt.NDArray[np.bool_],
                held_out: dict[int, npt.NDArray[np.float64]], processes: int, cache: Path | None
                ) -> dict[int, npt.NDArray[np.float64]]:
    """Per page number (of the pages with a whole truth): the word F1 at each cut of CUTS of the body
    made from each set of held-out probabilities (rows in the order of `held_out`)."""
    import hashlib
    from multiprocessing import Pool

    keys = list(held_out)
    digest = hashlib.sha256(repr([CUTS, _cut_job.__code__.co_code, word_f1.__code__.co_code]).encode())
    digest.update(_extraction_source())
    for key in keys:
        digest.update(held_out[key].tobytes())
    path = cache / f"cuts-{digest.hexdigest()[:16]}.npz" if cache else None
    if path and path.exists():
        with np.load(path) as stored:
            return {int(n): stored[n] for n in stored.files}
    starts = np.flatnonzero(np.r_[True, np.diff(g) != 0])
    spans = {int(g[a]): (int(a), int(b)) for a, b in zip(starts, [*starts[1:], len(g)], strict=True)}

    def jobs() -> Iterator[tuple[str, str, dict[str, Any], bytes, list[npt.NDArray[np.float64]]]]:
        for number, (name, page_id, record, raw) in enumerate(pages(data), 1):
            span = spans.get(number)
            if span and full[span[0]]:
                yield name, page_id, record, raw, [held_out[key][span[0]:span[1]] for key in keys]

    numbers = [n for n, (a, _) in spans.items() if full[a]]
    started = time.monotonic()
    result: dict[int, npt.NDArray[np.float64]] = {}
    with Pool(processes) as pool:
        for number, found in zip(numbers, pool.imap(_cut_job, jobs(), chunksize=8), strict=True):
            if found is not None:
                result[number] = found
    print(f"train: word F1 at {len(CUTS)} cuts of {len(result)} pages ({time.monotonic() - started:.0f} s)",
          file=sys.stderr)
    if path:
        arrays: dict[str, Any] = {str(n): v for n, v in result.items()}
        np.savez(path, **arrays)
    return result


CUT_PARAMS: dict[str, Any] = {
    "objective": "regression", "learning_rate": 0.03, "num_leaves": 7, "min_data_in_leaf": 400,
    "feature_fraction": 0.7, "bagging_fraction": 0.7, "bagging_freq": 1, "lambda_l2": 1.0, "max_bin": 63,
    "seed": 14, "deterministic": True, "force_col_wise": True, "num_threads": 1, "verbosity": -1,
}
CUT_ROUNDS = 200
# What each cut model chooses between, by cross-validation inside its own fitting folds: its
# candidate cuts (all of CUTS, or a few far apart: fewer chances to pick a cut by luck), the least
# number of rows in a leaf (rows come 3 to 19 to a page) and the least predicted gain that moves a
# page off 0.5.
_FIVE = (0.2, 0.35, 0.5, 0.65, 0.8)
CUT_CANDIDATES: list[tuple[tuple[float, ...], int, float]] = [
    (CUTS, 400, MARGIN), ((0.3, 0.5, 0.7), 100, MARGIN), (_FIVE, 100, MARGIN), (_FIVE, 400, MARGIN),
    (_FIVE, 100, 0.0), (_FIVE, 100, 0.02), (_FIVE, 200, MARGIN),
    ((0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8), 100, MARGIN),
]


def cut_rows(x: npt.NDArray[np.float32], g: npt.NDArray[np.int32], p: npt.NDArray[np.float64],
             pages: npt.NDArray[np.bool_], f1: dict[int, npt.NDArray[np.float64]]
             ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64], npt.NDArray[np.int32]]:
    """The cut model's rows (page_cut.candidates) and targets (the gain in word F1 over the cut of
    0.5, from `f1`: page number -> word F1 at each cut) for the blocks `pages` (whole pages), and the
    page number of each row."""
    index = np.flatnonzero(pages)
    bounds = np.flatnonzero(np.diff(g[index])) + 1
    half = CUTS.index(DEFAULT)
    xs, ts, ps = [], [], []
    for part in np.split(index, bounds):
        if not len(part) or int(g[part[0]]) not in f1:
            continue
        scores = f1[int(g[part[0]])]
        xs.append(candidates(x[part], p[part]))
        ts.append(scores - scores[half])
        ps.append(np.full(len(CUTS), g[part[0]], np.int32))
    return np.vstack(xs), np.concatenate(ts), np.concatenate(ps)


def fit_cut(rows: npt.NDArray[np.float32], target: npt.NDArray[np.float64], candidate: int) -> Any:
    """A cut model with the settings of CUT_CANDIDATES[candidate], on the rows of its cuts."""
    import lightgbm

    cuts, leaf, _ = CUT_CANDIDATES[candidate]
    keep = np.isin(np.round(rows[:, CUT_COLUMNS.index("cut")].astype(np.float64), 2), cuts)
    dataset = lightgbm.Dataset(rows[keep], target[keep], feature_name=CUT_COLUMNS, free_raw_data=True)
    return lightgbm.train({**CUT_PARAMS, "min_data_in_leaf": leaf}, dataset, num_boost_round=CUT_ROUNDS)


def cut_gains(model: Any, candidate: int, rows: npt.NDArray[np.float32], target: npt.NDArray[np.float64]
              ) -> npt.NDArray[np.float64]:
    """Per page of `rows` (cut_rows): the word F1 gained over 0.5 by the cut the model chooses."""
    cuts, _, margin = CUT_CANDIDATES[candidate]
    index = [CUTS.index(c) for c in cuts]
    scores = np.asarray(model.predict(rows, num_threads=1), np.float64).reshape(-1, len(CUTS))[:, index]
    gains = target.reshape(-1, len(CUTS))[:, index]
    best = scores.argmax(axis=1)
    pages = np.arange(len(best))
    return np.where(scores[pages, best] > margin, gains[pages, best], 0.0)


def fit_cuts(x: npt.NDArray[np.float32], f: npt.NDArray[Any], g: npt.NDArray[np.int32],
             full: npt.NDArray[np.bool_], held_out: dict[int, npt.NDArray[np.float64]],
             targets: dict[int, npt.NDArray[np.float64]]) -> dict[int, str]:
    """The page cut models (page_cut.py): -1 the shipped one, k fold k's, each from the pages with a
    whole main text (`full`: WCXB and ScrapingHub; trafilatura-dev's snippets say nothing of most
    blocks). `targets`: page number -> word F1 at each cut, one row per set of `held_out`
    (cut_targets). Fold k's model never sees fold k: it learns from the other folds' pages, read by
    models fitted without them and without k (held_out[k]), and its settings (CUT_CANDIDATES) are
    chosen by cross-validation over those four folds (fitted on three, scored on the fourth). The
    shipped model's are chosen by the cross-validation over all five that the fold models make."""
    started = time.monotonic()
    order = list(held_out)

    def rows_of(k: int, p: int, where: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.float32],
                                                                        npt.NDArray[np.float64]]:
        f1 = {n: t[order.index(p)] for n, t in targets.items()}
        rows, target, _ = cut_rows(x, g, held_out[p], full & where, f1)
        return rows, target

    def cross_validated(k: int) -> int:
        """The candidate of the best mean gain over the folds other than k (-1: over all five)."""
        means = []
        for candidate in range(len(CUT_CANDIDATES)):
            gains = []
            for j in range(K):
                if j == k:
                    continue
                if k < 0:  # the fold models' own cross-validation: fit as fold j's, score held out
                    model = fit_cut(*rows_of(j, j, f != j), candidate)
                    gains.append(cut_gains(model, candidate, *rows_of(j, -1, f == j)))
                else:
                    model = fit_cut(*rows_of(k, k, ~np.isin(f, (j, k))), candidate)
                    gains.append(cut_gains(model, candidate, *rows_of(k, k, f == j)))
            means.append(float(np.concatenate(gains).mean()))
        print(f"train: page cut {'shipped' if k < 0 else f'fold {k}'}: cross-validated gain per candidate "
              + " ".join(f"{m:+.4f}" for m in means), file=sys.stderr)
        return int(np.argmax(means))

    models: dict[int, str] = {}
    for k in (-1, *range(K)):
        candidate = cross_validated(k)
        model = fit_cut(*rows_of(k, k, f != k), candidate)
        cuts, _, margin = CUT_CANDIDATES[candidate]
        models[k] = format_cut(cuts, margin, str(model.model_to_string(num_iteration=-1)))
    print(f"train: page cut models ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    return models


def _report(k: int, text: str, x: npt.NDArray[np.float32], y: npt.NDArray[Any], w: npt.NDArray[Any],
            f: npt.NDArray[Any], g: npt.NDArray[np.int32], s: npt.NDArray[np.int32],
            outer: npt.NDArray[np.float64]) -> None:
    """Fold k's held-out weighted block accuracy, first stage and both stages."""
    import lightgbm

    held = f == k
    mask = w[held] > 0
    second = lightgbm.Booster(model_str=text.partition(STACK_MARK)[2])
    p2 = second.predict(stacked(x, outer, g, s, held), num_threads=1)
    scores = []
    for p in (outer[held], p2):
        right = (p[mask] >= 0.5) == (y[held][mask] >= 0.5)
        scores.append(float(np.average(right, weights=w[held][mask])))
    print(f"train: fold {k} held out: weighted block accuracy {scores[0]:.3f} first stage, "
          f"{scores[1]:.3f} both", file=sys.stderr)


def fit_cuts_only(x: npt.NDArray[np.float32], y: npt.NDArray[Any], w: npt.NDArray[Any], f: npt.NDArray[Any],
                  g: npt.NDArray[np.int32], s: npt.NDArray[np.int32], args: argparse.Namespace) -> None:
    """`--cut-only`: the page cut models alone, fitted (as fit_all fits them) for the block models
    already in `--out` and `--cv-dir`, whose two stages are kept as they are. The shipped cut model
    learns from those fold models' held-out probabilities; fold k's from the models fitted without
    fold k and the page's own fold (the first-stage fits of this code, cached or fitted here)."""
    from multiprocessing import get_context

    texts = [(args.cv_dir / f"fold{k}.txt").read_text(encoding="utf-8").partition(CUT_MARK)[0]
             for k in range(K)]
    shipped = args.out.read_text(encoding="utf-8").partition(CUT_MARK)[0]
    _SHARED.update(x=x, y=y, w=w, f=f, g=g, s=s)
    jobs: list[tuple[tuple[int, ...], tuple[int, ...]]] = [((), ())] + [((k,), (k,)) for k in range(K)]
    jobs += [((j, k), (j, k)) for j in range(K) for k in range(j + 1, K)]
    done = _first_cached(args.cache, jobs, x, y, w, f)
    if done is None:
        with get_context("fork").Pool(args.processes) as pool:
            done = dict(zip(jobs, pool.map(_first_job, jobs, chunksize=1), strict=True))
        _keep_first(args.cache, done, x, y, w, f)
    full = whole_truth(args.data, g)
    held_out = held_out_probabilities(args.processes, done, texts, args.cache)
    cuts = fit_cuts(x, f, g, full, held_out, cut_targets(args.data, g, full, held_out, args.processes,
                                                         args.cache))
    _SHARED.clear()
    for k in range(K):
        write(texts[k] + CUT_MARK + cuts[k], args.cv_dir / f"fold{k}.txt")
    write(shipped + CUT_MARK + cuts[-1], args.out)
    print(f"train: wrote the page cut models into {args.out} and {args.cv_dir}", file=sys.stderr)


def whole_truth(data: Path, g: npt.NDArray[np.int32]) -> npt.NDArray[np.bool_]:
    """Which blocks are of a page with a whole main text (every set but trafilatura-dev), by their page
    number (pages() counts the pages of SETS in order, from 1)."""
    first = 1
    snippets = np.zeros(len(g), bool)
    for name, truth_file in SETS.items():
        count = len(json.loads((data / name / truth_file).read_text(encoding="utf-8")))
        if name == "trafilatura-dev":
            snippets |= (g >= first) & (g < first + count)
        first += count
    return ~snippets


def write(text: str, path: Path) -> None:
    """Write `path` whole or not at all (a file beside it, then renamed over it): a run stopped halfway
    leaves the model that was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m newsdesk.extract.html.train", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="shared data folder (default ../shared/data)")
    parser.add_argument("--folds", type=Path, default=FOLDS, help="folds file (default benchmarks/data)")
    parser.add_argument("--out", type=Path, default=MODEL, help="the shipped model file")
    parser.add_argument("--cv-dir", type=Path, default=CV_MODELS, help="where the 5 fold models go")
    parser.add_argument("--skip-cv", action="store_true", help="fit the shipped model only")
    parser.add_argument("--unnested", action="store_true",
                        help="fold models whose second stage learns from the shipped one's first-stage "
                             "probabilities (10 fits fewer; a second-order leak: see fit_all)")
    parser.add_argument("--cut-only", action="store_true",
                        help="fit the page cut models alone, for the two stages already in --out and "
                             "--cv-dir (kept as they are)")
    parser.add_argument("--processes", type=int, default=2,
                        help="processes reading pages and fitting models (default 2)")
    parser.add_argument("--cache", type=Path, default=PROJECT / ".cache",
                        help="where the rows and the first-stage fits are kept between runs, keyed by "
                             "what they depend on (default .cache)")
    args = parser.parse_args(argv)
    folds = read_folds(args.folds)
    begun = time.monotonic()
    page_types = page_type_folds(args.cache / "page-type-cv", folds, args.data / "wcxb-dev", args.processes)
    x, y, w, f, g, s = build(args.data, folds, args.processes, args.cache, page_types)
    print(f"train: {len(y):,} blocks, {int((w > 0).sum()):,} labelled, {len(FEATURES)} features "
          f"({time.monotonic() - begun:.0f} s)", file=sys.stderr)
    if args.cut_only:
        fit_cuts_only(x, y, w, f, g, s, args)
        return
    shipped, fold_models = fit_all(x, y, w, f, g, s, not args.skip_cv, args.processes, not args.unnested,
                                   args.cache, whole_truth(args.data, g), args.data)
    for k, text in fold_models.items():
        write(text, args.cv_dir / f"fold{k}.txt")
    write(shipped, args.out)
    print(f"train: wrote {args.out} ({time.monotonic() - begun:.0f} s in all)", file=sys.stderr)


if __name__ == "__main__":
    main()
