"""Fit the model of `quote_filter` (quoted text nobody said) on PolNeAR train, and only train:

    python -m newsdesk.enrich.train_filter [--data ../shared/data/polnear] [--out PATH] [--docs CACHE.spacy]
                                           [--members K] [--seed S]

Run after `python -m newsdesk.enrich.train_quotes` and `python -m newsdesk.enrich.train_bounds` (whose
policies it reads) and before `python -m newsdesk.enrich.train_speakers`. Each train article is
parsed as enrichment parses it (`--docs` caches the parses), its quotations found by the rules, the
paraphrases of `quote_fragments` and the cuts of `quote_bounds` applied by models of those modules
fitted on the other four folds (by article: the quotations this model learns from are those an
unseen article would get). Every quotation `quote_filter.in_scope` looks at is labelled 1 when it
shares a word with the content of a direct PolNeAR attribution (one holding a quotation mark), 0
when it shares none (a title, a slogan, a name, a passage nobody is said to have said; labelling
against every attribution, indirect ones too, gave 0.874 instead of 0.875, cross-validated). A
LightGBM binary model (200 rounds of 15 leaves, one thread, deterministic; `--members` boosters of
different seeds averaged into one, as in `train_quotes`) is fitted on them; the
threshold (least probability to keep a quotation) is chosen by 5-fold cross-validation over the
train articles (the same folds: each article's quotations scored by a model fitted on the other
folds, and the direct-quote F1 of `benchmarks/quotes.py`, grouped, computed over all train
articles), and the cross-validated F1 without and with the filter printed. The best threshold of
the grid is tuned on those folds, so its F1 is not a result: the F1 printed after it is nested (each
fold counted at the threshold best on the other four folds). The dev split is never read.

Writes `src/newsdesk/enrich/models/filter/en.txt` (LightGBM's text format) and `policy.tsv` beside
it. About 3 minutes of CPU with the parses cached.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy

from newsdesk.enrich import booster_ensemble
from newsdesk.enrich.quote_bounds import load_model as load_bounds
from newsdesk.enrich.quote_filter import MODEL, features_of, in_scope
from newsdesk.enrich.train_bounds import (  # (the filter is fitted with the cuts' LightGBM settings)
    PARAMS,
    ROUNDS,
    bound_rows,
    cut_quotes,
    fragment_quotes,
    held_out_scores,
)
from newsdesk.enrich.train_quotes import FOLDS, Article, direct_counts, f1, nested, read_articles
from newsdesk.enrich.train_speakers import save_model, training_arguments

if TYPE_CHECKING:
    import lightgbm
    from spacy.tokens import Doc

    from newsdesk.article import Quote

THRESHOLDS = [x / 40 for x in range(0, 33)]
MIN_FEATURE_COUNT = 5
Rows = tuple[list[int], list[dict[str, float]], list[int]]  # (indexes of the quotations, features, labels)


def fit(rows: list[Rows], names: list[str]) -> lightgbm.Booster:
    data = matrix([f for _, features, _ in rows for f in features], names)
    labels = numpy.array([label for _, _, found in rows for label in found], dtype=float)
    return booster_ensemble.fit(PARAMS, data, labels, names, ROUNDS)


def matrix(features: list[dict[str, float]], names: list[str]) -> numpy.ndarray:
    return numpy.array([[f.get(k, 0.0) for k in names] for f in features], dtype=float)


def filter_rows(article: Article, doc: Doc, quotes: list[Quote]) -> Rows:
    """The quotations of one article the filter looks at, their features and labels (1: shares a word
    with a direct attribution)."""
    looked = [i for i, q in enumerate(quotes) if in_scope(article.text, q)]
    features = features_of(doc, article.text, quotes, looked)
    labels = [int(any(article.ids([quotes[i].span]) & g for g in article.golds)) for i in looked]
    return looked, features, labels


def kept(quotes: list[Quote], rows: Rows, scores: list[float], threshold: float) -> list[Quote]:
    dropped = {i for i, p in zip(rows[0], scores, strict=True) if p < threshold}
    return [q for i, q in enumerate(quotes) if i not in dropped]


def main() -> int:
    args = training_arguments(__doc__.split("\n")[0], MODEL, ensemble=True)
    if args is None:
        return 2
    articles, docs = read_articles(args.data, args.docs)
    # The quotations an unseen article would get: paraphrases and cuts from models of the other folds.
    merged = fragment_quotes(articles)
    bounds, bound_names = bound_rows(articles, docs, merged)
    _, margin = load_bounds()
    final = cut_quotes(articles, merged, bounds, held_out_scores(bounds, bound_names), margin)
    rows = [filter_rows(a, doc, quotes) for a, doc, quotes in zip(articles, docs, final, strict=True)]
    counts: dict[str, int] = {}
    for _, features, _ in rows:
        for f in features:
            for k, v in f.items():
                if v:
                    counts[k] = counts.get(k, 0) + 1
    names = sorted(k for k, n in counts.items() if n >= MIN_FEATURE_COUNT)
    print(f"{len(articles)} articles, {sum(len(r[0]) for r in rows)} quotations looked at "
          f"({sum(len(r[2]) - sum(r[2]) for r in rows)} share no word with a direct attribution), "
          f"{len(names)} features")
    held_out: list[list[float]] = [[] for _ in articles]
    for fold in range(FOLDS):
        model = fit([r for i, r in enumerate(rows) if i % FOLDS != fold], names)
        for i, row in enumerate(rows):
            if i % FOLDS == fold and row[0]:
                held_out[i] = [float(x) for x in model.predict(matrix(row[1], names), num_threads=1)]

    per_threshold = [[direct_counts(a, kept(quotes, row, held_out[i], t))
                      for i, (a, quotes, row) in enumerate(zip(articles, final, rows, strict=True))]
                     for t in THRESHOLDS]
    results = [(f1(counts), t) for counts, t in zip(per_threshold, THRESHOLDS, strict=True)]
    for (f_t, p_t, r_t), t in results:
        dropped = [label for i, row in enumerate(rows)
                   for label, score in zip(row[2], held_out[i], strict=True) if score < t]
        print(f"  threshold {t:.3f}: F1 {f_t:.4f} (P {p_t:.4f} R {r_t:.4f}); "
              f"drops {len(dropped)} quotations, "
              f"{len(dropped) - sum(dropped)} sharing no word with a direct attribution")
    (best, p, r), threshold = max(results, key=lambda x: (x[0][0], -x[1]))
    before = results[0][0]
    print(f"direct-quote F1 on train, {FOLDS}-fold cross-validated by article (paraphrases and cuts "
          f"cross-validated too): without the filter {before[0]:.4f} (P {before[1]:.4f} R {before[2]:.4f}); "
          f"with it {best:.4f} (P {p:.4f} R {r:.4f}) at threshold {threshold} (the best of the grid: tuned "
          f"on these folds)")
    (f_n, p_n, r_n), chosen = nested(per_threshold, THRESHOLDS, lambda t: -t)
    print(f"with the threshold chosen on the other folds (nested, each fold's figure held out): {f_n:.4f} "
          f"(P {p_n:.4f} R {r_n:.4f}); thresholds chosen {', '.join(str(t) for t in chosen)}")
    save_model(args.out, fit(rows, names),
               "Least probability to keep a quotation holding a quotation mark, chosen by cross-validation "
               "on PolNeAR train (python -m newsdesk.enrich.train_filter)",
               [("threshold", threshold)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
