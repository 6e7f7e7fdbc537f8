"""Fit the "event report or evergreen page" score (newsdesk/stories/features.py: EVENT_WEIGHTS, EVENT_BIAS).

    .venv/bin/python benchmarks/event_model.py [--C 1.0] [--write-labels]
    .venv/bin/python benchmarks/event_model.py --grid [EVENT_MIN NOT_EVENT_P ...]   # tuning figures

A logistic regression on the body's signals (`features.event_signals`: reporting verbs, weekdays, dates,
second person, lines that end no sentence, names; each as log(1 + per 100 words)), tuning parts only,
labelled without reading any page by hand:

- ECB+ documents of topics 1-22 (benchmarks/stories.py's, enriched and cached as there): event reports
  (each is a news report of one event of its topic);
- the false-merge benchmark's article pages of site folds 0-2 (benchmarks/false_merges.py's, enriched, as
  cached there), labelled by a written rule on what the signals do not see, the title and the address
  (`label`): evergreen when the title is a guide's, a list's, a history's, a review's or a question
  (EVERGREEN), an event report when it is not and the address carries a day (/2019/05/03/: a news
  site's dated report), else left out.

The labels, with the rule that gave each, are written to benchmarks/data/event_labels.tsv
(`--write-labels`). Prints the coefficients to paste into features.py and the AUC cross-validated over
the three tuning site folds (ECB+ 1-22 split into three by topic beside them): each third scored by a
model fitted on the other two. Deterministic (a Newton fit, no randomness).

`--grid` runs, for each EVENT_MIN and NOT_EVENT_P of its grid, the false-merge folds 0-2 (online,
enriched and not; the offline pass enriched) and ECB+ topics 1-22 (online, 3 orders; the offline pass,
one order), with the coefficients in features.py: the tuning figures the two constants were chosen on.
"""

from __future__ import annotations

import argparse
import math
import random
import re
from pathlib import Path

import numpy as np

from ecbplus_data import documents
from false_merges import TUNE, Item, chosen, false_merges, load, run
from folds import load_folds
from newsdesk.article import Article
from newsdesk.stories import clustering
from newsdesk.stories.features import EVENT_SIGNALS, event_signals, language_of, url_date
from newsdesk.stories.tracker import is_article
from stories import articles_of, run_offline, run_tracker, scores_of

HERE = Path(__file__).resolve().parent
LABELS = HERE / "data" / "event_labels.tsv"
EVERGREEN = re.compile(
    r"\b(how to|how do|how does|what is|what are|why you|guide|tips|tricks|best|top \d+|"
    r"\d+ (?:best|ways|tips|things|reasons|tools|ideas|steps|examples|mistakes|facts)|history of|"
    r"introduction|tutorial|review|vs\.?|versus|explained|everything you need|checklist|"
    r"beginners?|ultimate|ratgeber|anleitung|tipps|die besten|vergleich)\b|\?\s*$", re.IGNORECASE)


def label(article: Article) -> tuple[int, str] | None:
    """The written rule for a web page: (label, why), or None when it gives none."""
    title = article.title or ""
    if EVERGREEN.search(title):
        return 0, "title of a guide, list, history, review or question"
    if url_date(article.canonical_url or article.url or "") is not None:
        return 1, "address carries a day, title no guide's or list's"
    return None


def row(article: Article) -> list[float] | None:
    signals = event_signals(article.title or "", article.body, language_of(article))
    return None if signals is None else [math.log1p(signals[name]) for name in EVENT_SIGNALS]


def fit(x: np.ndarray, y: np.ndarray, c: float) -> np.ndarray:
    """Logistic regression by Newton's method, L2 penalty 1/c on the weights (not the bias)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) / c
    penalty[-1, -1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (p - y) + penalty @ beta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return beta


def auc(y: list[int], scores: list[float]) -> float:
    positives = [s for s, t in zip(scores, y, strict=True) if t]
    negatives = [s for s, t in zip(scores, y, strict=True) if not t]
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / max(1, len(positives) * len(negatives))


def data() -> tuple[list[tuple[str, int, int, list[float], str]], dict[str, Article]]:
    """(name, third, label, signals, why) of every labelled page of the tuning parts."""
    out: list[tuple[str, int, int, list[float], str]] = []
    docs = documents(range(1, 23))
    articles = articles_of(docs)
    for doc in docs:
        found = row(articles[doc.name])
        if found is not None:
            out.append((f"ecbplus/{doc.name}", doc.topic % 3, 1, found, "ECB+ topics 1-22: a news report"))
    pages = chosen(False)
    loaded = load(pages, enrich=True)
    folds = load_folds()
    for name, page_id, _, _ in pages:
        key = f"{name}/{page_id}"
        article = loaded[key]
        if folds[(name, page_id)] not in TUNE or not article.body or not is_article(article):
            continue
        given, found = label(article), row(article)
        if given is not None and found is not None:
            out.append((key, folds[(name, page_id)], given[0], found, given[1]))
    return out, loaded


# (EVENT_MIN, NOT_EVENT_P): 0 is the clusterer without the rule; p > 1: a non-event page joins no story
GRID = ((0.0, 0.5), (0.3, 0.7), (0.3, 0.9), (0.5, 0.9), (0.5, 1.01))


def grid(values: list[float]) -> None:
    pages = chosen(True)
    folds = load_folds()
    parts = {}
    for enrich in (True, False):
        loaded = load(pages, enrich)
        items = []
        for name, page_id, _, kind in pages:
            article = loaded[f"{name}/{page_id}"]
            if not article.body or folds[(name, page_id)] not in TUNE:
                continue
            if kind:
                article.page_type, article.page_type_probability = kind, None
            items.append(Item(f"{name}/{page_id}", folds[(name, page_id)], article))
        parts[enrich] = items
    docs = documents(range(1, 36))
    ecb = articles_of(docs)
    orders = []
    for seed in (1, 2, 3):
        order = list(docs)
        random.Random(seed).shuffle(order)
        orders.append(order)

    def share(items: list[Item], offline: bool) -> str:
        story = run(items, 1, offline)
        wrong = false_merges(items, story)
        articles = [i for i in items if (i.article.page_type or "article") == "article"]
        english = [i for i in articles if language_of(i.article) == "en"]
        bad = sum(1 for i in articles if i.name in wrong)
        bad_en = sum(1 for i in english if i.name in wrong)
        return f"{bad / len(articles):.1%} (en {bad_en} of {len(english)})"

    print("EVENT_MIN NOT_EVENT_P | fm 0-2 enriched online | plain online | enriched offline | "
          "ECB+ 1-22 online (3 orders) | offline")
    rows = list(zip(values[::2], values[1::2], strict=True)) if values else GRID
    for minimum, needed in rows:
        clustering.EVENT_MIN, clustering.NOT_EVENT_P = minimum, needed
        online = sum(scores_of(docs, run_tracker(order, ecb), range(1, 23)) for order in orders) / 3
        offline = scores_of(docs, run_offline(orders[0], ecb, None), range(1, 23))
        print(f"{minimum} {needed} | {share(parts[True], False)} | {share(parts[False], False)} | "
              f"{share(parts[True], True)} | {online:.3f} | {offline:.3f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--C", type=float, default=1.0, help="inverse L2 penalty")
    parser.add_argument("--write-labels", action="store_true", help=f"write the labels to {LABELS}")
    parser.add_argument("--grid", type=float, nargs="*", metavar="EVENT_MIN NOT_EVENT_P",
                        help="the tuning grid of EVENT_MIN and NOT_EVENT_P (pairs of values; none: GRID)")
    args = parser.parse_args()
    if args.grid is not None:
        grid(args.grid)
        return
    found, _ = data()
    if args.write_labels:
        with LABELS.open("w", encoding="utf-8") as handle:
            handle.write("page\tlabel\trule\n")
            for name, _, given, _, why in found:
                handle.write(f"{name}\t{'event' if given else 'evergreen'}\t{why}\n")
    x = np.array([r[3] for r in found])
    y = np.array([r[2] for r in found], dtype=float)
    thirds = np.array([r[1] for r in found])
    web = np.array([not r[0].startswith("ecbplus/") for r in found])
    print(f"labelled: ECB+ 1-22 {int((~web).sum())} event reports; false-merge folds 0-2 "
          f"{int((web & (y == 1)).sum())} event, {int((web & (y == 0)).sum())} evergreen")
    predicted = np.zeros(len(found))
    for third in range(3):
        beta = fit(x[thirds != third], y[thirds != third], args.C)
        test = thirds == third
        predicted[test] = np.hstack([x[test], np.ones((int(test.sum()), 1))]) @ beta
    print(f"AUC cross-validated over 3 thirds: all {auc(list(y.astype(int)), list(predicted)):.3f}, "
          f"web pages alone {auc(list(y[web].astype(int)), list(predicted[web])):.3f}")
    beta = fit(x, y, args.C)
    print("EVENT_WEIGHTS = {" + ", ".join(f'"{name}": {w:.2f}' for name, w in
                                          zip(EVENT_SIGNALS, beta[:-1], strict=True)) + "}")
    print(f"EVENT_BIAS = {beta[-1]:.2f}")
    scores = 1 / (1 + np.exp(-(np.hstack([x, np.ones((len(x), 1))]) @ beta)))
    for name, mask in (("ECB+ 1-22", ~web), ("web event", web & (y == 1)), ("web evergreen", web & (y == 0))):
        values = np.sort(scores[mask])
        print(f"in-sample score, {name}: quartiles {np.percentile(values, [25, 50, 75]).round(2).tolist()}")


if __name__ == "__main__":
    main()
