"""Fit the story clusterer's pair score (newsdesk/stories/clustering.py: WEIGHTS, CONFLICT, DAYS, BIAS).

    .venv/bin/python benchmarks/pair_model.py [--negatives-weight 1]

A logistic regression on pairs of articles of BOTH kinds of data, tuning parts only:

- ECB+ topics 1-22 (benchmarks/stories.py's documents, enriched and cached as there): pairs of one
  event (positives) and of different events (negatives);
- the false-merge benchmark's pages of site folds 0-2 (benchmarks/false_merges.py; cached as there),
  extracted only (`--enrich no`, as `ingest --no-enrich`), enriched (`--enrich yes`, as `ingest`) or
  both, each page once of each kind in a stream of its own (`--enrich both`, the default: the
  coefficients in use): every pair is of different events (copies folded first).

Each set goes through a fresh StoryTracker in one shuffled order (seed 1), as a stream, so the bags are
weighted as they would be online; an undated page is at one fixed time (the time of a run). Only the
pairs the clusterer scores at all are used (`StoryClusterer.comparable`: those that share the rare
evidence it requires, SHARED items, and are not two undated pages speaking to their reader). The
features are the pair score's terms: per bag the cosine, per bag "both have it and share nothing" (a
conflict), the days between two dates beyond a week, and how much the page of the two that speaks
to its reader least does (`clustering.SPEAKS`), and the share of the smaller rare evidence of the two
that both have (`clustering.overlap`; `--negatives-weight 0` fits on ECB+ alone, where it is 2.01:
it tells one event from a similar one, not only the two corpora apart); nothing that tells the corpora
apart (no "is dated" term: docs/benchmarks.md). `--negatives-weight` weighs the false-merge pairs
against the ECB+ ones. Prints the coefficients to paste into clustering.py, and the pair AUC on the
held-out parts (ECB+ topics 23-35, false-merge folds 3-4 with ECB+ 23-35's positives) beside the
current coefficients'. Deterministic: the same data give the same coefficients.
"""

from __future__ import annotations

import argparse
import math
import random
from datetime import datetime

from ecbplus_data import documents
from false_merges import HELD as FM_HELD
from false_merges import TUNE as FM_TUNE
from false_merges import Item, chosen, load
from folds import load_folds
from newsdesk.article import Article
from newsdesk.stories import DuplicateIndex, StoryTracker, clustering
from newsdesk.stories.clustering import BAGS, Member, StoryClusterer
from newsdesk.stories.tracker import is_article, published_at
from stories import articles_of

RUN_TIME = datetime(2026, 12, 3)
TERMS = [f"cos:{bag}" for bag in BAGS] + [f"conflict:{bag}" for bag in BAGS] + ["days", "speaks", "overlap"]


def members(articles: list[Article]) -> list[Member]:
    """The articles as the clusterer compares them, in this order (a stream)."""
    tracker = StoryTracker(StoryClusterer(weights={bag: 1.0 for bag in BAGS}))
    return [tracker.clusterer.member(features, published_at(article) or RUN_TIME)
            for article, features in zip(articles, tracker.features(articles), strict=True)]


def terms(one: Member, other: Member) -> list[float]:
    cosines, conflicts = [], []
    for bag in BAGS:
        a, b = one.vectors.get(bag, {}), other.vectors.get(bag, {})
        if not a or not b:
            cosines.append(0.0)
            conflicts.append(0.0)
            continue
        cosine = sum(v * b.get(t, 0.0) for t, v in a.items())
        cosines.append(cosine)
        conflicts.append(1.0 if cosine == 0.0 else 0.0)
    days = 0.0
    if one.when is not None and other.when is not None:
        days = max(0.0, math.log1p(abs((one.when - other.when).days)) - clustering.WEEK)
    speaks = min(one.share, other.share, clustering.SPEAKS_CAP) / clustering.SPEAKS_CAP
    return [*cosines, *conflicts, days, speaks, clustering.overlap(one, other)]


def pairs(found: list[Member], labels: list[str]) -> tuple[list[list[float]], list[int]]:
    """The pairs the clusterer scores (`StoryClusterer.comparable`: they share the evidence it requires);
    label 1 when of one event."""
    rows, ys = [], []
    for i in range(len(found)):
        for j in range(i + 1, len(found)):
            one, other = found[i], found[j]
            if not StoryClusterer.comparable(one, other):
                continue
            rows.append(terms(one, other))
            ys.append(int(labels[i] == labels[j]))
    return rows, ys


def ecb(topics: range) -> tuple[list[list[float]], list[int]]:
    docs = documents(topics)
    random.Random(1).shuffle(docs)
    articles = articles_of(docs)
    return pairs(members([articles[d.name] for d in docs]), [d.event for d in docs])


def false_merge_pages(folds: set[int], enrich: bool = False) -> tuple[list[list[float]], list[int]]:
    pages = chosen(False)
    articles = load(pages, enrich=enrich)
    fold_of = load_folds()
    items = [Item(f"{name}/{page_id}", fold_of[(name, page_id)], articles[f"{name}/{page_id}"])
             for name, page_id, _, _ in pages]
    items = [i for i in items if i.fold in folds and i.article.body and is_article(i.article)]
    random.Random(1).shuffle(items)
    index = DuplicateIndex()
    originals = [i for i in items if index.add(i.name, i.article.body) is None]
    return pairs(members([i.article for i in originals]), [i.name for i in originals])


def current(row: list[float]) -> float:
    z = clustering.BIAS + clustering.DAYS * row[-3] + clustering.SPEAKS * row[-2]
    z += clustering.OVERLAP * row[-1]
    for k, bag in enumerate(BAGS):
        z += clustering.WEIGHTS.get(bag, 0.0) * row[k]
        z += clustering.CONFLICT.get(bag, 0.0) * row[len(BAGS) + k]
    return z


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--negatives-weight", type=float, default=1.0,
                        help="weight of a false-merge pair against an ECB+ pair")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    parser.add_argument("--enrich", choices=("both", "yes", "no"), default="both",
                        help="the false-merge pages enriched (as ingest and ECB+'s documents are), "
                             "extraction only (as ingest --no-enrich), or both, each pair once of each "
                             "(default)")
    args = parser.parse_args()
    kinds = {"both": (False, True), "yes": (True,), "no": (False,)}[args.enrich]
    ecb_x, ecb_y = ecb(range(1, 23))
    fm_x, fm_y = [], []
    for enrich in kinds:
        x, y = false_merge_pages(FM_TUNE, enrich)
        fm_x += x
        fm_y += y
    print(f"tuning pairs: ECB+ 1-22 {len(ecb_y)} ({sum(ecb_y)} of one event), "
          f"false-merge folds 0-2 {len(fm_y)} (all of different events)")
    model = LogisticRegression(C=args.C, max_iter=5000)
    model.fit(ecb_x + fm_x, ecb_y + fm_y,
              sample_weight=[1.0] * len(ecb_y) + [args.negatives_weight] * len(fm_y))
    coefficients = dict(zip(TERMS, model.coef_[0], strict=True))
    weights = {bag: round(float(coefficients[f"cos:{bag}"]), 2) for bag in BAGS
               if abs(coefficients[f"cos:{bag}"]) >= 0.005}
    conflict = {bag: round(float(coefficients[f"conflict:{bag}"]), 2) for bag in BAGS
                if abs(coefficients[f"conflict:{bag}"]) >= 0.005}
    print(f"WEIGHTS = {weights}\nCONFLICT = {conflict}\nDAYS = {coefficients['days']:.2f}\n"
          f"SPEAKS = {coefficients['speaks']:.2f}\nOVERLAP = {coefficients['overlap']:.2f}\n"
          f"BIAS = {model.intercept_[0]:.2f}")
    held_x, held_y = ecb(range(23, 36))
    fm_held_x, fm_held_y = [], []
    for enrich in kinds:
        x, y = false_merge_pages(FM_HELD, enrich)
        fm_held_x += x
        fm_held_y += y
    positives = [row for row, y in zip(held_x, held_y, strict=True) if y]
    for name, x, y in (("ECB+ 23-35 (held out)", held_x, held_y),
                       ("false-merge folds 3-4 negatives vs ECB+ 23-35 positives (held out)",
                        fm_held_x + positives, fm_held_y + [1] * len(positives))):
        fitted = roc_auc_score(y, model.decision_function(x))
        before = roc_auc_score(y, [current(row) for row in x])
        print(f"pair AUC, {name}: fitted {fitted:.3f}, current coefficients {before:.3f}")


if __name__ == "__main__":
    main()
