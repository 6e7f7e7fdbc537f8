"""What a reader sees of an element: how it hides itself (the MARK_* bits of its own attributes) and
the text of a subtree without what is hidden, walked without recursion."""

from __future__ import annotations

import re
from types import CodeType

from selectolax.lexbor import LexborNode

# Never text of the article: their content is code, controls or embedded documents.
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "math", "iframe", "object", "embed", "canvas",
    "select", "textarea", "button", "input", "option", "head", "title", "meta", "link", "map", "audio",
    "video", "source", "track", "picture", "img", "dialog", "-comment", "!doctype",
})
# Inline styles that hide an element.
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)

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


def code_key(code: CodeType) -> tuple[object, ...]:
    """A function's bytecode with its constants (limits, strings), those of nested functions and
    comprehensions included: what it does, not only the shape of its instructions."""
    return (code.co_code, code.co_names, tuple(
        code_key(const) if isinstance(const, CodeType)
        else sorted(map(repr, const)) if isinstance(const, frozenset)  # (in an order fixed across runs)
        else const for const in code.co_consts))


def signature() -> list[object]:
    """What an element's marks and a subtree's shown text depend on (code with its constants, the
    patterns and tag sets they read)."""
    functions = (is_hidden, element_marks, shown_text, _following)
    return [*(code_key(function.__code__) for function in functions), _HIDDEN_STYLE.pattern,
            _DISPLAY_NONE.pattern, sorted(_TAB_ROLES), sorted(_CHROME_ROLES), sorted(SKIP_TAGS)]
