"""Page type: cross-validated accuracy, per-type recall, confusion matrix and time per page.

    .venv/bin/python benchmarks/page_type.py            # from the project's root folder

Every page of WCXB-dev (1,497 pages, 7 types) is scored by the model fitted, with the shipped
settings (`newsdesk.extract.html.train_page_type`: the word model and the trees over the page
features and the word model's probabilities), on the other four of the project's five site-grouped
folds (`benchmarks/data/folds.tsv`, unchanged): no site is both in the pages a model is fitted on and
in the pages it is scored on. Inside each fit, the word probabilities the trees learn from are
out-of-fold over those four folds, as the shipped fit makes them over its own five, and the trees'
settings are chosen among `train_page_type.CANDIDATES` by an inner cross-validation over those four
folds (printed per scored fold): the choice never sees the scored fold. The figures are
cross-validated, none is in-sample. `--settings N` fits every fold with candidate N instead (1: the
gradient-boosted trees of before), for a before/after comparison. The scores use the exported
models evaluated as extraction evaluates them (`page_type.PageTypeModel`); the run checks that they
give LightGBM's own probabilities. `--trees-only` scores the trees on the page features alone (no
word model), for comparison.

Side by side: the majority class (always "article"), and a published XGBoost page classifier on
the same seven types (0.87, as its authors report it; not rerun here). Time: per page, the features
(`page_features`, on an already parsed tree as in extraction) and the model, median and 90th
percentile, over every page, in CPU time of the process (time.process_time: on a shared machine,
wall-clock time also counts the other processes); the HTML parse that extraction does anyway is shown
apart.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
from collections import Counter
from pathlib import Path

import lightgbm
import numpy as np
from selectolax.lexbor import LexborHTMLParser

from folds import load_folds
from newsdesk.extract.encoding import decode_html
from newsdesk.extract.html.markup import limit_nesting
from newsdesk.extract.html.page_type import PAGE_TYPES, PageTypeModel, Reading, read_page
from newsdesk.extract.html.train_page_type import (
    CANDIDATES,
    DEFAULT_DATA,
    PARAMETERS,
    Readings,
    export,
    fit,
    readings,
    stacked_features,
    wcxb_pages,
)
from newsdesk.page_types import SURE
from newsdesk.settings import Settings

PUBLISHED_XGBOOST = 0.87


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--trees-only", action="store_true",
                        help="the trees on the page features alone, without the word model")
    parser.add_argument("--settings", type=int, choices=range(1, len(CANDIDATES) + 1),
                        help="fit the trees with candidate N of train_page_type.CANDIDATES (1: the "
                        "gradient-boosted trees of before) instead of choosing by inner cross-validation")
    args = parser.parse_args()
    folds = load_folds()
    pages = wcxb_pages(args.data)
    settings = Settings()
    rows: list[Reading] = []
    parse_ms, feature_ms = [], []
    for page in pages:
        text = decode_html(gzip.decompress(page.path.read_bytes()), None)
        started = time.process_time()
        tree = LexborHTMLParser(limit_nesting(text, settings.max_depth))
        parsed = time.process_time()
        rows.append(read_page(text, page.url, tree))
        feature_ms.append((time.process_time() - parsed) * 1000)
        parse_ms.append((parsed - started) * 1000)
    data = readings(rows)
    features = data.features
    labels = [page.page_type for page in pages]
    fold_of = np.asarray([folds[("wcxb-dev", page.id)] for page in pages])
    predicted: list[str] = [""] * len(pages)
    confidence = [0.0] * len(pages)
    model_ms = [0.0] * len(pages)
    worst_gap = 0.0
    choices: list[str] = []
    for fold in sorted(set(fold_of.tolist())):
        train = np.flatnonzero(fold_of != fold)
        test = np.flatnonzero(fold_of == fold)
        train_labels = [labels[i] for i in train]
        if args.trees_only:
            classifier = lightgbm.LGBMClassifier(**PARAMETERS).fit(features[train], np.asarray(train_labels))
            found = classifier.predict_proba(features[test])
            for row, index in enumerate(test):
                predicted[index] = str(classifier.classes_[int(np.argmax(found[row]))])
                confidence[index] = float(found[row].max())
            continue
        candidates = CANDIDATES if args.settings is None else (CANDIDATES[args.settings - 1],)
        fitted = fit(Readings(features[train], data.words[train]), train_labels, fold_of[train].tolist(),
                     candidates)
        shipped = PageTypeModel.from_dict(export(fitted))
        if fitted.scores:
            choices.append(f"| {fold} | " + " | ".join(f"{score:.3f}" for score in fitted.scores) +
                           f" | {fitted.scores.index(max(fitted.scores)) + 1} |")
        reference = fitted.trees.predict_proba(stacked_features(fitted, Readings(features[test],
                                                                                 data.words[test])))
        for row, index in enumerate(test):
            started = time.process_time()
            probabilities = shipped.probabilities(rows[index])
            model_ms[index] = (time.process_time() - started) * 1000
            worst_gap = max(worst_gap, float(np.abs(probabilities - reference[row]).max()))
            predicted[index] = shipped.labels[int(np.argmax(probabilities))]
            confidence[index] = float(probabilities.max())
    total = len(pages)
    correct = sum(1 for truth, guess in zip(labels, predicted, strict=True) if truth == guess)
    counts = Counter(labels)
    majority, majority_count = counts.most_common(1)[0]
    print(f"page type on WCXB-dev: {total} pages, {len(set(fold_of.tolist()))} site-grouped folds, "
          f"{features.shape[1]} features\n")
    print("| classifier | accuracy (5-fold CV, grouped by site) |")
    print("|---|---|")
    name = "LightGBM on the page features alone" if args.trees_only else \
        "newsdesk (word model + LightGBM, stacked)" + (f", settings {args.settings} of CANDIDATES"
                                                        if args.settings else "")
    print(f"| {name} | {correct / total:.3f} ({correct}/{total}) |")
    print(f"| published XGBoost page classifier (reported, not rerun) | {PUBLISHED_XGBOOST:.2f} |")
    print(f"| majority class ({majority}) | {majority_count / total:.3f} |")
    if not args.trees_only:
        print(f"\nexported models vs LightGBM's predict_proba: largest difference {worst_gap:.1e}")
    if choices:
        print("\nthe trees' settings chosen inside each fit by inner cross-validation over its own four "
              "folds (candidates: " + "; ".join(f"{number} {candidate or 'as before'}" for number, candidate
                                                 in enumerate(CANDIDATES, 1)) + ")\n")
        print("| scored fold | " + " | ".join(f"inner accuracy {number}" for number in
                                               range(1, len(CANDIDATES) + 1)) + " | chosen |")
        print("|---|" + "---|" * (len(CANDIDATES) + 1))
        print("\n".join(choices))
    print()
    types = [kind for kind in PAGE_TYPES if counts[kind]]
    confusion = Counter(zip(labels, predicted, strict=True))
    print("| type | pages | recall | precision |")
    print("|---|---|---|---|")
    for kind in types:
        hits = confusion[(kind, kind)]
        said = sum(confusion[(other, kind)] for other in types)
        print(f"| {kind} | {counts[kind]} | {hits / counts[kind]:.3f} | {hits / said if said else 0:.3f} |")
    print("\nconfusion matrix (rows: truth, columns: predicted)\n")
    print("| truth \\ predicted | " + " | ".join(types) + " |")
    print("|---|" + "---|" * len(types))
    for truth in types:
        print(f"| {truth} | " + " | ".join(str(confusion[(truth, guess)]) for guess in types) + " |")
    print("\nleft out of quotes and roundups (newsdesk.page_types.is_article: another type than article "
          f"with probability >= threshold; the desk uses {SURE}):\n")
    print("| threshold | articles wrongly left out | non-articles left out |")
    print("|---|---|---|")
    articles = [i for i, truth in enumerate(labels) if truth == "article"]
    others = [i for i, truth in enumerate(labels) if truth != "article"]
    for threshold in (0.0, 0.5, SURE, 0.9):
        def out(i: int, threshold: float = threshold) -> bool:
            return predicted[i] != "article" and confidence[i] >= threshold
        lost = sum(1 for i in articles if out(i))
        dropped = sum(1 for i in others if out(i))
        print(f"| {threshold:.1f} | {lost / len(articles):.3f} ({lost}/{len(articles)}) | "
              f"{dropped / len(others):.3f} ({dropped}/{len(others)}) |")
    print("\n| CPU time per page (ms) | median | p90 |")
    print("|---|---|---|")
    for name, values in (("features", feature_ms), ("model", model_ms),
                         ("features + model (the classifier's cost)",
                          [a + b for a, b in zip(feature_ms, model_ms, strict=True)]),
                         ("HTML parse (done by extraction anyway)", parse_ms)):
        print(f"| {name} | {statistics.median(values):.2f} | {np.percentile(values, 90):.2f} |")


if __name__ == "__main__":
    main()
