"""One pass over a parsed page: the tree flattened to text blocks, each knowing its enclosing elements.

A *block* is the text between two block-level boundaries (a paragraph, a list item, a heading, a cell),
with how much of it is link text. Elements are numbered in document order, so an element's subtree is
the index range [i, end[i]) and "is this block inside that element" is two comparisons. The walk is
iterative: pages nested 100,000 levels deep do not touch Python's recursion limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
# Soft hyphens and zero-width spaces split words for the eye only; search and scoring need them whole.
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

    def inside(self, element: int, ancestor: int) -> bool:
        return ancestor <= element < self.ends[ancestor]


def is_hidden(attrs: dict[str, str | None]) -> bool:
    if "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    style = attrs.get("style")
    return bool(style and _HIDDEN_STYLE.search(style))



def flatten(root: LexborNode, max_depth: int = 2000) -> Flat:
    flat = Flat()
    tags, parents, names, ends, blocks = flat.tags, flat.parents, flat.names, flat.ends, flat.blocks
    anchors = flat.anchors
    buffer: list[str] = []
    link_first = has_text = False
    link_chars = 0
    link_depth = 0
    owners: list[int] = []
    open_anchors: list[Anchor] = []

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
                    if open_anchors:
                        open_anchors[-1].parts.append(text)
                    if stripped and not has_text:
                        link_first = True
                has_text = has_text or stripped > 0
                buffer.append(text)
        elif tag not in SKIP_TAGS and not tag.startswith("-"):
            attrs = node.attributes
            if not (attrs and ("style" in attrs or "hidden" in attrs or "aria-hidden" in attrs)
                    and is_hidden(attrs)):
                index = len(tags)
                tags.append(tag)
                parents.append(parent)
                ends.append(index + 1)
                names.append(f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower() if attrs else " ")
                is_block = tag in BLOCK_TAGS
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
                    # Deeper markup is flattened into this element's text (lexbor walks it without
                    # recursion).
                    buffer.append(" " + node.text(deep=True) + " ")
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
            parent = open_elements[-1][1] if open_elements else -1
            if ancestor is root:
                break
            following = ancestor.next
        if following is None or (not open_elements and node is root):
            break
        node = following
    if buffer:
        flush()
    return flat
