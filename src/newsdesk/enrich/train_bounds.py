"""Fit the model of `quote_bounds` (where a reported quotation holding quoted pieces ends and starts)
on PolNeAR train, and only train:

    python -m newsdesk.enrich.train_bounds [--data ../shared/data/polnear] [--out PATH] [--docs CACHE.spacy]
                                           [--members K] [--seed S]

Run after `python -m newsdesk.enrich.train_quotes` (whose policy it reads) and before
`python -m newsdesk.enrich.train_speakers`. Each train article is parsed as enrichment parses it
(`--docs` caches the parses), its quotations found by the rules, and the paraphrases of
`quote_fragments` added by a model of that module fitted on the other four folds (by article: the
quotations this model learns from are those an unseen article would get). The alternatives of
`quote_bounds.alternatives` are labelled 1 when they match a PolNeAR attribution whose content holds
a quotation mark as `benchmarks/quotes.py` matches. A LightGBM binary model (200 rounds of 15 leaves,
one thread, deterministic; `--members` boosters of different seeds averaged into one, as in
`train_quotes`) is fitted on them; the margin is chosen by 5-fold cross-validation over
the train articles (the same folds: each article's alternatives scored by a model fitted on the other
folds, and the direct-quote F1 of `benchmarks/quotes.py`, grouped, computed over all train articles),
and the cross-validated F1 without and with the model printed (the best margin of the grid is tuned
on those folds; the F1 printed after it is nested: each fold counted at the margin best on the other
four). The dev split is never read.

Writes `src/newsdesk/enrich/models/bounds/en.txt` (LightGBM's text format) and `policy.tsv` beside
it. About 2 minutes of CPU with the parses cached.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import numpy

from newsdesk.enrich import booster_ensemble
from newsdesk.enrich.quote_bounds import MODEL, Alternative, alternatives, choose
from newsdesk.enrich.quote_fragments import keep, load_model, merge, probabilities
from newsdesk.enrich.train_quotes import FOLDS, Article, _matches, direct_counts, f1, nested, read_articles
from newsdesk.enrich.train_quotes import feature_names as fragment_feature_names
from newsdesk.enrich.train_quotes import fit as fit_fragments
from newsdesk.enrich.train_speakers import save_model, training_arguments

if TYPE_CHECKING:
    import lightgbm
    from spacy.tokens import Doc

    from newsdesk.article import Quote

PARAMS = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
          "feature_fraction": 0.8, "feature_fraction_seed": 0, "deterministic": True,
          "force_row_wise": True, "num_threads": 1, "seed": 0, "verbose": -1}
ROUNDS = 200
MARGINS = [x / 20 for x in range(-4, 13)]
MIN_FEATURE_COUNT = 5


def fit(rows: list[tuple[list[Alternative], list[int]]], names: list[str]) -> lightgbm.Booster:
    data = matrix([a for alts, _ in rows for a in alts], names)
    labels = numpy.array([label for _, found in rows for label in found], dtype=float)
    return booster_ensemble.fit(PARAMS, data, labels, names, ROUNDS)


def matrix(alts: list[Alternative], names: list[str]) -> numpy.ndarray:
    return numpy.array([[a.features.get(k, 0.0) for k in names] for a in alts], dtype=float)


def labels(article: Article, alts: list[Alternative]) -> list[int]:
    """1 for the alternatives of a quotation that match a direct attribution best (the largest share of
    words in common, over the words of both), 0 for the others."""
    overlap = []
    for alt in alts:
        ids = article.ids([alt.span])
        shares = [len(g & ids) / len(g | ids) for g in article.golds if _matches(g, ids)]
        overlap.append(max(shares, default=0.0))
    best: dict[int, float] = {}
    for alt, x in zip(alts, overlap, strict=True):
        best[alt.quote] = max(best.get(alt.quote, 0.0), x)
    return [int(x > 0 and x == best[alt.quote]) for alt, x in zip(alts, overlap, strict=True)]


def fragment_quotes(articles: list[Article]) -> list[list[Quote]]:
    """Each article's quotations with the paraphrases of quote_fragments added by a model fitted on the
    other folds (by article)."""
    _, thresholds = load_model()
    names = fragment_feature_names(articles)
    merged: list[list[Quote]] = [a.quotes for a in articles]
    for fold in range(FOLDS):
        model = fit_fragments([a for i, a in enumerate(articles) if i % FOLDS != fold], names)
        for i, a in enumerate(articles):
            if i % FOLDS == fold and a.candidates:
                kept = keep(a.candidates, probabilities(model, a.candidates), thresholds)
                merged[i] = merge(a.quotes, kept)
    return merged


def bound_rows(articles: list[Article], docs: list[Doc], merged: list[list[Quote]],
               ) -> tuple[list[tuple[list[Alternative], list[int]]], list[str]]:
    """The alternatives of every article's quotations with their labels, and the feature names kept."""
    rows: list[tuple[list[Alternative], list[int]]] = []
    for a, doc, quotes in zip(articles, docs, merged, strict=True):
        added = frozenset(q.span for q in quotes) - frozenset(q.span for q in a.quotes)
        alts = alternatives(doc, a.text, quotes, added)
        rows.append((alts, labels(a, alts)))
    counts: dict[str, int] = {}
    for alts, _ in rows:
        for alt in alts:
            for k, v in alt.features.items():
                if v:
                    counts[k] = counts.get(k, 0) + 1
    return rows, sorted(k for k, n in counts.items() if n >= MIN_FEATURE_COUNT)


def held_out_scores(rows: list[tuple[list[Alternative], list[int]]], names: list[str]) -> list[list[float]]:
    """Every article's alternatives scored by a model fitted on the other folds."""
    held_out: list[list[float]] = [[] for _ in rows]
    for fold in range(FOLDS):
        model = fit([r for i, r in enumerate(rows) if i % FOLDS != fold], names)
        for i, (alts, _) in enumerate(rows):
            if i % FOLDS == fold and alts:
                held_out[i] = [float(p) for p in model.predict(matrix(alts, names), num_threads=1)]
    return held_out


def cut_quotes(articles: list[Article], merged: list[list[Quote]],
               rows: list[tuple[list[Alternative], list[int]]], scores: list[list[float]],
               margin: float) -> list[list[Quote]]:
    """Each article's quotations with the cuts `scores` choose at `margin`."""
    return [choose(a.text, quotes, alts, scores[i], margin) if alts else quotes
            for i, (a, quotes, (alts, _)) in enumerate(zip(articles, merged, rows, strict=True))]


def main() -> int:
    args = training_arguments(__doc__.split("\n")[0], MODEL, ensemble=True)
    if args is None:
        return 2
    articles, docs = read_articles(args.data, args.docs)
    # The paraphrases of quote_fragments, each article's from a model fitted on the other folds.
    merged = fragment_quotes(articles)
    rows, bound_names = bound_rows(articles, docs, merged)
    print(f"{len(articles)} articles, {sum(len(r[0]) for r in rows)} alternatives "
          f"({sum(sum(r[1]) for r in rows)} match a direct attribution), {len(bound_names)} features")
    held_out = held_out_scores(rows, bound_names)
    before = f1([direct_counts(a, quotes) for a, quotes in zip(articles, merged, strict=True)])

    def per_article(margin: float, scores: list[list[float]]) -> list[tuple[int, int, int]]:
        return [direct_counts(a, quotes) for a, quotes in
                zip(articles, cut_quotes(articles, merged, rows, scores, margin), strict=True)]

    oracle = f1(per_article(0.5, [[float(x) for x in labels] for _, labels in rows]))
    print(f"taking a matching alternative wherever the span as found does not match (an oracle): "
          f"{oracle[0]:.3f} (P {oracle[1]:.3f} R {oracle[2]:.3f})")
    per_margin = [per_article(m, held_out) for m in MARGINS]
    results = [(f1(counts), m) for counts, m in zip(per_margin, MARGINS, strict=True)]
    for (f, p, r), m in results:
        print(f"  margin {m:+.2f}: F1 {f:.3f} (P {p:.3f} R {r:.3f})")
    (best, p, r), margin = max(results, key=lambda x: (x[0][0], x[1]))
    print(f"direct-quote F1 on train, {FOLDS}-fold cross-validated by article (paraphrases cross-validated "
          f"too): without the model {before[0]:.3f} (P {before[1]:.3f} R {before[2]:.3f}); "
          f"with it {best:.3f} (P {p:.3f} R {r:.3f}) at margin {margin} (the best of the grid: tuned on "
          f"these folds)")
    (f_n, p_n, r_n), chosen = nested(per_margin, MARGINS, lambda m: m)
    print(f"with the margin chosen on the other folds (nested, each fold's figure held out): {f_n:.4f} "
          f"(P {p_n:.4f} R {r_n:.4f}); margins chosen {', '.join(str(m) for m in chosen)}")
    save_model(args.out, fit(rows, bound_names),
               "Least margin of probability over the span as found to cut a reported quotation, chosen by "
               "cross-validation on PolNeAR train (python -m newsdesk.enrich.train_bounds)",
               [("margin", margin)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
