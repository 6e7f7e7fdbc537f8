"""One pass over a parsed page: the tree flattened to text blocks, each knowing its enclosing elements.

A *block* is the text between two block-level boundaries (a paragraph, a list item, a heading, a cell),
with how much of it is link text. Elements are numbered in document order, so an element's subtree is
the index range [i, end[i]) and "is this block inside that element" is two comparisons. The walk is
iterative: pages nested 100,000 levels deep do not touch Python's recursion limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from selectolax.lexbor import LexborNode

from newsdesk.extract.html import openers, visible
from newsdesk.extract.html.openers import CHROME_BOXES, OPEN_ALL, References, box_openers, read_references
from newsdesk.extract.html.visible import (
    HIDDEN_MARKS,
    MARK_INSIDE_HIDDEN,
    MARK_ROLE_CHROME,
    MARK_ROLE_TAB,
    SKIP_TAGS,
    code_key,
    element_marks,
    shown_text,
)
from newsdesk.text import drop_invisible

BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4",
    "h5", "h6", "blockquote", "pre", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "figure", "figcaption", "header", "footer", "nav", "aside", "address", "form", "fieldset", "legend",
    "details", "summary", "center", "hr", "br", "body", "html", "hgroup", "menu", "dir",
})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})


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


def opener_signature() -> str:
    """What the openers found (and the boxes kept) depend on (train.py keys its cached rows on it)."""
    from newsdesk.extract.html import markup  # (only read here: what cuts deep boxes before the parser)

    functions = (flatten, markup.limit_nesting, markup._hides)
    return repr([*visible.signature(), *openers.signature(),
                 *(code_key(function.__code__) for function in functions), sorted(BLOCK_TAGS)])


def flatten(root: LexborNode, max_depth: int = 2000, keep_hidden: bool = False,
            openers: int | None = OPEN_ALL) -> Flat:
    """The page's elements and blocks. Hidden elements (the `hidden` attribute, aria-hidden, an inline
    display:none or visibility:hidden) are left out with their text; with `keep_hidden`, a hidden
    block-level element (a closed tab panel, an accordion's answer, but also a hidden menu or modal)
    and its subtree are kept, marked MARK_INSIDE_HIDDEN, its text in blocks of its own, so that the
    body model can choose them; `Flat.visible()` gives the page without them. Only a hidden box that
    a reader can open is kept: one with an opener of the kinds `openers` names (OPEN_* bits; see
    openers.box_openers), recorded in Flat.openers; None keeps every hidden box (to measure them). A hidden
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
    references: References | None = None  # what the page's controls point at (read at the first box)
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
                    references = read_references(root)
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
                in_chrome.append(bool(mark & MARK_ROLE_CHROME) or tag in CHROME_BOXES
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
