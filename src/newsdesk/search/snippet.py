"""Snippets: the stretch of a body that best shows why it matched, with the matched words marked.

Made here from the stored body rather than by each database (FTS5 snippet(), ts_headline), so that a
hit reads the same on every backend, and quickly: one regular expression per query, run in C.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

from newsdesk.search.query import Term
from newsdesk.search.tokens import cjk_class, fold

_CJK = re.compile(f"[{cjk_class()}]")
WIDTH = 240  # characters of body in a snippet
_CANDIDATES = 200  # matches considered as the start of the window


@dataclass(frozen=True)
class Snippet:
    text: str
    marks: tuple[tuple[int, int], ...] = ()  # character spans of `text` that matched the query

    def marked(self, before: str = "[", after: str = "]",
               escape: Callable[[str], str] = lambda text: text) -> str:
        """The text with each match wrapped, e.g. `marked("<mark>", "</mark>", html.escape)`."""
        parts: list[str] = []
        at = 0
        for start, end in self.marks:
            parts += [escape(self.text[at:start]), before, escape(self.text[start:end]), after]
            at = end
        parts.append(escape(self.text[at:]))
        return "".join(parts)

    def __str__(self) -> str:
        return self.marked()


@cache
def _variants() -> dict[str, str]:
    """For each folded character, the accented, compatibility or other-case characters that fold to it
    alone (Latin, Greek, Cyrillic and full-width forms: where such variants are common)."""
    found: dict[str, list[str]] = {}
    blocks = (range(0x80, 0x250), range(0x370, 0x530), range(0x1E00, 0x2000), range(0xFF00, 0xFFF0))
    for code in itertools.chain(*blocks):
        char = chr(code)
        if unicodedata.category(char)[0] not in "LN":
            continue
        folded = fold(char)
        if len(folded) == 1 and folded != char:
            found.setdefault(folded, []).append(char)
    return {key: "".join(chars) for key, chars in found.items()}


def _char_pattern(char: str) -> str:
    extra = _variants().get(char, "")
    upper = char.upper() if len(char.upper()) == 1 else ""
    chars = re.escape("".join(dict.fromkeys(char + upper + extra)))
    return f"[{chars}]" if len(chars) > 1 else chars


_WORD_CHAR = re.compile(r"[^\W_]")


@cache
def _pattern(terms: tuple[Term, ...]) -> re.Pattern[str] | None:
    """Any of the terms, each followed by no letter or digit (and by any for a prefix term).

    That no letter or digit comes before a (non-CJK) match is checked by `_matches`, not by a lookbehind
    here: a pattern that starts with a lookbehind is tried at every character, three times slower.
    """
    if not terms:
        return None
    marks = "[\u0300-\u036f]*"  # decomposed accents; other marks are rare outside composed text
    # Word boundaries ignore that a CJK character is a word of its own ("abc" in "abc東京" is not
    # marked): a class without CJK costs milliseconds to compile, and every query compiles its pattern.
    options = []
    for term in sorted(set(terms), key=lambda t: -len(t.text)):
        body = "".join(_char_pattern(char) + marks for char in term.text)
        if _CJK.fullmatch(term.text):
            options.append(body)
        else:
            tail = "[^\\W_]*" if term.prefix else ""
            options.append(f"{body}{tail}(?![^\\W_])")
    return re.compile("|".join(options))


def _matches(pattern: re.Pattern[str], body: str, count: int) -> list[re.Match[str]]:
    """The first `count` matches of `pattern` in `body` that start a word (or are CJK characters)."""
    out: list[re.Match[str]] = []
    at = 0
    while len(out) < count:
        match = pattern.search(body, at)
        if match is None:
            break
        start = match.start()
        if start and not _CJK.match(body, start) and _WORD_CHAR.match(body, start - 1):
            at = start + 1  # inside a word: a term may still start further in (after an accent)
            continue
        out.append(match)
        at = match.end()
    return out


def make_snippet(body: str, terms: Sequence[Term], width: int = WIDTH) -> Snippet:
    """The window of `body` holding the most distinct matched words (the opening when none match)."""
    pattern = _pattern(tuple(terms))
    matches = _matches(pattern, body, _CANDIDATES) if pattern else []
    if not matches:
        return Snippet(_trim(body, 0, width)[0])
    words = [fold(match.group()) for match in matches]
    best, best_score = 0, -1
    for index, match in enumerate(matches):
        seen = set()
        for later in range(index, len(matches)):
            if matches[later].end() > match.start() + width:
                break
            seen.add(words[later])
        if len(seen) > best_score:
            best, best_score = index, len(seen)
    start = matches[best].start()
    start = max(0, start - width // 5)
    text, offset = _trim(body, start, width)
    spans = tuple((m.start() - offset, m.end() - offset) for m in matches
                  if m.start() >= offset and m.end() <= offset + len(text))
    prefix = "…" if offset > 0 else ""
    suffix = "…" if offset + len(text) < len(body.rstrip()) else ""
    shift = len(prefix)
    return Snippet(prefix + text + suffix, tuple((a + shift, b + shift) for a, b in spans))


def _trim(body: str, start: int, width: int) -> tuple[str, int]:
    """`width` characters of `body` from about `start`, cut at spaces, whitespace collapsed nowhere."""
    if start > 0:
        space = body.find(" ", start, start + 30)
        start = space + 1 if space >= 0 else start
    end = start + width
    if end < len(body):
        space = body.rfind(" ", start + width // 2, end)
        end = space if space >= 0 else end
    text = body[start:end]
    stripped = text.lstrip()
    return stripped.rstrip(), start + len(text) - len(stripped)
