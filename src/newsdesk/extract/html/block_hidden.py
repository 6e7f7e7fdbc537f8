"""Features of hidden text, for the body model: the blocks of hidden elements and how they are hidden.

A page hides much of its main content until a reader asks for it: a product's description and specs
in closed tabs, the answers of a FAQ in an accordion, documentation sections that unfold. It also hides
what is never content: menus and mega-menus, modals, cookie banners, off-canvas navigation, copies of
the page for another screen size. dom.flatten(keep_hidden=True) keeps the text of hidden block-level
elements in blocks of their own (marked MARK_INSIDE_HIDDEN); these columns tell the model how each
block is hidden and where, so that it learns which to keep:

- hid, hid_attr, hid_aria, hid_display, hid_visibility: the block is inside a hidden element, and how
  the elements around it hide themselves (the `hidden` attribute, aria-hidden, display:none,
  visibility:hidden);
- hid_copy: its text is also the text of a shown block (a copy for another layout);
- hid_tab_near, hid_menu_near: the hidden box, its parent or grandparent looks like a tab panel or an
  accordion (a tab or region role, aria-labelledby, <details>, class/id words such as tab,
  accordion, collapse, panel, faq, toggle) or like a menu or a dialog (a navigation, menu or dialog
  role, aria-modal, words such as nav, menu, modal, popup, cookie, offcanvas, drawer, dropdown);
  hid_toggle: one of them has aria-expanded or aria-controls;
- hid_box_share, hid_box_links, hid_box_blocks: the hidden box's share of the page's text, its link
  density, its number of blocks; hid_parent_shown: the shown text beside it (its parent's), and
  hid_grand_kept: how much of what the rules kept sits in its grandparent; hid_boxes_near: the hidden
  boxes that share its grandparent (a set of tab panels, of accordion items);
- anc_tab, anc_menu (every block): inside a tab/accordion-like or a menu/dialog-like element;
  page_hidden_share: the page's hidden text over all its text.

Nothing here names a site: the words are the generic vocabulary of widget libraries and ARIA.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

from newsdesk.extract.html.dom import Flat
from newsdesk.extract.html.visible import (
    MARK_ARIA_HIDDEN,
    MARK_DISPLAY_NONE,
    MARK_EXPANDABLE,
    MARK_HIDDEN_ATTR,
    MARK_INSIDE_HIDDEN,
    MARK_ROLE_CHROME,
    MARK_ROLE_TAB,
    MARK_VISIBILITY,
)

HIDDEN_FEATURES = [
    "hid", "hid_attr", "hid_aria", "hid_display", "hid_visibility", "hid_copy", "hid_tab_near",
    "hid_menu_near", "hid_toggle", "hid_box_share", "hid_box_links", "hid_box_blocks", "hid_parent_shown",
    "hid_grand_kept", "hid_boxes_near", "anc_tab", "anc_menu", "page_hidden_share",
]
_TAB_WORDS = re.compile(r"tab(?!le)|accordion|collaps|panel|faq|toggle|expand|spoiler|answer|disclosure")
_MENU_WORDS = re.compile(r"nav|menu|modal|popup|pop-up|cookie|consent|gdpr|offcanvas|off-canvas|drawer|"
                         r"dropdown|overlay|lightbox|dialog|search|login|signup|newsletter|mega")
_TAB, _MENU = 1, 2


def _kinds(flat: Flat) -> list[int]:
    """Per element: _TAB when it looks like a tab panel or accordion part, _MENU like a menu/dialog."""
    cache: dict[str, int] = {}
    out = []
    for name, mark, tag in zip(flat.names, flat.marks, flat.tags, strict=True):
        kind = cache.get(name)
        if kind is None:
            kind = cache[name] = ((_TAB if _TAB_WORDS.search(name) else 0)
                                  | (_MENU if _MENU_WORDS.search(name) else 0))
        if mark & (MARK_ROLE_TAB | MARK_ROLE_CHROME):
            kind |= (_TAB if mark & MARK_ROLE_TAB else 0) | (_MENU if mark & MARK_ROLE_CHROME else 0)
        if tag in ("nav", "details", "summary"):
            kind |= _MENU if tag == "nav" else _TAB
        out.append(kind)
    return out


def _inside_any(flagged: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], n_el: int
                ) -> npt.NDArray[np.bool_]:
    """Per element: whether it is inside (or is) one of the `flagged` elements."""
    diff = np.zeros(n_el + 1, np.int64)
    np.add.at(diff, flagged, 1)
    np.add.at(diff, ends[flagged], -1)
    return np.cumsum(diff[:n_el]) > 0


_WORD = re.compile(r"\w+")


def shown_copies(flat: Flat) -> list[bool]:
    """Per block: hidden, and a copy of shown text (a layout for another screen, a share dialog
    quoting the article): the same text as a shown block, or, with three words or more, most of its
    word trigrams (70%) in the shown blocks."""
    if not flat.hidden_blocks:
        return [False] * len(flat.blocks)
    hidden = [flat.is_hidden_block(i) for i in range(len(flat.blocks))]
    shown_texts = {b.text for b, h in zip(flat.blocks, hidden, strict=True) if not h}
    shown_grams: set[tuple[str, str, str]] | None = None
    copies = []
    for block, is_hidden in zip(flat.blocks, hidden, strict=True):
        if not is_hidden:
            copies.append(False)
        elif block.text in shown_texts:
            copies.append(True)
        else:
            words = _WORD.findall(block.text.casefold())
            if len(words) < 3:
                copies.append(False)
                continue
            if shown_grams is None:
                shown_grams = set()
                for text in shown_texts:
                    shown = _WORD.findall(text.casefold())
                    shown_grams.update(zip(shown, shown[1:], shown[2:], strict=False))
            grams = list(zip(words, words[1:], words[2:], strict=False))
            copies.append(sum(gram in shown_grams for gram in grams) >= 0.7 * len(grams))
    return copies


def hidden_features(flat: Flat, kept: list[int]) -> npt.NDArray[np.float32]:
    """One row of HIDDEN_FEATURES per block of `flat` (`kept`: the blocks the rules keep)."""
    n, n_el = len(flat.blocks), len(flat.tags)
    out = np.zeros((n, len(HIDDEN_FEATURES)), np.float32)
    if not n:
        return out
    owner = np.array([b.owner for b in flat.blocks], np.int64)
    ends = np.array(flat.ends, np.int64)
    kinds = np.array(_kinds(flat), np.int64)
    out[:, 15] = _inside_any(np.flatnonzero(kinds & _TAB), ends, n_el)[owner]
    out[:, 16] = _inside_any(np.flatnonzero(kinds & _MENU), ends, n_el)[owner]
    if not flat.hidden_blocks:
        return out
    marks = np.array(flat.marks, np.int64)
    parents = np.array(flat.parents, np.int64)
    lengths = np.array([len(b.text) for b in flat.blocks], np.float64)
    links = np.array([b.link_chars for b in flat.blocks], np.float64)
    hidden = (marks[owner] & MARK_INSIDE_HIDDEN) > 0
    page_chars = max(float(lengths.sum()), 1.0)
    out[:, 17] = float(lengths[hidden].sum()) / page_chars
    # Hidden boxes: hidden elements whose parent is shown; disjoint subtrees, in document order.
    inside = (marks & MARK_INSIDE_HIDDEN) > 0
    parent_inside = np.where(parents >= 0, inside[np.maximum(parents, 0)], False)
    roots = np.flatnonzero(inside & ~parent_inside)
    at = np.searchsorted(roots, owner, side="right") - 1
    box = np.where(hidden, roots[np.maximum(at, 0)], -1)
    # Per element, the sums of the blocks under it (prefix sums over elements in document order).
    def under(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        sums: npt.NDArray[np.float64] = np.concatenate([[0.0], np.cumsum(np.bincount(owner, values, n_el))])
        result: npt.NDArray[np.float64] = sums[ends] - sums[np.arange(n_el)]
        return result
    chars_under, links_under = under(lengths), under(links)
    blocks_under = under(np.ones(n))
    shown_under = under(np.where(hidden, 0.0, lengths))
    kept_lengths = np.zeros(n)
    kept_lengths[np.array(kept, np.int64)] = lengths[np.array(kept, np.int64)]
    kept_under = under(kept_lengths)
    kept_total = max(float(kept_lengths.sum()), 1.0)
    parent_of = np.where(parents[roots] >= 0, parents[roots], roots)
    grand_of = np.where(parents[parent_of] >= 0, parents[parent_of], parent_of)
    near = (kinds[roots] | kinds[parent_of] | kinds[grand_of])
    toggles = (marks[roots] | marks[parent_of] | marks[grand_of]) & MARK_EXPANDABLE
    boxes_near = np.bincount(np.searchsorted(np.unique(grand_of), grand_of))[
        np.searchsorted(np.unique(grand_of), grand_of)]
    # How the elements from each block up to its box hide themselves.
    how = np.zeros(n, np.int64)
    for i in np.flatnonzero(hidden).tolist():
        element, top, bits = int(owner[i]), int(box[i]), 0
        while element >= top:
            bits |= flat.marks[element]
            element = flat.parents[element]
        how[i] = bits
    copies = shown_copies(flat)
    index = np.searchsorted(roots, box[hidden])  # each hidden block's box, as a position in roots
    rows = np.flatnonzero(hidden)
    out[rows, 0] = 1.0
    out[rows, 1] = (how[rows] & MARK_HIDDEN_ATTR) > 0
    out[rows, 2] = (how[rows] & MARK_ARIA_HIDDEN) > 0
    out[rows, 3] = (how[rows] & MARK_DISPLAY_NONE) > 0
    out[rows, 4] = (how[rows] & MARK_VISIBILITY) > 0
    out[rows, 5] = np.array(copies, bool)[rows]
    out[rows, 6] = (near[index] & _TAB) > 0
    out[rows, 7] = (near[index] & _MENU) > 0
    out[rows, 8] = toggles[index] > 0
    boxes = box[rows]
    out[rows, 9] = chars_under[boxes] / page_chars
    out[rows, 10] = links_under[boxes] / np.maximum(chars_under[boxes], 1.0)
    out[rows, 11] = np.log1p(blocks_under[boxes])
    out[rows, 12] = shown_under[parent_of[index]] / page_chars
    out[rows, 13] = kept_under[grand_of[index]] / kept_total
    out[rows, 14] = np.log1p(boxes_near[index])
    return out
