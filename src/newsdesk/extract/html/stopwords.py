"""Function words (stop words) of many languages, and the page language they point to.

A block of running prose is dense in its language's function words ("the", "of", "und", "que"); a
menu, a list of links or a product grid is not, in any language. jusText's main signal; here it
becomes block features (blocks.py): the share of a block's words, and of its neighbourhood's, that
are function words of the page's language.

The lists are spaCy's (spacy/lang/<code>/stop_words.py; spaCy is a dependency of the project), read
as data from the installed package's files, never imported: importing spaCy takes seconds and memory
the extractor does not need. Languages written without spaces between words (Chinese, Japanese,
Thai) are left out: their text does not split into words here.

The page's language is the one whose list holds the most of the page's words (counted with
repetition): no detector, no metadata, the text's own most common function words decide.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path

# spaCy's languages whose text does not split into words at spaces, and its multi-language stub.
_UNSPACED = frozenset({"zh", "ja", "th", "xx"})


def _list_words(source: str) -> set[str]:
    """The words of a stop_words.py's STOP_WORDS: every string in the value assigned to it (a set
    literal of words, or one string of them split at whitespace), case-folded."""
    words: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "STOP_WORDS"
                                                for t in node.targets):
            for value in ast.walk(node.value):
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    words.update(word.casefold() for word in value.value.split())
    return words


def _lists_folder() -> Path | None:
    spec = find_spec("spacy")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "lang"


@cache
def stop_lists() -> tuple[tuple[str, ...], dict[str, int]]:
    """The languages (spaCy's codes, sorted) and, for each function word, the languages whose list
    holds it as bits (bit i: languages[i]). Read once per process."""
    folder = _lists_folder()
    lists: dict[str, set[str]] = {}
    if folder is not None:
        for path in sorted(folder.glob("*/stop_words.py")):
            code = path.parent.name
            if code not in _UNSPACED:
                words = _list_words(path.read_text(encoding="utf-8"))
                if words:
                    lists[code] = words
    languages = tuple(sorted(lists))
    bits: dict[str, int] = {}
    for i, code in enumerate(languages):
        for word in lists[code]:
            bits[word] = bits.get(word, 0) | (1 << i)
    return languages, bits


# At most about this many of the page's words are read to choose its language (evenly spread over
# the page): function words are the commonest words of any text, a sample finds them.
_SAMPLE = 1000


def page_stop_words(words: Sequence[str]) -> frozenset[str]:
    """The function words of the language whose list holds most of `words` (case-folded words of
    the page, with repetition); empty when no list holds any."""
    languages, bits = stop_lists()
    hits = [0] * len(languages)
    get = bits.get
    for word, count in Counter(words[::len(words) // _SAMPLE + 1]).items():
        mask = get(word, 0)
        while mask:
            low = mask & -mask
            hits[low.bit_length() - 1] += count
            mask ^= low
    if not any(hits):
        return frozenset()
    return language_words(languages[hits.index(max(hits))])


@cache
def language_words(code: str) -> frozenset[str]:
    """The function words of one language (spaCy's code; empty for a language it has no list of)."""
    languages, bits = stop_lists()
    if code not in languages:
        return frozenset()
    bit = 1 << languages.index(code)
    return frozenset(word for word, mask in bits.items() if mask & bit)
