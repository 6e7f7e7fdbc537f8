"""The page's own cut: where the body model's probabilities are cut on this page, chosen by a model.

The body model gives each block a probability (learned.py); one cut for every page (0.5) is right
for an article, whose body stands out, and wrong for a collection, a listing or a forum, whose items
sit at 0.3 or 0.7 together. Held out, the best single cut per page is worth far more than any block
feature (docs/benchmarks.md, "Where the body model loses words"), so a page-level model chooses it:
for each of its candidate cuts (some of CUTS) it predicts how much word F1 the body at that cut
gains over the body at 0.5, from the page's shape (how its words spread over the probabilities, its
size, links, lists, headings, the rules' choice, the schema.org type it declares) and the body at
that cut (its share of the page's words, its expected F1 by the probabilities themselves). The cut
with the best predicted gain is taken when that gain is above the model's margin, else 0.5. Blocks of hidden
boxes keep 0.5 (their probabilities answer another question: is this closed tab content?).

The model is LightGBM regression, one thread, fixed seed, fitted by train.py on held-out
probabilities only, its candidate cuts and settings chosen by cross-validation inside the fitting
folds (nested: see train.fit_cuts), and shipped as the third part of models/body.txt (after
CUT_MARK: a line of its cuts and margin, then LightGBM's text format). A file without it cuts at 0.5.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from newsdesk.extract.html.blocks import FEATURES

if TYPE_CHECKING:
    import lightgbm

CUTS = tuple(round(c / 20, 2) for c in range(1, 20))  # 0.05 .. 0.95
DEFAULT = 0.5
MARGIN = 0.01  # the least predicted gain of word F1 for which a page leaves 0.5 (unless the model says)
CUT_MARK = "\n#### page cut ####\n"
_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
_COPIED = ["page_blocks", "page_chars", "page_links", "page_forms", "page_prices", "page_code",
           "page_articles", "page_li_share", "page_headings", "page_kept_share", "page_thin",
           "page_max_run", "page_hidden_share",
           *(name for name in FEATURES if name.startswith("page_type_"))]
_COPIED_INDEX = [FEATURES.index(name) for name in _COPIED]
_LOG_WORDS = FEATURES.index("log_words")
_LINKS = FEATURES.index("link_density")
_RULES = FEATURES.index("rules_kept")
_HEADING = FEATURES.index("heading")
_TAG = FEATURES.index("tag")
_HIDDEN = FEATURES.index("hid")
PAGE_COLUMNS = (["shown_blocks", "shown_words", "p_max", "p_mean", "p_block_mean", "p_unsure"]
                + [f"p_q{int(q * 100)}" for q in _QUANTILES] + [f"words_above_{c}" for c in _LEVELS]
                + [f"blocks_above_{c}" for c in _LEVELS]
                + ["link_words", "rules_words", "rules_p", "heading_blocks", "li_words", "td_words",
                   "exp_f1_05"]
                + _COPIED)
CUT_COLUMNS = [*PAGE_COLUMNS, "cut", "kept_words", "kept_ratio", "kept_blocks", "exp_f1", "exp_f1_gain",
               "rules_recall", "rules_precision"]
_TAG_LI, _TAG_TD = 3, 4  # blocks._TAG_CODES of li and td


def shown(rows: npt.NDArray[np.float32]) -> npt.NDArray[np.bool_]:
    """The blocks the page cut is for: those not in a hidden box."""
    mask: npt.NDArray[np.bool_] = rows[:, _HIDDEN] < 0.5
    return mask


def _expected_f1(p: npt.NDArray[np.float64], n: npt.NDArray[np.float64], kept: npt.NDArray[np.bool_]
                 ) -> npt.NDArray[np.float64]:
    """Word F1 of each row of `kept` if every block of n words at p held n p words of body."""
    tp = (kept * n * p).sum(axis=1)
    fp = (kept * n * (1 - p)).sum(axis=1)
    fn = float((n * p).sum()) - tp
    f1: npt.NDArray[np.float64] = np.where(tp > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1e-12), 0.0)
    return f1


def candidates(rows: npt.NDArray[np.float32], p: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """One row of CUT_COLUMNS per cut of CUTS, for the shown blocks of a page (FEATURES rows, the
    body model's probabilities)."""
    mask = shown(rows)
    rows, p = rows[mask], np.asarray(p, np.float64)[mask]
    out = np.zeros((len(CUTS), len(CUT_COLUMNS)), np.float32)
    if not len(p):
        out[:, len(PAGE_COLUMNS)] = CUTS
        return out
    n = np.expm1(rows[:, _LOG_WORDS].astype(np.float64)) + 1.0
    total = float(n.sum())
    order = np.argsort(p, kind="stable")
    cum = np.cumsum(n[order]) / total
    ranked = p[order]
    quantiles = [float(ranked[min(int(np.searchsorted(cum, q)), len(p) - 1)]) for q in _QUANTILES]
    rules = rows[:, _RULES] > 0.5
    tags = rows[:, _TAG]
    cuts = np.array(CUTS)
    kept = p[None, :] >= cuts[:, None]
    exp_f1 = _expected_f1(p, n, kept)
    at_half = _expected_f1(p, n, (p >= DEFAULT)[None, :])[0]
    rules_words = float(n[rules].sum())
    page = np.array([
        np.log1p(len(p)), np.log1p(total), p.max(), float((p * n).sum() / total), p.mean(),
        float(n[(p > 0.2) & (p < 0.8)].sum() / total), *quantiles,
        *(float(n[p >= c].sum() / total) for c in _LEVELS), *(float((p >= c).mean()) for c in _LEVELS),
        float((rows[:, _LINKS] * n).sum() / total), rules_words / total,
        float(p[rules].mean()) if rules.any() else -1.0, float(rows[:, _HEADING].mean()),
        float(n[tags == _TAG_LI].sum() / total), float(n[tags == _TAG_TD].sum() / total), at_half,
        *rows[0, _COPIED_INDEX],
    ], np.float64)
    kept_words = (kept * n).sum(axis=1)
    half_words = max(float(n[p >= DEFAULT].sum()), 1.0)
    rules_kept = (kept & rules).astype(np.float64) @ n
    out[:, :len(PAGE_COLUMNS)] = page
    out[:, len(PAGE_COLUMNS):] = np.column_stack([
        cuts, kept_words / total, np.log((kept_words + 1.0) / half_words), kept.mean(axis=1), exp_f1,
        exp_f1 - at_half, rules_kept / max(rules_words, 1.0), rules_kept / np.maximum(kept_words, 1.0),
    ])
    return out


@dataclass(frozen=True, slots=True)
class CutModel:
    """A fitted cut model, the candidate cuts it chooses among (a subset of CUTS) and the least
    predicted gain for which it leaves 0.5."""

    booster: lightgbm.Booster
    cuts: tuple[float, ...]
    margin: float = MARGIN


def format_cut(cuts: tuple[float, ...], margin: float, booster: str) -> str:
    """The cut model's part of the model file: its candidate cuts and margin on one line, then the
    booster."""
    return "cuts=" + ",".join(f"{c:g}" for c in cuts) + f" margin={margin:g}\n" + booster


def parse_cut(text: str) -> tuple[tuple[float, ...], float, str]:
    """The candidate cuts, margin and booster text of a cut model's part (format_cut); ValueError if
    it is not one."""
    head, _, booster = text.partition("\n")
    cuts_part, _, margin_part = head.partition(" margin=")
    if not cuts_part.startswith("cuts=") or not margin_part:
        raise ValueError("the page cut model does not start with its cuts and margin")
    cuts = tuple(float(c) for c in cuts_part[5:].split(","))
    if any(c not in CUTS for c in cuts) or DEFAULT not in cuts or len(set(cuts)) != len(cuts):
        raise ValueError(f"the page cut model has unknown or repeated cuts {cuts_part[5:]!r}")
    margin = float(margin_part)
    if not math.isfinite(margin):
        raise ValueError(f"the page cut model's margin is not a number: {margin_part!r}")
    if not booster.strip():
        raise ValueError("the page cut model has no booster")
    return cuts, margin, booster


def choose(model: CutModel | None, rows: npt.NDArray[np.float32], p: npt.NDArray[np.float64]) -> float:
    """The page's cut for its shown blocks: the candidate of the best predicted gain over 0.5, if
    that gain is above the model's margin."""
    if model is None or not shown(rows).any():
        return DEFAULT
    found = candidates(rows, p)
    found = found[[CUTS.index(c) for c in model.cuts]]
    gain = np.asarray(model.booster.predict(found, num_threads=1), np.float64)
    best = int(np.argmax(gain))
    return float(model.cuts[best]) if gain[best] > model.margin else DEFAULT


def block_cuts(rows: npt.NDArray[np.float32], cut: float) -> npt.NDArray[np.float64]:
    """Each block's cut: the page's for a shown block, 0.5 for a block of a hidden box."""
    result: npt.NDArray[np.float64] = np.where(shown(rows), cut, DEFAULT)
    return result
