"""Guards run on raw markup before the HTML parser sees it.

lexbor's tree building slows down with the square of the nesting depth (100,000 nested `<div>`s
take minutes), so hostile nesting is cut to `max_depth` here, in one linear pass, keeping every
character of text. Ordinary pages are never touched: the pass only runs on pages with many tags.
"""

from __future__ import annotations

import re

# Elements that never hold children, and those the parser closes by itself when a sibling opens:
# neither deepens the tree.
_NOT_NESTING = frozenset("""
area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option
thead tbody tfoot colgroup optgroup rp rt
""".split())
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
# A page needs at least this many tags before nesting can cost the parser noticeable time.
_TAGS_WORTH_CHECKING = 8_000


def limit_nesting(markup: str, max_depth: int) -> str:
    """`markup` with every tag nested deeper than `max_depth` removed (its text stays)."""
    if markup.count("<") < max(_TAGS_WORTH_CHECKING, max_depth):
        return markup
    pieces: list[str] = []
    depth = 0
    kept_until = 0
    changed = False
    for match in _TAG.finditer(markup):
        closing, name, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if name in _NOT_NESTING or self_closing:
            continue
        if closing:
            too_deep = depth > max_depth
            depth = max(depth - 1, 0)
        else:
            depth += 1
            too_deep = depth > max_depth
        if too_deep:
            pieces.append(markup[kept_until : match.start()])
            pieces.append(" ")
            kept_until = match.end()
            changed = True
    if not changed:
        return markup
    pieces.append(markup[kept_until:])
    return "".join(pieces)
