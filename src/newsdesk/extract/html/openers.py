"""How a reader can open a hidden box (`box_openers`): the OPEN_* bits that `dom.flatten` records for
each hidden block-level element it keeps. A hidden box with none of them is never a block."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from newsdesk.extract.html.visible import (
    MARK_LABELLED_ONLY,
    MARK_ROLE_CHROME,
    MARK_ROLE_TAB,
    _following,
    code_key,
    shown_text,
)

# How a reader can open a hidden box (Flat.openers): HTML and ARIA semantics first, then the
# conventions of widget libraries. A hidden box with none of them is shown by nothing a reader can
# use (a plain display:none paragraph, text planted for machines) and is never kept as a block.
OPEN_ARIA = 1  # an element's aria-controls/aria-owns names the box (its id or its parent's), or the box's
# aria-labelledby names a tab, a button, a summary or a heading of the page (a tab panel names its tab)
OPEN_TARGET = 2  # href="#id", data-target, data-bs-target, data-toggle-target, label for= name the box
# (by id, or by class with a ".name" selector)
OPEN_ROLE = 4  # tab semantics: role tabpanel/tab/tablist/region on the box, its parent or grandparent, or
# the box is inside a <details> (an aria-labelledby alone is not: OPEN_ARIA checks what it names)
OPEN_CONTROL = 8  # a control beside the box (two element siblings before and after it, one beside its
# parent): a button, summary, label, checkbox or radio input, role=button/tab, aria-expanded,
# data-toggle/data-bs-toggle, onclick, or a link to "#..." / "javascript:" / nowhere, of short text
OPEN_MORE = 16  # that control's text asks for more (more, show, expand, read, view, see, full, all, ...)
OPEN_WORDS = 32  # class/id words of the box, its parent or grandparent (split at spaces, "-" and "_";
# a word that starts with): tab, accordion, collapse, toggle, expand, spoiler, faq, answer, disclosure,
# read-more, more, truncated, reveal, excerpt, and the slides of a carousel or slider (shown by its arrows
# and dots); "moreover", "amore" or "table" are not such words
OPEN_SCRIPT = 64  # the page's own script shows it: an inline script names the box's id as a string (a
# control's handler), or the box is a streamed chunk that fills a <template> placeholder at load (the
# two ids share what follows their colon: streaming server rendering's `<template id="B:0">` filled by
# `<div hidden id="S:0">`)
OPEN_PAGE = 128  # the page itself, hidden until its scripts have run (a wrapper with visibility:hidden
# that hydration removes): the box holds at least half of the page's text and the page shows next to
# nothing without it (under _SHOWN_PAGE characters of shown text), or the box holds 90% of the text.
# (Half alone let a display:none box of planted paragraphs beside a short story into the body.)
OPEN_ALL = (OPEN_ARIA | OPEN_TARGET | OPEN_ROLE | OPEN_CONTROL | OPEN_MORE | OPEN_WORDS | OPEN_SCRIPT
            | OPEN_PAGE)
_CONTROLS = ("button, summary, label, input[type=checkbox], input[type=radio], [role=button], [role=tab], "
             "[aria-expanded], [data-toggle], [data-bs-toggle], [onclick], a[href^='#'], "
             "a[href^='javascript'], a:not([href])")
_MORE_WORDS = re.compile(r"\b(?:more|show|expand|read|view|see|full|all|open|continue|details|weiter|mehr|"
                         r"plus|suite|más|mas|leer|ver|meer|lees|leia|altro|tutto|continua)\b|…|\.\.\.|\+",
                         re.IGNORECASE)
_OPEN_WORDS = re.compile(r"(?:tab(?!le)|accordion|collaps|toggle|expand|spoiler|faq|answer|disclosure|"
                         r"truncat|reveal|excerpt|slide|carousel|swiper|slick)\w*|(?:read|show|view|see)?more")
_WORD_SPLIT = re.compile(r"[\s_-]+")
CHROME_BOXES = frozenset({"nav", "menu"})
# A neighbour of a box is a control (or a bar holding one) only when this small: read no further.
_SMALL_CHARS = 2000
_SMALL_NODES = 2000
_SHOWN_PAGE = 200  # a page hidden until its scripts run shows fewer characters than this without it
_LONGEST_ID = 200  # script strings longer than this are not collected (no box id is that long)
_SCRIPT_SEARCHES = 16  # ids searched in the scripts' text before their strings are collected
_TARGET_ATTRS = ("href", "data-target", "data-bs-target", "data-toggle-target", "for", "data-href")


@dataclass(slots=True)
class References:
    """What the page's controls point at: ids named by aria-controls/aria-owns, and ids and classes
    named by links, data-target attributes and labels."""

    aria: set[str]
    ids: set[str]
    classes: set[str]
    scripts: str  # the text of the page's inline scripts
    page_chars: int  # the length of the text of the element flattened
    placeholders: set[str]  # the ids of <template> placeholders of streamed chunks ("B:1": "1")
    flattened: LexborNode  # the element flattened
    document: LexborNode  # the document's root
    # Read only when a box needs them (most pages have no box that does):
    shown: int = -1  # the length of the flattened element's shown text (spaces collapsed), once read
    labelled_by: set[str] | None = None  # the ids of the tabs, buttons, summaries and headings
    quoted: set[str] | None = None  # every string between two quotes of a kind in the scripts
    script_reads: int = 0  # the ids looked up in the scripts
    # Per element (mem_id) read as a neighbour of a box: None when it is no control, else the sets of
    # ids each of its naming attributes names and its OPEN_MORE bit (read once, whatever the box).
    controls: dict[int, tuple[list[set[str]], int] | None] = field(default_factory=dict)

    def shown_chars(self) -> int:
        if self.shown < 0:
            self.shown = len(" ".join(shown_text(self.flattened).split()))
        return self.shown

    def in_scripts(self, name: str) -> bool:
        """Whether an inline script holds `name` as a string. A few boxes search the scripts; past
        them, the strings between consecutive quotes are collected once (reading all the scripts once
        per box would take time in the boxes times the scripts)."""
        if self.quoted is None:
            self.script_reads += 1
            if self.script_reads <= _SCRIPT_SEARCHES:
                return f'"{name}"' in self.scripts or f"'{name}'" in self.scripts
            self.quoted = {piece for quote in "\"'" for piece in self.scripts.split(quote)[1:-1]
                           if len(piece) <= _LONGEST_ID}
        return name in self.quoted

    def labels(self) -> set[str]:
        """The ids of the tabs, buttons, summaries and headings: what a panel is labelled by."""
        if self.labelled_by is None:
            self.labelled_by = {(node.attributes.get("id") or "").strip() for node in self.document.css(
                "[role=tab][id], button[id], summary[id], h1[id], h2[id], h3[id], h4[id], h5[id], h6[id]")}
        return self.labelled_by


def read_references(root: LexborNode) -> References:
    """What the controls of the whole document (not only `root`'s subtree) point at."""
    page_chars = len(root.text(deep=True))
    flattened = root
    while root.parent is not None:
        root = root.parent
    scripts = "\n".join(node.text(deep=True) for node in root.css("script:not([src])"))
    found = References(set(), set(), set(), scripts, page_chars, set(), flattened, root)
    for node in root.css("template[id]"):
        _, colon, suffix = (node.attributes.get("id") or "").partition(":")
        if colon and suffix:
            found.placeholders.add(suffix)
    selector = ("[aria-controls], [aria-owns], [href^='#'], [data-target], [data-bs-target], "
                "[data-toggle-target], label[for], [data-href^='#']")
    for node in root.css(selector):
        attrs = node.attributes
        for name in ("aria-controls", "aria-owns"):
            value = attrs.get(name)
            if value:
                found.aria.update(value.split())
        for name in _TARGET_ATTRS:
            value = attrs.get(name)
            if not value:
                continue
            value = value.strip()
            if name == "for":
                found.ids.add(value)
            elif value.startswith("#") and len(value) > 1:
                found.ids.add(value[1:])
            elif value.startswith(".") and name != "href":
                found.classes.update(part for part in value[1:].split(".") if part)
    return found


def _control(node: LexborNode, box_ids: list[str], references: References) -> int:
    """OPEN_CONTROL (and OPEN_MORE) when the element is a control, or a small element (a heading, a
    bar: 120 characters of text at most) holding one, of short text, that does not name another
    element as the one it opens (aria-controls, data-target, href="#id" other than `box_ids`). What
    the element is does not depend on the box: it is read once per element (`references.controls`)."""
    key = node.mem_id
    if key in references.controls:
        found = references.controls[key]
    else:
        found = references.controls[key] = _control_of(node)
    if found is None:
        return 0
    named, more = found
    if any(not ids & set(box_ids) for ids in named):
        return 0
    return OPEN_CONTROL | more


def _short_text(node: LexborNode) -> str | None:
    """The text of `node`'s subtree, or None once it passes 2,000 characters or 2,000 nodes: read
    only as far as that, whatever the size of the subtree."""
    parts: list[str] = []
    length = nodes = 0
    current: LexborNode | None = node.child
    stop = node.mem_id  # (selectolax makes a new Python object at each step: compare mem_ids)
    while current is not None and current.mem_id != stop:
        nodes += 1
        if nodes > _SMALL_NODES:
            return None
        if current.tag == "-text":
            text = current.text_content or ""
            length += len(text)
            if length > _SMALL_CHARS:
                return None
            parts.append(text)
        current = _following(current, stop, descend=True)
    return "".join(parts)


def _control_of(node: LexborNode) -> tuple[list[set[str]], int] | None:
    if (node.tag or "").startswith("-"):
        return None
    whole = _short_text(node)
    if whole is None or len(" ".join(whole.split())) > 120:
        return None
    found = node.css_first(_CONTROLS)
    if found is None:
        return None
    text = " ".join(found.text(deep=True).split())
    if len(text) > 80:
        return None
    attrs = found.attributes
    named: list[set[str]] = []
    for name in ("aria-controls", "data-target", "data-bs-target", "href"):
        value = (attrs.get(name) or "").strip()
        if name != "aria-controls":
            value = value[1:] if value.startswith("#") else ""
        if value:
            named.append(set(value.split()))
    label = " ".join(filter(None, (text, attrs.get("aria-label"), attrs.get("title"))))
    return named, OPEN_MORE if _MORE_WORDS.search(label) else 0


def _element_siblings(node: LexborNode | None, forward: bool, count: int) -> list[LexborNode]:
    out: list[LexborNode] = []
    while node is not None and len(out) < count:
        node = node.next if forward else node.prev
        if node is not None and not (node.tag or "-").startswith("-"):
            out.append(node)
    return out


def box_openers(node: LexborNode, parent_node: LexborNode | None, attrs: dict[str, str | None],
                references: References, near: list[tuple[str, int, str]], chrome: bool = False) -> int:
    """The OPEN_* bits of a hidden box: `node` (with `attrs`), its parent element's node, the
    controls' `references`, and (name, marks, tag) of the box, its parent and grandparent. A box that
    is a navigation, a menu or a dialog by its tag or ARIA role, or sits in one (`chrome`), has none."""
    if chrome or any(mark & MARK_ROLE_CHROME or tag in CHROME_BOXES for _, mark, tag in near[:1]):
        return 0  # a menu, a navigation or a dialog by its own semantics: never content, open or not
    bits = 0
    ids = [attrs.get("id")]
    if parent_node is not None:
        ids.append(parent_node.attributes.get("id"))
    box_ids = [value.strip() for value in ids if value and value.strip()]
    labelled_by = attrs.get("aria-labelledby")
    if (labelled_by and set(labelled_by.split()) & references.labels()) or any(
            value in references.aria for value in box_ids):
        bits |= OPEN_ARIA
    if any(value in references.ids for value in box_ids) or (
            references.classes and set((attrs.get("class") or "").split()) & references.classes):
        bits |= OPEN_TARGET
    own = (attrs.get("id") or "").strip()
    if own and (references.in_scripts(own)
                or (":" in own and own.partition(":")[2] in references.placeholders)):
        bits |= OPEN_SCRIPT
    box_chars = len(node.text(deep=True))
    if references.page_chars > 0 and (10 * box_chars >= 9 * references.page_chars or (
            2 * box_chars >= references.page_chars and references.shown_chars() < _SHOWN_PAGE)):
        bits |= OPEN_PAGE
    for name, mark, tag in near:
        if (mark & MARK_ROLE_TAB and not mark & MARK_LABELLED_ONLY) or tag in ("details", "summary"):
            bits |= OPEN_ROLE
        if not bits & OPEN_WORDS and any(map(_OPEN_WORDS.fullmatch, _WORD_SPLIT.split(name))):
            bits |= OPEN_WORDS
    neighbours = _element_siblings(node, False, 2) + _element_siblings(node, True, 2)
    if parent_node is not None:
        neighbours += _element_siblings(parent_node, False, 1) + _element_siblings(parent_node, True, 1)
    for neighbour in neighbours:
        bits |= _control(neighbour, box_ids, references)
        if bits & OPEN_MORE:
            break
    return bits


def signature() -> list[object]:
    """What the openers found depend on: the code of the functions that find them (with their
    constants) and the patterns and limits they read."""
    functions = (box_openers, _control, read_references, _control_of, _short_text, _element_siblings,
                 References.in_scripts, References.labels, References.shown_chars)
    return [*(code_key(function.__code__) for function in functions), _OPEN_WORDS.pattern,
            _WORD_SPLIT.pattern, _MORE_WORDS.pattern, _SHOWN_PAGE, _SMALL_CHARS, _SMALL_NODES, _LONGEST_ID,
            _SCRIPT_SEARCHES, _CONTROLS, sorted(CHROME_BOXES)]
