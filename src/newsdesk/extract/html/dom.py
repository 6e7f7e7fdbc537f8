"""One pass over a parsed page: the tree flattened to text blocks, each knowing its enclosing elements.

A *block* is the text between two block-level boundaries (a paragraph, a list item, a heading, a cell),
with how much of it is link text. Elements are numbered in document order, so an element's subtree is
the index range [i, end[i]) and "is this block inside that element" is two comparisons. The walk is
iterative: pages nested 100,000 levels deep do not touch Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from types import CodeType

from selectolax.lexbor import LexborNode

from newsdesk.text import drop_invisible

# Never text of the article: their content is code, controls or embedded documents.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas",
    "select", "textarea", "button", "input", "option", "head", "title", "meta", "link", "map", "audio",
    "video", "source", "track", "picture", "img", "dialog", "-comment", "!doctype",
})
BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
    "h5", "h6", "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "figure", "figcaption", "header", "footer", "nav", "aside", "address", "form", "fieldset", "legend",
    "details", "summary", "center", "hr", "br", "body", "html", "hgroup", "menu", "dir",
})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Inline styles that hide an element.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@dataclass(slots=True)
class Block:
    text: str
    link_chars: int
    owner: int  # index of the nearest block-level element
    tag: str  # that element's tag
    link_first: bool  # the block opens with a link (a teaser headline, a menu entry)


@dataclass(slots=True)
class Anchor:
    element: int
    href: str
    parts: list[str]  # its text nodes

    @property
    def text(self) -> str:
        return " ".join("".join(self.parts).split())


@dataclass
class Flat:
    """The page as parallel arrays over elements, plus the blocks in document order."""

    tags: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # "class id" of each element, lower-cased
    ends: list[int] = field(default_factory=list)  # subtree of element i is [i, ends[i])
    blocks: list[Block] = field(default_factory=list)
    anchors: list[Anchor] = field(default_factory=list)  # links with an href, in document order
    # Per element: how it is hidden and what its role says (the MARK_* bits; 0 for most elements).
    marks: list[int] = field(default_factory=list)
    hidden_blocks: int = 0  # blocks inside hidden elements (kept only by flatten(keep_hidden=True))
    hidden_elements: int = 0  # elements inside hidden elements, themselves included (the same)
    # Per hidden box kept by flatten(keep_hidden=True) (its element index): the OPEN_* bits saying how
    # a reader can show it.
    openers: dict[int, int] = field(default_factory=dict)
    _visible: tuple[Flat, list[int], list[int]] | None = field(default=None, repr=False, compare=False)

    def inside(self, element: int, ancestor: int) -> bool:
        return ancestor <= element < self.ends[ancestor]

    def is_hidden_block(self, block: int) -> bool:
        return bool(self.hidden_blocks and self.marks[self.blocks[block].owner] & MARK_INSIDE_HIDDEN)

    def visible(self) -> tuple[Flat, list[int], list[int]]:
        """The page as a reader sees it: without the elements inside hidden ones and their blocks
        (exactly what flatten gives without keep_hidden), with the index in this Flat of each of its
        blocks and of each of its elements."""
        if not self.hidden_elements:
            return self, list(range(len(self.blocks))), list(range(len(self.tags)))
        if self._visible is None:
            self._visible = self._shown()
        return self._visible

    def _shown(self) -> tuple[Flat, list[int], list[int]]:
        marks = self.marks
        element_map = [i for i, mark in enumerate(marks) if not mark & MARK_INSIDE_HIDDEN]
        new_index = [0] * (len(marks) + 1)  # new_index[i]: shown elements before element i
        count = 0
        for i, mark in enumerate(marks):
            new_index[i] = count
            if not mark & MARK_INSIDE_HIDDEN:
                count += 1
        new_index[len(marks)] = count
        view = Flat()
        view.tags = [self.tags[i] for i in element_map]
        view.parents = [new_index[self.parents[i]] if self.parents[i] >= 0 else -1 for i in element_map]
        view.names = [self.names[i] for i in element_map]
        view.ends = [new_index[self.ends[i]] for i in element_map]
        view.marks = [marks[i] for i in element_map]
        block_map = [b for b, block in enumerate(self.blocks) if not marks[block.owner] & MARK_INSIDE_HIDDEN]
        view.blocks = [Block(b.text, b.link_chars, new_index[b.owner], b.tag, b.link_first)
                       for b in (self.blocks[i] for i in block_map)]
        view.anchors = [Anchor(new_index[a.element], a.href, a.parts) for a in self.anchors
                        if not marks[a.element] & MARK_INSIDE_HIDDEN]
        return view, block_map, element_map


# Element marks (Flat.marks): how an element hides itself, whether it sits inside a hidden element,
# and what its role says (a tab panel or accordion part; a dialog, menu or navigation).
MARK_HIDDEN_ATTR = 1  # the `hidden` attribute
MARK_ARIA_HIDDEN = 2  # aria-hidden="true"
MARK_DISPLAY_NONE = 4  # inline style display:none
MARK_VISIBILITY = 8  # inline style visibility:hidden
MARK_INSIDE_HIDDEN = 16  # the element or one of its ancestors is hidden (its text only with keep_hidden)
MARK_ROLE_TAB = 32  # role tabpanel/tab/tablist/region, aria-labelledby, or a <details>
MARK_ROLE_CHROME = 64  # role dialog/alertdialog/navigation/menu/menubar/banner/contentinfo/search, aria-modal
MARK_EXPANDABLE = 128  # aria-expanded or aria-controls: a toggle, or the box it opens
MARK_LABELLED_ONLY = 256  # MARK_ROLE_TAB by aria-labelledby alone (anyone may write one: no opener by itself)
HIDDEN_MARKS = MARK_HIDDEN_ATTR | MARK_ARIA_HIDDEN | MARK_DISPLAY_NONE | MARK_VISIBILITY
_TAB_ROLES = frozenset({"tabpanel", "tab", "tablist", "region"})
_CHROME_ROLES = frozenset({"dialog", "alertdialog", "navigation", "menu", "menubar", "banner", "contentinfo",
                           "search", "tooltip", "complementary"})
_DISPLAY_NONE = re.compile(r"display\s*:\s*none", re.IGNORECASE)

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
_CHROME_BOXES = frozenset({"nav", "menu"})
# A neighbour of a box is a control (or a bar holding one) only when this small: read no further.
_SMALL_CHARS = 2000
_SMALL_NODES = 2000
_SHOWN_PAGE = 200  # a page hidden until its scripts run shows fewer characters than this without it
_LONGEST_ID = 200  # script strings longer than this are not collected (no box id is that long)
_SCRIPT_SEARCHES = 16  # ids searched in the scripts' text before their strings are collected
_TARGET_ATTRS = ("href", "data-target", "data-bs-target", "data-toggle-target", "for", "data-href")


@dataclass(slots=True)
class _References:
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


def _references(root: LexborNode) -> _References:
    """What the controls of the whole document (not only `root`'s subtree) point at."""
    page_chars = len(root.text(deep=True))
    flattened = root
    while root.parent is not None:
        root = root.parent
    scripts = "\n".join(node.text(deep=True) for node in root.css("script:not([src])"))
    found = _References(set(), set(), set(), scripts, page_chars, set(), flattened, root)
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


def _control(node: LexborNode, box_ids: list[str], references: _References) -> int:
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


def _code_key(code: CodeType) -> tuple[object, ...]:
    """A function's bytecode with its constants (limits, strings), those of nested functions and
    comprehensions included: what it does, not only the shape of its instructions."""
    return (code.co_code, code.co_names, tuple(
        _code_key(const) if isinstance(const, CodeType)
        else sorted(map(repr, const)) if isinstance(const, frozenset)  # (in an order fixed across runs)
        else const for const in code.co_consts))


def opener_signature() -> str:
    """What the openers found (and the boxes kept) depend on (train.py keys its cached rows on it)."""
    from newsdesk.extract.html import markup  # (only read here: what cuts deep boxes before the parser)

    functions = (box_openers, _control, _references, _control_of, _short_text, _element_siblings, flatten,
                 element_marks, is_hidden, shown_text, markup.limit_nesting, markup._hides,
                 _References.in_scripts, _References.labels, _References.shown_chars)
    return repr([*(_code_key(function.__code__) for function in functions),
                 _OPEN_WORDS.pattern, _WORD_SPLIT.pattern, _MORE_WORDS.pattern, _HIDDEN_STYLE.pattern,
                 _SHOWN_PAGE, _SMALL_CHARS, _SMALL_NODES, _LONGEST_ID, _SCRIPT_SEARCHES, _CONTROLS,
                 sorted(_CHROME_BOXES),
                 sorted(_TAB_ROLES), sorted(_CHROME_ROLES), sorted(SKIP_TAGS), sorted(BLOCK_TAGS)])


def box_openers(node: LexborNode, parent_node: LexborNode | None, attrs: dict[str, str | None],
                references: _References, near: list[tuple[str, int, str]], chrome: bool = False) -> int:
    """The OPEN_* bits of a hidden box: `node` (with `attrs`), its parent element's node, the
    controls' `references`, and (name, marks, tag) of the box, its parent and grandparent. A box that
    is a navigation, a menu or a dialog by its tag or ARIA role, or sits in one (`chrome`), has none."""
    if chrome or any(mark & MARK_ROLE_CHROME or tag in _CHROME_BOXES for _, mark, tag in near[:1]):
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


def is_hidden(attrs: dict[str, str | None]) -> bool:
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))


def element_marks(tag: str, attrs: dict[str, str | None]) -> int:
    """The MARK_* bits an element's own attributes give (not MARK_INSIDE_HIDDEN)."""
    marks = 0
    if "hidden" in attrs:
        marks |= MARK_HIDDEN_ATTR
    if attrs.get("aria-hidden") == "true":
        marks |= MARK_ARIA_HIDDEN
    style = attrs.get("style")
    if style and _HIDDEN_STYLE.search(style):
        marks |= MARK_DISPLAY_NONE if _DISPLAY_NONE.search(style) else MARK_VISIBILITY
    role = (attrs.get("role") or "").strip().lower()
    if role in _TAB_ROLES or tag == "details":
        marks |= MARK_ROLE_TAB
    elif "aria-labelledby" in attrs:
        marks |= MARK_ROLE_TAB | MARK_LABELLED_ONLY
    if role in _CHROME_ROLES or attrs.get("aria-modal") == "true":
        marks |= MARK_ROLE_CHROME
    if "aria-expanded" in attrs or "aria-controls" in attrs:
        marks |= MARK_EXPANDABLE
    return marks



def flatten(root: LexborNode, max_depth: int = 2000, keep_hidden: bool = False,
            openers: int | None = OPEN_ALL) -> Flat:
    """The page's elements and blocks. Hidden elements (the `hidden` attribute, aria-hidden, an inline
    display:none or visibility:hidden) are left out with their text; with `keep_hidden`, a hidden
    block-level element (a closed tab panel, an accordion's answer, but also a hidden menu or modal)
    and its subtree are kept, marked MARK_INSIDE_HIDDEN, its text in blocks of its own, so that the
    body model can choose them; `Flat.visible()` gives the page without them. Only a hidden box that
    a reader can open is kept: one with an opener of the kinds `openers` names (OPEN_* bits; see
    box_openers), recorded in Flat.openers; None keeps every hidden box (to measure them). A hidden
    inline element (an icon's glyph, a duplicate label) is always left out. Below `max_depth` open
    elements a subtree is read as the text of its shown parts, hidden ones and SKIP_TAGS left out."""
    flat = Flat()
    tags, parents, names, ends, blocks = flat.tags, flat.parents, flat.names, flat.ends, flat.blocks
    anchors, marks = flat.anchors, flat.marks
    hidden_root = -1  # the hidden element being read (keep_hidden), else -1
    hidden_from = 0  # the number of blocks when it was entered
    saved: tuple[list[str], int, bool, bool] = ([], 0, False, False)  # the shown text around it
    buffer: list[str] = []
    link_first = has_text = False
    link_chars = 0
    link_depth = 0
    owners: list[int] = []
    open_anchors: list[Anchor] = []
    references: _References | None = None  # what the page's controls point at (read at the first box)
    in_chrome: list[bool] = []  # per element: it or an ancestor is a menu, a navigation or a dialog

    def flush() -> None:
        """The buffered text as a block of the innermost open block element (only called with text:
        the link counts are reset with it, and only text sets them)."""
        nonlocal link_chars, link_first, has_text
        joined = "".join(buffer)
        text = " ".join(drop_invisible(joined).split())
        if text and owners:
            owner = owners[-1]
            blocks.append(Block(text, min(link_chars, len(text)), owner, tags[owner], link_first))
        buffer.clear()
        link_chars = 0
        link_first = has_text = False

    # A walk by first-child and next-sibling links: no per-element child lists, no recursion.
    # `open_elements` holds (node, element index) for every element whose children are being read.
    # Closing an element (ends, the open link, the block it owns) is written out where it happens.
    open_elements: list[tuple[LexborNode, int]] = []
    node: LexborNode | None = root
    parent = -1
    while node is not None:
        tag = node.tag or ""
        if tag == "-text":
            text = node.text_content
            if text:
                stripped = len(text.strip())
                if link_depth:
                    link_chars += stripped
                    # (a hidden box inside a shown link adds nothing to that link's text)
                    if open_anchors and open_anchors[-1].element >= hidden_root:
                        open_anchors[-1].parts.append(text)
                    if stripped and not has_text:
                        link_first = True
                has_text = has_text or stripped > 0
                buffer.append(text)
        elif tag not in SKIP_TAGS and not tag.startswith("-"):
            attrs = node.attributes
            mark = element_marks(tag, attrs) if attrs else (MARK_ROLE_TAB if tag == "details" else 0)
            is_block = tag in BLOCK_TAGS
            box = 0  # a hidden box's OPEN_* bits, with keep_hidden
            if mark & HIDDEN_MARKS and keep_hidden and is_block and hidden_root < 0:
                if references is None:
                    references = _references(root)
                grand = parents[parent] if parent >= 0 else -1
                near = [(f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower(), mark, tag)] + [
                    (names[e], marks[e], tags[e]) for e in (parent, grand) if e >= 0]
                box = box_openers(node, open_elements[-1][0] if open_elements else None, attrs, references,
                                  near, parent >= 0 and in_chrome[parent])
            if not mark & HIDDEN_MARKS or (keep_hidden and is_block and (
                    hidden_root >= 0 or openers is None or box & openers)):
                index = len(tags)
                if hidden_root >= 0:
                    mark |= MARK_INSIDE_HIDDEN
                elif mark & HIDDEN_MARKS:
                    # A hidden box: its text makes blocks of its own, the shown text around it waits.
                    mark |= MARK_INSIDE_HIDDEN
                    hidden_root, hidden_from = index, len(blocks)
                    flat.openers[index] = box
                    saved = (buffer.copy(), link_chars, link_first, has_text)
                    buffer.clear()
                    link_chars, link_first, has_text = 0, False, False
                if mark & MARK_INSIDE_HIDDEN:
                    flat.hidden_elements += 1
                tags.append(tag)
                parents.append(parent)
                ends.append(index + 1)
                marks.append(mark)
                in_chrome.append(bool(mark & MARK_ROLE_CHROME) or tag in _CHROME_BOXES
                                 or (parent >= 0 and in_chrome[parent]))
                names.append(f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower() if attrs else " ")
                if is_block:
                    if buffer:
                        flush()
                    owners.append(index)
                elif tag == "a":
                    link_depth += 1
                    href = attrs.get("href") if attrs else None
                    if href:
                        anchor = Anchor(index, href, [])
                        anchors.append(anchor)
                        open_anchors.append(anchor)
                if len(open_elements) >= max_depth:
                    # Deeper markup is flattened into this element's text: its shown text only.
                    buffer.append(" " + shown_text(node) + " ")
                elif node.child is not None:
                    open_elements.append((node, index))
                    parent = index
                    node = node.child
                    continue
                # Closed at once: it has no children to read.
                if is_block:
                    if buffer:
                        flush()
                    owners.pop()
                    if index == hidden_root:
                        flat.hidden_blocks += len(blocks) - hidden_from
                        buffer.extend(saved[0])
                        _, link_chars, link_first, has_text = saved
                        hidden_root = -1
                elif tag == "a":
                    link_depth -= 1
                    if open_anchors and open_anchors[-1].element == index:
                        open_anchors.pop()
        # Next sibling, or climb until an ancestor has one.
        following = node.next
        while following is None and open_elements:
            ancestor, closing = open_elements.pop()
            ends[closing] = len(tags)
            closing_tag = tags[closing]
            if closing_tag == "a":
                link_depth -= 1
                if open_anchors and open_anchors[-1].element == closing:
                    open_anchors.pop()
            elif closing_tag in BLOCK_TAGS:
                if buffer:
                    flush()
                owners.pop()
                if closing == hidden_root:
                    flat.hidden_blocks += len(blocks) - hidden_from
                    buffer.extend(saved[0])
                    _, link_chars, link_first, has_text = saved
                    hidden_root = -1
            parent = open_elements[-1][1] if open_elements else -1
            if ancestor is root:
                break
            following = ancestor.next
        if following is None or (not open_elements and node is root):
            break
        node = following
    if buffer:
        flush()
    if hidden_root >= 0:  # the walk stopped inside a hidden element (it was the root)
        flat.hidden_blocks += len(blocks) - hidden_from
    return flat


def shown_text(node: LexborNode) -> str:
    """The text of the subtree of `node`, as a reader sees it: without the text of hidden elements
    and of SKIP_TAGS (scripts, styles, templates, controls). Walked by child/next/parent links
    without recursion, so any depth is read."""
    parts: list[str] = []
    current: LexborNode | None = node.child
    stop = node.mem_id  # (selectolax makes a new Python object at each step: compare mem_ids)
    while current is not None and current.mem_id != stop:
        tag = current.tag or ""
        descend = False
        if tag == "-text":
            text = current.text_content
            if text:
                parts.append(text)
        elif tag not in SKIP_TAGS and not tag.startswith("-"):
            attrs = current.attributes
            descend = not (attrs and is_hidden(attrs))
        current = _following(current, stop, descend)
    return "".join(parts)


def _following(current: LexborNode, stop: int, descend: bool) -> LexborNode | None:
    """The node after `current` in document order within the subtree whose root has mem_id `stop`
    (its first child when `descend`), or None at the subtree's end."""
    if descend and current.child is not None:
        return current.child
    node: LexborNode | None = current
    while node is not None and node.mem_id != stop and node.next is None:
        node = node.parent
    if node is None or node.mem_id == stop:
        return None
    return node.next
