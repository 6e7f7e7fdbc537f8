"""Fit the model of `quote_groups` (which quoted pieces are one quotation) on PolNeAR train, and only train:

    python -m newsdesk.enrich.train_groups [--data ../shared/data/polnear] [--out PATH] [--docs CACHE.spacy]

Run after `python -m newsdesk.enrich.train_filter` (the last of the chain whose policies it reads) and
before `python -m newsdesk.enrich.train_speakers`. Each train article is parsed as enrichment parses it
(`--docs` caches the parses), its quotations found by the rules, and the paraphrases, cuts and filter
of `quote_fragments`, `quote_bounds` and `quote_filter` applied by models of those modules fitted on
the other four folds (by article: the quotations this model learns from are those an unseen article
would get). Every pair `quote_groups.pairs` decides is labelled 1 when one PolNeAR attribution whose
content holds a quotation mark shares a word with both pieces and the two together match it as
`benchmarks/quotes.py` matches (or neither alone does), 0 otherwise. A LightGBM binary model
(200 rounds of 15 leaves, one thread, deterministic) is fitted on them; the two thresholds (`join`,
least probability to join a piece to the one before; `split`, below which a piece sharing the one
before's cue is split from it) are chosen by 5-fold cross-validation over the train articles (the same
folds: each article's pairs scored by a model fitted on the other folds, and the direct-quote F1 of
`benchmarks/quotes.py`, grouped, computed over all train articles). The best pair of thresholds of the
grid is tuned on those folds, so its F1 is not a result: the F1 printed after it is nested (each fold
counted at the pair best on the other four folds). The dev split is never read.

Writes `src/newsdesk/enrich/models/groups/en.txt` (LightGBM's text format) and `policy.tsv` beside
it. About 5 minutes of CPU with the parses cached.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy

from newsdesk.enrich.quote_groups import MODEL, pair_features, pairs, regroup
from newsdesk.enrich.train_bounds import PARAMS, ROUNDS
from newsdesk.enrich.train_filter import filtered_quotes
from newsdesk.enrich.train_quotes import FOLDS, Article, _matches, direct_counts, f1, nested, read_articles
from newsdesk.enrich.train_speakers import save_model, training_arguments

if TYPE_CHECKING:
    import lightgbm
    from spacy.tokens import Doc

    from newsdesk.article import Quote

JOIN = [x / 20 for x in range(4, 21)]  # 1.0 (or more): never join
SPLIT = [x / 20 for x in range(0, 11)]  # 0.0: never split
MIN_FEATURE_COUNT = 5
Rows = tuple[list[int], list[dict[str, float]], list[int]]  # (indexes of the second pieces, features, labels)


def group_rows(article: Article, doc: Doc, quotes: list[Quote]) -> Rows:
    """The pairs of one article's quotations the model decides, their features and labels (1: one
    direct attribution shares a word with both pieces)."""
    found = pairs(article.text, quotes)
    features = pair_features(doc, article.text, quotes, found)
    labels = []
    for i in found:
        first, second = article.ids([quotes[i - 1].span]), article.ids([quotes[i].span])
        # One attribution shares words with both, and the two together match it (or neither alone does).
        labels.append(int(any(first & g and second & g and (_matches(g, first | second) or not (
            _matches(g, first) or _matches(g, second))) for g in article.golds)))
    return found, features, labels


def fit(rows: list[Rows], names: list[str]) -> lightgbm.Booster:
    import lightgbm

    data = matrix([f for _, features, _ in rows for f in features], names)
    labels = numpy.array([label for _, _, found in rows for label in found], dtype=float)
    return lightgbm.train(PARAMS, lightgbm.Dataset(data, labels, feature_name=names, free_raw_data=False),
                          num_boost_round=ROUNDS)


def matrix(features: list[dict[str, float]], names: list[str]) -> numpy.ndarray:
    return numpy.array([[f.get(k, 0.0) for k in names] for f in features], dtype=float)


def feature_names(rows: list[Rows]) -> list[str]:
    counts: dict[str, int] = {}
    for _, features, _ in rows:
        for f in features:
            for k, v in f.items():
                if v:
                    counts[k] = counts.get(k, 0) + 1
    return sorted(k for k, n in counts.items() if n >= MIN_FEATURE_COUNT)


def held_out_scores(rows: list[Rows], names: list[str]) -> list[list[float]]:
    """Every article's pairs scored by a model fitted on the other folds."""
    held_out: list[list[float]] = [[] for _ in rows]
    for fold in range(FOLDS):
        model = fit([r for i, r in enumerate(rows) if i % FOLDS != fold], names)
        for i, row in enumerate(rows):
            if i % FOLDS == fold and row[0]:
                held_out[i] = [float(x) for x in model.predict(matrix(row[1], names), num_threads=1)]
    return held_out


def main() -> int:
    args = training_arguments(__doc__.split("\n")[0], MODEL)
    if args is None:
        return 2
    articles, docs = read_articles(args.data, args.docs)
    final = filtered_quotes(articles, docs)
    rows = [group_rows(a, doc, quotes) for a, doc, quotes in zip(articles, docs, final, strict=True)]
    names = feature_names(rows)
    labels = [label for _, _, found in rows for label in found]
    print(f"{len(articles)} articles, {len(labels)} pairs ({sum(labels)} one attribution), "
          f"{len(names)} features")
    held_out = held_out_scores(rows, names)

    def per_article(join: float, split: float, scores: list[list[float]]) -> list[tuple[int, int, int]]:
        return [direct_counts(a, regroup(quotes, row[0], scores[i], join, split) if row[0] else quotes)
                for i, (a, quotes, row) in enumerate(zip(articles, final, rows, strict=True))]

    before = f1([direct_counts(a, quotes) for a, quotes in zip(articles, final, strict=True)])
    oracle = f1(per_article(0.5, 0.5, [[float(x) for x in row[2]] for row in rows]))
    print(f"without the model {before[0]:.4f} (P {before[1]:.4f} R {before[2]:.4f}); grouping exactly as the "
          f"labels say (an oracle) {oracle[0]:.4f} (P {oracle[1]:.4f} R {oracle[2]:.4f})")
    grid = [(j, s) for j in JOIN for s in SPLIT if s <= j]
    per_pair = [per_article(j, s, held_out) for j, s in grid]
    results = [(f1(counts), pair) for counts, pair in zip(per_pair, grid, strict=True)]
    for (f, p, r), (j, s) in results:
        print(f"  join {j:.2f} split {s:.2f}: F1 {f:.4f} (P {p:.4f} R {r:.4f})")
    # Ties go to the pair that changes least: the highest join, the lowest split.
    (best, p, r), (join, split) = max(results, key=lambda x: (x[0][0], x[1][0], -x[1][1]))
    print(f"direct-quote F1 on train, {FOLDS}-fold cross-validated by article (paraphrases, cuts and filter "
          f"cross-validated too): without the model {before[0]:.4f}; with it {best:.4f} "
          f"(P {p:.4f} R {r:.4f}) at join {join}, split {split} (the best of the grid: tuned on these folds)")
    (f_n, p_n, r_n), chosen = nested(per_pair, [float(k) for k in range(len(grid))],
                                     lambda k: grid[int(k)][0] - grid[int(k)][1])
    print(f"with the thresholds chosen on the other folds (nested, each fold's figure held out): {f_n:.4f} "
          f"(P {p_n:.4f} R {r_n:.4f}); (join, split) chosen "
          + ", ".join(f"({grid[int(k)][0]}, {grid[int(k)][1]})" for k in chosen))
    save_model(args.out, fit(rows, names),
               "Least probability to join a quoted piece to the one before (join) and greatest to split it "
               "from it (split), chosen by cross-validation on PolNeAR train (python -m "
               "newsdesk.enrich.train_groups)",
               [("join", join), ("split", split)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
