"""A case-insensitive regular expression searched over a page's short blocks, only where it can match.

The block features and tidy ask of every short block whether one of their phrase patterns occurs in
it ("share this", "sign up", "comments"). Run block by block, the regular expression engine tries the
pattern at every character of every block, and almost no block matches. Every match of such a
pattern contains one of a few plain words (its keywords); on an ASCII text, a case-insensitive match
of ASCII letters is a match of the lower-cased text, so the lower-cased text then holds a keyword.
`searched` finds the keywords in all the ASCII blocks of a page at once (one lower-casing, a fast
substring search per keyword) and runs the pattern only on the blocks that hold one, and on every
block that is not ASCII (whose letters may match in ways lower-casing does not show: "K" for "k").
The answer is the pattern's own, block by block.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate


def searched(pattern: re.Pattern[str], texts: list[str], limit: int, keywords: tuple[str, ...]) -> list[bool]:
    """`[len(t) < limit and pattern.search(t) is not None for t in texts]`, given `keywords`: lower-case
    ASCII strings, one of which is in the lower-cased text of every match of `pattern` on ASCII text."""
    found = [False] * len(texts)
    search = pattern.search
    plain: list[int] = []  # the ASCII texts under the limit
    for i, text in enumerate(texts):
        if len(text) < limit:
            if text.isascii():
                plain.append(i)
            elif search(text) is not None:
                found[i] = True
    if not plain:
        return found
    parts = [texts[i] for i in plain]
    joined = "\n".join(parts).lower()  # keywords hold no newline: a hit lies within one text
    starts = list(accumulate((len(part) + 1 for part in parts), initial=0))  # and the end, plus one
    hits: set[int] = set()
    find = joined.find
    for keyword in keywords:
        at = find(keyword)
        while at >= 0:
            hit = bisect_right(starts, at) - 1
            hits.add(hit)
            at = find(keyword, starts[hit + 1])  # the next text
    for hit in hits:
        i = plain[hit]
        found[i] = search(texts[i]) is not None
    return found
