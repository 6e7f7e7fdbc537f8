"""The second stage of the body model: each block decided again, seeing what the first stage said of
its neighbours, its siblings, its region and the whole page.

The first stage (blocks.py's features, one block at a time) cannot see that a block sits among
blocks it kept, in a box whose other items it kept, on a page where it kept a great deal or almost
nothing. Context smoothing of that kind is what turns a per-block classifier into a page reader: the
posts of a forum thread, the items of a collection, the rows of a documentation table rise or fall
together; the page's own share of confident blocks stands in for its expected body size, so the
threshold adapts per page without being set by hand.

STACK_FEATURES are BASE (the block's own and its page's columns of FEATURES) followed by the
context columns below. `structure` gives the ids and
flags context needs (parent and grandparent of each block's element, whether the block is an item
of a dated comment-like thread and whether article text comes before that thread, whether it is a
like/share widget); `context` turns the first stage's probabilities into the columns. Both run the
same at training time (train.py, with out-of-fold first-stage probabilities) and at run time.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from newsdesk.extract.html.blocks import FEATURES
from newsdesk.extract.html.body import Choice
from newsdesk.extract.html.dom import Flat
from newsdesk.extract.html.tidy import Furniture

STRUCTURE_COLUMNS = 5  # parent, grandparent, thread item, thread after article text, widget
CONTEXT = [
    "s1", "s1_prev1", "s1_next1", "s1_prev2", "s1_next2", "s1_window3", "s1_window10",
    "s1_siblings_mean", "s1_siblings_max", "s1_siblings_n", "s1_region_mean", "s1_region_n",
    "s1_page_max", "s1_page_mean", "s1_page_kept_share", "s1_page_kept_chars", "s1_page_kept_blocks",
    "s1_chars_above", "s1_kept_gap", "s1_inside_span", "thread_item", "thread_after_text", "widget",
]
# What the second stage sees of the block itself: its size, kind and place, the boxes around it and
# the page as a whole (the first stage's view of the rest is in its probability).
_OWN = ["tag", "log_chars", "log_words", "link_density", "link_first", "depth", "position", "rules_kept",
        "in_container", "chrome", "punct_per_word", "sentence_end", "heading", "repeats", "title_share",
        "item_run", "item_run_near", "owner_share", "parent_share", "grand_share", "parent_links",
        "comment_heading", "after_comment_heading", "siblings_kept"]
BASE = (_OWN + [name for name in FEATURES if name.startswith(("anc_", "page_"))]
        + ["hid", "hid_copy", "hid_tab_near", "hid_menu_near"])
_BASE_INDEX = [FEATURES.index(name) for name in BASE]
STACK_FEATURES = BASE + CONTEXT
STACK_CATEGORICAL = [STACK_FEATURES.index("tag")]
_LOG_CHARS = FEATURES.index("log_chars")


def structure(flat: Flat, choice: Choice, furniture: Furniture | None = None) -> npt.NDArray[np.int32]:
    """Per block: the parent and grandparent of its element, and the thread and widget flags.
    `furniture`: the page's (tidy.Furniture), when already found (else found here)."""
    n = len(flat.blocks)
    furniture = furniture or Furniture(flat)
    out = np.zeros((n, STRUCTURE_COLUMNS), np.int32)
    if not n:
        return out
    parents = np.array(flat.parents, np.int64)
    owners = np.array([block.owner for block in flat.blocks], np.int64)
    p = parents[owners]
    out[:, 0] = p
    out[:, 1] = np.where(p >= 0, parents[np.maximum(p, 0)], -1)
    threads = furniture.threads(choice.kept)
    if threads:
        ends = np.array(flat.ends, np.int64)
        for items, before in threads:  # a block in two threads takes the later one's flags
            starts = np.array(sorted(items), np.int64)  # sibling subtrees: disjoint ranges
            at = np.searchsorted(starts, owners, side="right") - 1
            inside = (at >= 0) & (owners < ends[starts[np.maximum(at, 0)]])
            out[inside, 2] = 1
            out[inside, 3] = int(before >= 300)
    out[:, 4] = furniture.widgets()
    return out


def _group_stats(keys: npt.NDArray[np.int32], p: npt.NDArray[np.float64], weights: npt.NDArray[np.float64]
                 ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Weighted mean and max of p over the blocks sharing each block's key, and the group's size."""
    _, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.ravel()
    total = np.bincount(inverse, weights=weights)
    mean = np.bincount(inverse, weights=weights * p) / np.maximum(total, 1e-9)
    count = np.bincount(inverse)
    top = np.full(len(count), -1.0)
    np.maximum.at(top, inverse, p)
    return mean[inverse], top[inverse], count[inverse].astype(np.float64)


def _shifted(values: npt.NDArray[np.float64], shift: int) -> npt.NDArray[np.float64]:
    rolled = np.roll(values, shift)
    if shift > 0:
        rolled[:shift] = -1.0
    else:
        rolled[shift:] = -1.0
    return rolled


def _window(values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], half: int
            ) -> npt.NDArray[np.float64]:
    kernel = np.ones(2 * half + 1)
    pad = np.zeros(half)
    top = np.convolve(np.concatenate([pad, values * weights, pad]), kernel, "valid")
    bottom = np.convolve(np.concatenate([pad, weights, pad]), kernel, "valid")
    result: npt.NDArray[np.float64] = top / np.maximum(bottom, 1e-9)
    return result


def context(rows: npt.NDArray[np.float32], p: npt.NDArray[np.float64], struct: npt.NDArray[np.int32]
            ) -> npt.NDArray[np.float32]:
    """The CONTEXT columns of one page, from its FEATURES rows, first-stage probabilities and structure."""
    n = len(p)
    if not n:
        return np.zeros((0, len(CONTEXT)), np.float32)
    p = p.astype(np.float64)
    chars = np.expm1(rows[:, _LOG_CHARS].astype(np.float64))
    weights = chars + 10.0
    sib_mean, sib_max, sib_n = _group_stats(struct[:, 0], p, weights)
    reg_mean, _, reg_n = _group_stats(struct[:, 1], p, weights)
    kept = p >= 0.5
    page_chars = max(float(chars.sum()), 1.0)
    kept_chars = float(chars[kept].sum())
    order = np.argsort(-p, kind="stable")
    above = np.empty(n)
    above[order] = (np.cumsum(chars[order]) - chars[order]) / page_chars
    index = np.arange(n)
    kept_idx = np.flatnonzero(kept)
    if len(kept_idx):
        nearest = np.searchsorted(kept_idx, index)
        left = kept_idx[np.clip(nearest - 1, 0, len(kept_idx) - 1)]
        right = kept_idx[np.clip(nearest, 0, len(kept_idx) - 1)]
        gap = np.minimum(np.minimum(np.abs(index - left), np.abs(index - right)), 50).astype(np.float64)
        inside = ((index >= kept_idx[0]) & (index <= kept_idx[-1])).astype(np.float64)
    else:
        gap = np.full(n, 50.0)
        inside = np.zeros(n)
    columns = np.column_stack([
        p, _shifted(p, 1), _shifted(p, -1), _shifted(p, 2), _shifted(p, -2),
        _window(p, weights, 3), _window(p, weights, 10),
        sib_mean, sib_max, np.log1p(sib_n), reg_mean, np.log1p(reg_n),
        np.full(n, p.max()), np.full(n, float((p * weights).sum() / weights.sum())),
        np.full(n, kept_chars / page_chars), np.full(n, np.log1p(kept_chars)),
        np.full(n, float(kept.sum()) / n), above, gap, inside,
        struct[:, 2], struct[:, 3], struct[:, 4],
    ])
    return columns.astype(np.float32)


def stack_rows(rows: npt.NDArray[np.float32], p: npt.NDArray[np.float64], struct: npt.NDArray[np.int32]
               ) -> npt.NDArray[np.float32]:
    """The second stage's rows: the BASE columns of FEATURES and CONTEXT side by side."""
    return np.hstack([rows[:, _BASE_INDEX], context(rows, p, struct)])
