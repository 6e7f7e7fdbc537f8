"""Variants of the body model's second stage, cross-validated on the tuning folds, scored as served.

    .venv/bin/python -m newsdesk.extract.html.train       # once: the cached rows and first-stage fits
    .venv/bin/python benchmarks/second_stage_cv.py [--variants base,weight0.5,...] [--folds 0,1,2]
                                                   [--losses] [--save FILE.npz]

Reads train.py's cached rows and its 16 first-stage fits (.cache/rows-*.npz, .cache/stage1-*.npz,
keyed by the code: run the training command on the same tree first) and fits, for each scored fold
k, the second stage exactly as fold k's model is fitted (on the other folds, from the nested
first-stage probabilities of fits without j and k; scored on fold k from the fit without k), with
the variant's columns, weights or settings. Each page of fold k with a whole truth (ScrapingHub,
WCXB-dev) is then served as the extractor serves it at the cut of 0.5 (tidy, the rules where the
model keeps nothing, headline and byline off, trailing stamps), and its word F1 (score-wcxb's bags
of words) is given per set, fold and WCXB page type, one column per variant: every figure held
out. The page cut model is not applied (it is fitted on top of the stages; train.py reports the
same word F1 at 0.5 as its inner cross-validation). Decide on the tuning folds 0-2 (the default);
folds 3-4 are for one confirmation of a kept change.

Variants: `base` (the shipped second stage), `weight<F>` (each block's weight divided by its page's
labelled content share, at least F: the weight of a word as the page's word F1 counts it), `relative`
(12 page-relative columns more: the block's rank of length in the page, its length and link density
against the page's median and mean, its depth against the body's, whether it shares the parent or
grandparent of the page's surest block, its probability against the page's best, its rank and its
neighbours', the kept share of its tag, parent and grandparent), `all` (every block feature, not
the 83 of stack.BASE), `leaves<N>`, `rounds<N>`, `first-extra` (no second stage: the first stage
refitted without fold k with extremely randomised trees and 300 rounds, beside `first`, the cached
first stage alone).

`--losses`: where the variants' errors lie, by page type, on block words against the labels (the
proxy train.py's labels allow; it misses the truth's word counts, so it explains and does not
choose): junk words kept and content words dropped (per cent of the page's words), the mean F1
with each kind mended alone, with the sure errors (probability 0.2 or more from the cut) or the
unsure ones mended, and with the best cut per page.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from newsdesk.extract.html import train as T
from newsdesk.extract.html.blocks import CATEGORICAL, FEATURES
from newsdesk.extract.html.page_cut import CUTS, DEFAULT
from newsdesk.extract.html.stack import CONTEXT, STACK_FEATURES, context, stack_rows

TYPES = ("article", "collection", "documentation", "forum", "listing", "product", "service")
_LC, _LD, _DEPTH, _TAG = (FEATURES.index(n) for n in ("log_chars", "link_density", "depth", "tag"))
RELATIVE = ["rel_chars_rank", "rel_chars_median", "rel_links_mean", "rel_depth_body", "rel_parent_top",
            "rel_grand_top", "rel_p_max", "rel_p_rank", "rel_p_neigh", "rel_tag_kept", "rel_parent_kept",
            "rel_grand_kept"]
Data = dict[str, Any]


def load() -> Data:
    """The cached rows and first-stage fits, with the outer (fit without k) and nested inner (fits
    without j and k) probabilities, as train.fit_all makes them."""
    x, y, w, f, g, s = T.build(T.DATA, T.read_folds(), 1, T.PROJECT / ".cache")
    jobs: list[tuple[tuple[int, ...], tuple[int, ...]]] = [((), ())] + [((k,), (k,)) for k in range(T.K)]
    jobs += [((j, k), (j, k)) for j in range(T.K) for k in range(j + 1, T.K)]
    done = T._first_cached(T.PROJECT / ".cache", jobs, x, y, w, f)
    if done is None:
        raise SystemExit("second_stage_cv: no cached first-stage fits; run "
                         "python -m newsdesk.extract.html.train first")
    held = [f == k for k in range(T.K)]
    outer = np.full(len(y), np.nan)
    inner = {k: np.full(len(y), np.nan) for k in range(T.K)}
    for k in range(T.K):
        outer[held[k]] = done[((k,), (k,))][1][0]
        for j in range(T.K):
            if j != k:
                pair = (min(j, k), max(j, k))
                inner[k][held[j]] = done[(pair, pair)][1][pair.index(j)]
    return dict(x=x, y=y, w=w, f=f, g=g, s=s, outer=outer, inner=inner, full=T.whole_truth(T.DATA, g))


def relative_columns(rows: Any, p: Any, struct: Any) -> Any:
    """RELATIVE of one page."""
    n = len(p)
    lc = rows[:, _LC].astype(np.float64)
    chars = np.expm1(lc)
    weights = chars + 10.0
    links, depth = rows[:, _LD].astype(np.float64), rows[:, _DEPTH].astype(np.float64)
    tags = rows[:, _TAG].astype(np.int64)
    rank = np.empty(n)
    rank[np.argsort(lc, kind="stable")] = np.arange(n) / max(n - 1, 1)
    p_rank = np.empty(n)
    p_rank[np.argsort(p, kind="stable")] = np.arange(n) / max(n - 1, 1)
    surest = int(np.argmax(p))
    kept_chars = chars * (p >= 0.5)

    def kept_share(keys: Any) -> Any:
        _, inverse = np.unique(keys, return_inverse=True)
        inverse = inverse.ravel()
        return (np.bincount(inverse, weights=kept_chars)[inverse]
                / np.maximum(np.bincount(inverse, weights=chars)[inverse], 1.0))

    body_depth = float((depth * p * weights).sum() / max(float((p * weights).sum()), 1e-9))
    neighbours = (np.r_[p[:1], p[:-1]] + np.r_[p[1:], p[-1:]]) / 2
    return np.column_stack([
        rank, lc - float(np.median(lc)), links - float((links * weights).sum() / weights.sum()),
        depth - body_depth, struct[:, 0] == struct[surest, 0], struct[:, 1] == struct[surest, 1],
        p - p.max(), p_rank, p - neighbours,
        np.bincount(tags, weights=kept_chars)[tags] / max(float(kept_chars.sum()), 1.0),
        kept_share(struct[:, 0]), kept_share(struct[:, 1]),
    ]).astype(np.float32)


def _relative_rows(rows: Any, p: Any, struct: Any) -> Any:
    return np.hstack([stack_rows(rows, p, struct), relative_columns(rows, p, struct)])


def _all_rows(rows: Any, p: Any, struct: Any) -> Any:
    return np.hstack([rows, context(rows, p, struct)])


def _stacked(data: Data, p: Any, rows: Any, make: Callable[..., Any]) -> Any:
    x, g, s = data["x"], data["g"], data["s"]
    index = np.flatnonzero(rows)
    bounds = np.flatnonzero(np.diff(g[index])) + 1
    return np.vstack([make(x[part], p[part], s[part]) for part in np.split(index, bounds)])


def content_weights(data: Data, floor: float) -> Any:
    """Each block's weight over its page's labelled content share (at least `floor`)."""
    w, y, g = data["w"], data["y"], data["g"]
    _, inverse = np.unique(g, return_inverse=True)
    share = (np.bincount(inverse, weights=w * (y >= 0.5))
             / np.maximum(np.bincount(inverse, weights=w), 1e-9))
    return (w / np.maximum(share, floor)[inverse]).astype(np.float32)


def variant(data: Data, name: str, folds: tuple[int, ...]) -> Any:
    """The held-out probabilities of variant `name` on `folds` (NaN elsewhere)."""
    import lightgbm

    y, f = data["y"], data["f"]
    out = np.full(len(y), np.nan)
    if name == "first":
        return np.where(np.isin(f, folds), data["outer"], np.nan)
    if name == "first-extra":
        x, w = data["x"], data["w"]
        for k in folds:
            train = (f != k) & (w > 0)
            dataset = lightgbm.Dataset(x[train], y[train], weight=w[train], feature_name=FEATURES,
                                       categorical_feature=CATEGORICAL)
            model = lightgbm.train({**T.PARAMS, "extra_trees": True}, dataset, num_boost_round=300)
            out[f == k] = model.predict(x[f == k], num_threads=1)
        return out
    make: Callable[..., Any] = stack_rows
    names, weights = list(STACK_FEATURES), data["w"]
    params, rounds = dict(T.STACK_PARAMS), T.STACK_ROUNDS
    if name == "relative":
        make, names = _relative_rows, names + RELATIVE
    elif name == "all":
        make, names = _all_rows, list(FEATURES) + CONTEXT
    elif name.startswith("weight"):
        weights = content_weights(data, float(name[len("weight"):]))
    elif name.startswith("leaves"):
        params["num_leaves"] = int(name[len("leaves"):])
    elif name.startswith("rounds"):
        rounds = int(name[len("rounds"):])
    elif name != "base":
        raise SystemExit(f"second_stage_cv: unknown variant {name}")
    for k in folds:
        rows = f != k
        xs = _stacked(data, data["inner"][k], rows, make)
        keep = weights[rows] > 0
        dataset = lightgbm.Dataset(xs[keep], y[rows][keep], weight=weights[rows][keep], feature_name=names,
                                   categorical_feature=[names.index("tag")])
        model = lightgbm.train(params, dataset, num_boost_round=rounds)
        out[f == k] = model.predict(_stacked(data, data["outer"], f == k, make), num_threads=1)
    return out


def served_f1(name: str, page_id: str, record: dict[str, Any], raw: bytes, probabilities: list[Any]
              ) -> list[float] | None:
    """The word F1 of the body served at the cut of 0.5 for each set of probabilities of the page
    (train._cut_job, which makes the page cut's targets, at its cut of 0.5)."""
    found = T._cut_job((name, page_id, record, raw, probabilities))
    return None if found is None else [float(v) for v in found[:, CUTS.index(DEFAULT)]]


def page_kinds() -> dict[int, str]:
    """train.py's page numbers (from 1, in SETS order) -> WCXB page type, or the set's name."""
    kinds, number = {}, 0
    for name, truth_file in T.SETS.items():
        truth = json.loads((T.DATA / name / truth_file).read_text(encoding="utf-8"))
        for page_id in sorted(truth):
            number += 1
            kinds[number] = truth[page_id].get("page_type", name) if name == "wcxb-dev" else name
    return kinds


def score(data: Data, probabilities: dict[str, Any], folds: tuple[int, ...]) -> None:
    g, f, full = data["g"], data["f"], data["full"]
    starts = np.flatnonzero(np.r_[True, np.diff(g) != 0])
    spans = {int(g[a]): (int(a), int(b)) for a, b in zip(starts, [*starts[1:], len(g)], strict=True)}
    arrays = list(probabilities.values())
    scores: dict[tuple[str, str, int], list[list[float]]] = defaultdict(list)
    for number, (name, page_id, record, raw) in enumerate(T.pages(T.DATA), 1):
        span = spans.get(number)
        if not span or not full[span[0]] or int(f[span[0]]) not in folds:
            continue
        found = served_f1(name, page_id, record, raw, [a[span[0]:span[1]] for a in arrays])
        if found is not None:
            kind = record.get("page_type", "") if name == "wcxb-dev" else ""
            scores[(name, kind, int(f[span[0]]))].append(found)
    print("| pages (folds " + ",".join(map(str, folds)) + ") | n | " + " | ".join(probabilities) + " |")
    print("|---|---:|" + "---:|" * len(probabilities))

    def line(label: str, keep: Callable[[str, str, int], bool]) -> None:
        rows = [r for key, v in scores.items() if keep(*key) for r in v]
        if rows:
            means = np.mean(np.array(rows), axis=0)
            print(f"| {label} | {len(rows)} | " + " | ".join(f"{m:.4f}" for m in means) + " |")

    for set_name in ("scrapinghub", "wcxb-dev"):
        line(set_name, lambda s, t, k, n=set_name: s == n)
        for fold in folds:
            line(f"{set_name} fold {fold}", lambda s, t, k, n=set_name, j=fold: s == n and k == j)
    for kind in TYPES:
        line(f"wcxb-dev {kind}", lambda s, t, k, n=kind: s == "wcxb-dev" and t == n)


def losses(data: Data, name: str, p: Any, folds: tuple[int, ...]) -> None:
    y, w, f, g = data["y"], data["w"], data["f"], data["g"]
    chosen = np.isin(f, folds) & (w > 0)
    pages, inverse = np.unique(g[chosen], return_inverse=True)
    truth, weights, p = y[chosen] >= 0.5, w[chosen], p[chosen]

    def f1(kept: Any) -> tuple[Any, Any, Any]:
        hit = np.bincount(inverse, weights=weights * kept * truth)
        said = np.bincount(inverse, weights=weights * kept)
        real = np.bincount(inverse, weights=weights * truth)
        return np.where(said + real > 0, 2 * hit / np.maximum(said + real, 1e-9), 1.0), said - hit, real - hit

    kept = p >= 0.5
    model, junk, dropped = f1(kept)
    unsure = np.abs(p - 0.5) < 0.2
    mended = {"junk kept mended": f1(kept & truth)[0], "content dropped mended": f1(kept | truth)[0],
              "unsure mended": f1(np.where(unsure, truth, kept))[0],
              "sure mended": f1(np.where(unsure, kept, truth))[0],
              "best cut per page": np.max([f1(p >= c)[0] for c in np.arange(0.05, 0.96, 0.05)], axis=0)}
    kinds = page_kinds()
    kind = np.array([kinds[int(n)] for n in pages])
    print(f"\n{name}, block words against labels (folds {','.join(map(str, folds))}):\n")
    print("| pages | n | F1 | junk kept % | content dropped % | " + " | ".join(mended) + " |")
    print("|---|---:|---:|---:|---:|" + "---:|" * len(mended))
    groups = [(t, kind == t) for t in (*TYPES, "scrapinghub", "trafilatura-dev")]
    groups.append(("wcxb-dev all", np.isin(kind, TYPES)))
    for label, m in groups:
        cells = [f"{model[m].mean():.3f}", f"{junk[m].mean():.1f}", f"{dropped[m].mean():.1f}",
                 *(f"{v[m].mean():.3f}" for v in mended.values())]
        print(f"| {label} | {int(m.sum())} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", default="base,weight0.2,weight0.5,relative,all,leaves15,leaves63")
    parser.add_argument("--folds", default="0,1,2", help="the scored folds (default: the tuning folds)")
    parser.add_argument("--losses", action="store_true", help="the error table of each variant too")
    parser.add_argument("--save", help="keep the variants' probabilities in this .npz")
    args = parser.parse_args()
    folds = tuple(int(k) for k in args.folds.split(","))
    data = load()
    probabilities = {}
    for name in args.variants.split(","):
        probabilities[name] = variant(data, name, folds)
        print(f"second_stage_cv: {name} fitted", file=sys.stderr)
    if args.save:
        np.savez(args.save, **probabilities)
    score(data, probabilities, folds)
    if args.losses:
        for name, p in probabilities.items():
            losses(data, name, p, folds)


if __name__ == "__main__":
    main()
