"""Fit the model of `quote_fragments` (paraphrases around a quoted piece) on PolNeAR train, and only train:

    python -m newsdesk.enrich.train_quotes [--data ../shared/data/polnear] [--out PATH]
                                           [--docs CACHE.spacy] [--members K] [--seed S]

Each train article is parsed as enrichment parses it (`--docs` caches the parses, as in
`train_speakers`), its quotations found by the rules (`quotes_from_doc(..., choose=False,
fragments=False)`) and the candidates of `quote_fragments.fragment_candidates` built around every
quoted piece. A candidate is labelled 1 when it matches a PolNeAR attribution whose content holds a
quotation mark as `benchmarks/quotes.py` matches (the word tokens they share are at least half of
each one's) and the subject of its verb is that attribution's Source (when it has one): a paraphrase
kept with the wrong speaker would cost speaker accuracy. A LightGBM binary model (300 rounds of 15
leaves, one thread, deterministic; `--members` boosters of different seeds, rows bagged, averaged
into one: `booster_ensemble`; one booster by default) is fitted on the candidates. The thresholds (one
for pieces that are quotations of their own, one for the others) are chosen by 5-fold
cross-validation over the train articles: each article's candidates are scored by a model fitted on
the other folds, merged into its quotations as enrichment does, and the direct-quote F1 of
`benchmarks/quotes.py` (grouped scoring) computed over all train articles; the thresholds with the
best F1 are kept and the cross-validated F1 without and with the candidates printed. That F1 is tuned
on the folds it is scored on; the F1 printed after it is nested (each fold counted at the pair of
thresholds, over the joint grid, best on the other four folds). The dev split is never read.

Writes `src/newsdesk/enrich/models/quotes/en.txt` (LightGBM's text format) and `policy.tsv` beside
it. Then refit the speaker chooser (`python -m newsdesk.enrich.train_speakers`), which sees the new
quotations. About 8 minutes of parsing without `--docs`, then a few minutes of CPU.
"""

from __future__ import annotations

import bisect
import re
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy

from newsdesk.enrich import booster_ensemble
from newsdesk.enrich.quote_fragments import (
    MODEL,
    Candidate,
    Thresholds,
    fragment_candidates,
    keep,
    merge,
    probabilities,
)
from newsdesk.enrich.quote_speakers import resolve_speaker
from newsdesk.enrich.train_speakers import parses, save_model, train_articles, training_arguments

if TYPE_CHECKING:
    from pathlib import Path

    import lightgbm
    from spacy.tokens import Doc

    from newsdesk.article import Quote

TOKEN = re.compile(r"\w+")  # the benchmark's word tokens
MARKS = frozenset('"“”«»„')
FOLDS = 5
THRESHOLDS = [x / 20 for x in range(2, 20)]
PARAMS = {"objective": "binary", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 20,
          "feature_fraction": 0.8, "feature_fraction_seed": 0, "deterministic": True,
          "force_row_wise": True, "num_threads": 1, "seed": 0, "verbose": -1}
ROUNDS = 300
MIN_FEATURE_COUNT = 5  # a feature (a verb's lemma, a dependency) seen fewer times is left out
Spans = list[tuple[int, int]]


class Article:
    """One train article: its word tokens, direct gold contents (token sets), rule quotations and
    candidates with their labels."""

    def __init__(self, text: str, golds: list[tuple[Spans, Spans]], quotes: list[Quote],
                 candidates: list[Candidate]) -> None:
        self.text = text
        self.tokens = [(m.start(), m.end()) for m in TOKEN.finditer(text)]
        self.ends = [e for _, e in self.tokens]
        direct = [(content, source) for content, source in golds
                  if any(ch in MARKS for s, e in content for ch in text[s:e])]
        self.golds = [self.ids(content) for content, _ in direct]
        self.quotes = quotes
        self.candidates = candidates
        self.labels = []
        for c in candidates:
            said = resolve_speaker(c.subject, c.verb)
            span = said.speaker_span if said is not None else None
            self.labels.append(int(any(
                _matches(self.ids(content), self.ids([c.span])) and (not source or (span is not None and any(
                    span[0] < e and s < span[1] for s, e in source)))
                for content, source in direct)))

    def ids(self, spans: Spans) -> set[int]:
        """Indexes of the tokens overlapping any of `spans`."""
        found: set[int] = set()
        for a, b in spans:
            i = bisect.bisect_right(self.ends, a)
            while i < len(self.tokens) and self.tokens[i][0] < b:
                found.add(i)
                i += 1
        return found


def _matches(gold: set[int], predicted: set[int]) -> bool:
    shared = len(gold & predicted)
    return bool(shared) and 2 * shared >= len(gold) and 2 * shared >= len(predicted)


def direct_groups(text: str, quotes: list[Quote]) -> list[Spans]:
    """The spans of each direct quotation (one with a quotation mark at or beside it), the pieces of
    one quotation (the same cue, one after another) grouped, as `benchmarks/quotes.py` groups them."""
    groups: list[tuple[Spans, bool]] = []
    last_cue: tuple[int, int] | None = None
    for q in quotes:
        direct = bool(MARKS & set(text[max(q.span[0] - 1, 0) : q.span[1] + 1]))
        if groups and q.cue_span is not None and q.cue_span == last_cue and direct == groups[-1][1]:
            groups[-1][0].append(q.span)
            continue
        groups.append(([q.span], direct))
        last_cue = q.cue_span
    return [spans for spans, direct in groups if direct]


def direct_counts(article: Article, quotes: list[Quote]) -> tuple[int, int, int]:
    """(gold, predicted, matched) direct quotations of one article, grouped and matched one to one as
    `benchmarks/quotes.py` does."""
    predicted = [article.ids(spans) for spans in direct_groups(article.text, quotes)]
    pairs = sorted(((len(g & p), gi, pi) for gi, g in enumerate(article.golds)
                    for pi, p in enumerate(predicted) if _matches(g, p)), reverse=True)
    used_g: set[int] = set()
    used_p: set[int] = set()
    for _, gi, pi in pairs:
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
    return len(article.golds), len(predicted), len(used_g)


def f1(counts: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    gold, predicted, matched = (sum(c[k] for c in counts) for k in range(3))
    p = matched / predicted if predicted else 0.0
    r = matched / gold if gold else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def nested(per_value: list[list[tuple[int, int, int]]], values: list[float],
           prefer: Callable[[float], float]) -> tuple[tuple[float, float, float], list[float]]:
    """The F1 of choosing a value of a grid honestly: each fold's articles counted at the value that
    is best on the other folds (`per_value[k][i]`: article i's direct counts at `values[k]`; ties go
    to the largest `prefer(value)`), and the value chosen for each fold. Choosing the best of the grid
    on all articles and reporting its F1 counts the test folds twice (a figure tuned on)."""
    counts: list[tuple[int, int, int]] = []
    chosen: list[float] = []
    articles = len(per_value[0]) if per_value else 0
    for fold in range(FOLDS):
        inner = [i for i in range(articles) if i % FOLDS != fold]
        best = max(range(len(values)), key=lambda k: (f1([per_value[k][i] for i in inner])[0],
                                                        prefer(values[k])))
        chosen.append(values[best])
        counts += [per_value[best][i] for i in range(articles) if i % FOLDS == fold]
    return f1(counts), chosen


def fit(articles: list[Article], names: list[str]) -> lightgbm.Booster:
    rows = numpy.array([[c.features.get(k, 0.0) for k in names] for a in articles for c in a.candidates],
                       dtype=float)
    labels = numpy.array([label for a in articles for label in a.labels], dtype=float)
    return booster_ensemble.fit(PARAMS, rows, labels, names, ROUNDS)


def feature_names(articles: list[Article]) -> list[str]:
    counts: dict[str, int] = {}
    for a in articles:
        for c in a.candidates:
            for k, v in c.features.items():
                if v:
                    counts[k] = counts.get(k, 0) + 1
    return sorted(k for k, n in counts.items() if n >= MIN_FEATURE_COUNT)


def read_articles(data: Path, docs_path: Path | None) -> tuple[list[Article], list[Doc]]:
    """PolNeAR train's articles, each with its gold attributions, the rules' quotations and the
    paraphrase candidates around them (what train_quotes and train_bounds fit on), and their parses."""
    from newsdesk.enrich.quotes import quotes_from_doc

    raw = train_articles(data)
    docs = parses([text for text, _ in raw], docs_path)
    articles = []
    for (text, golds), doc in zip(raw, docs, strict=True):
        quotes = quotes_from_doc(text, doc, choose=False, fragments=False)
        articles.append(Article(text, golds, quotes, fragment_candidates(doc, text, quotes)))
    return articles, docs


def main() -> int:
    args = training_arguments(__doc__.split("\n")[0], MODEL, ensemble=True)
    if args is None:
        return 2
    articles, _ = read_articles(args.data, args.docs)
    names = feature_names(articles)
    positives = sum(sum(a.labels) for a in articles)
    print(f"{len(articles)} articles, {sum(len(a.candidates) for a in articles)} candidates "
          f"({positives} match a direct attribution), {len(names)} features")
    # Every article's candidates scored by a model fitted on the other folds.
    held_out: list[list[float]] = [[] for _ in articles]
    for fold in range(FOLDS):
        model = fit([a for i, a in enumerate(articles) if i % FOLDS != fold], names)
        for i, a in enumerate(articles):
            if i % FOLDS == fold and a.candidates:
                held_out[i] = probabilities(model, a.candidates)
    before = f1([direct_counts(a, a.quotes) for a in articles])

    def cross_validated(thresholds: Thresholds) -> tuple[float, float, float]:
        return f1([direct_counts(a, merge(a.quotes, keep(a.candidates, held_out[i], thresholds)))
                   for i, a in enumerate(articles)])

    # One threshold for both kinds of piece, then each kind's own with the other held.
    results = [(cross_validated(Thresholds(t, t)), Thresholds(t, t)) for t in THRESHOLDS]
    shared = max(results, key=lambda x: (x[0][0], x[1].new))[1]
    results += [(cross_validated(Thresholds(t, shared.replace)), Thresholds(t, shared.replace))
                for t in THRESHOLDS]
    new = max(results, key=lambda x: (x[0][0], x[1].new, x[1].replace))[1].new
    results += [(cross_validated(Thresholds(new, t)), Thresholds(new, t)) for t in THRESHOLDS]
    half = Thresholds(0.5, 0.5)
    oracle = f1([direct_counts(a, merge(a.quotes, keep(a.candidates, [float(x) for x in a.labels], half)))
                 for a in articles])
    print(f"keeping exactly the candidates that match (an oracle, the ceiling of these candidates): "
          f"{oracle[0]:.3f} (P {oracle[1]:.3f} R {oracle[2]:.3f})")
    (best, p, r), thresholds = max(results, key=lambda x: (x[0][0], x[1].new, x[1].replace))
    print(f"direct-quote F1 on train, {FOLDS}-fold cross-validated by article: rules alone {before[0]:.3f} "
          f"(P {before[1]:.3f} R {before[2]:.3f}); with the candidates {best:.3f} (P {p:.3f} R {r:.3f}) "
          f"at thresholds new {thresholds.new}, replace {thresholds.replace}")
    # The thresholds above are the best of a grid on the same folds they are scored on: a figure tuned
    # on. Nested: each fold counted at the pair of thresholds best on the other four (joint grid).
    grid = [Thresholds(n, r) for n in THRESHOLDS for r in THRESHOLDS]
    per_pair = [[direct_counts(a, merge(a.quotes, keep(a.candidates, held_out[i], t)))
                 for i, a in enumerate(articles)] for t in grid]
    (f_n, p_n, r_n), chosen = nested(per_pair, [float(k) for k in range(len(grid))], lambda k: 0.0)
    print(f"with the thresholds chosen on the other folds (nested, each fold's figure held out): {f_n:.4f} "
          f"(P {p_n:.4f} R {r_n:.4f}); (new, replace) chosen "
          + ", ".join(f"({grid[int(k)].new}, {grid[int(k)].replace})" for k in chosen))
    save_model(args.out, fit(articles, names),
               "Least probability to keep a paraphrase around a quoted piece (`replace`: a piece that is a "
               "quotation of its own), chosen by cross-validation on PolNeAR train "
               "(python -m newsdesk.enrich.train_quotes)",
               [("threshold", thresholds.new), ("replace", thresholds.replace)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
