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
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u2060\ufeff"))
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@dataclass(slots=True)
class Block:
    text: str
    link_chars: int
    owner: int  # index of the nearest block-level element
    tag: str  # that element's tag
    link_first: bool  # the block opens with a link (a teaser headline, a menu entry)


@dataclass
class Flat:
    """The page as parallel arrays over elements, plus the blocks in document order."""

    tags: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # "class id" of each element, lower-cased
    ends: list[int] = field(default_factory=list)  # subtree of element i is [i, ends[i])
    blocks: list[Block] = field(default_factory=list)

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
    buffer: list[str] = []
    link_first = has_text = False
    link_chars = 0
    link_depth = 0
    owners: list[int] = []

    def flush() -> None:
        nonlocal link_chars, link_first, has_text
        if buffer:
            text = " ".join("".join(buffer).translate(_INVISIBLE).split())
            if text and owners:
                owner = owners[-1]
                blocks.append(Block(text, min(link_chars, len(text)), owner, tags[owner], link_first))
            buffer.clear()
        link_chars = 0
        link_first = has_text = False

    # Stack entries: (node, parent element index, depth); node None marks the exit of element `parent`.
    stack: list[tuple[LexborNode | None, int, int]] = [(root, -1, 0)]
    while stack:
        node, parent, depth = stack.pop()
        if node is None:
            tag = tags[parent]
            ends[parent] = len(tags)
            if tag == "a":
                link_depth -= 1
            elif tag in BLOCK_TAGS:
                flush()
                owners.pop()
            continue
        tag = node.tag or ""
        if tag == "-text":
            text = node.text_content
            if text:
                stripped = len(text.strip())
                if link_depth:
                    link_chars += stripped
                    if stripped and not has_text:
                        link_first = True
                has_text = has_text or stripped > 0
                buffer.append(text)
            continue
        if tag in SKIP_TAGS or tag.startswith("-"):
            continue
        attrs = node.attributes
        if attrs and ("style" in attrs or "hidden" in attrs or "aria-hidden" in attrs) and is_hidden(attrs):
            continue
        index = len(tags)
        tags.append(tag)
        parents.append(parent)
        ends.append(index + 1)
        names.append(f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower() if attrs else " ")
        if tag in BLOCK_TAGS:
            flush()
            owners.append(index)
        elif tag == "a":
            link_depth += 1
        stack.append((None, index, depth))
        if depth >= max_depth:
            # Deeper markup is flattened into this element's text (lexbor walks it without recursion).
            buffer.append(" " + node.text(deep=True) + " ")
            continue
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        for child in reversed(children):
            stack.append((child, index, depth + 1))
    flush()
    return flat
