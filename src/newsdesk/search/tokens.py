"""The one tokenizer behind full-text search, so that every backend indexes exactly the same words.

Text is folded (compatibility forms, case, diacritics: "Zürich" -> "zurich", "ﬁne" -> "fine"), then split
into tokens: runs of letters and digits, except that Chinese and Japanese characters
are one token each (those scripts have no spaces, so a word like 東京 is searched as the phrase 東 京).
SQLite's FTS5 indexes the tokens joined by spaces with its `ascii` tokenizer (which keeps them as
they are), PostgreSQL gets a tsvector literal built here, and the in-memory store the token lists.

PostgreSQL keeps positions up to 16,383, at most 255 positions per word and 1 MB per tsvector; the
index of a document is capped the same way for every backend (`MAX_*` below), so results agree.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

TOKENIZER_VERSION = 1  # bump when tokens change: stores rebuild their full-text index on open
MAX_POSITIONS = 16_383  # PostgreSQL's largest tsvector position
MAX_OCCURRENCES = 255  # PostgreSQL keeps at most this many positions of one word
MAX_TOKEN_LENGTH = 100  # longer runs (base64, hashes) are not words anyone searches for
MAX_INDEX_BYTES = 900_000  # under PostgreSQL's 1 MB tsvector limit
# Stands in, in the SQLite index, for a token that is not indexed, so positions stay the same as in
# PostgreSQL. A private-use character: folding never produces it, so no query can match it.
PLACEHOLDER = "\ue000"

_CJK_RANGES = ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
# (Ideographs beyond the basic plane are rare; leaving them out keeps the token pattern a fast bitmap.)
_WEIGHTS = ("A", "B", "D")  # title, authors, body


_CJK = "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in _CJK_RANGES)
# A token is one CJK character or a run of letters and digits that are not CJK ones.
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


def _class(predicate: Callable[[str], bool], codes: range) -> str:
    ranges: list[list[int]] = []
    for code in codes:
        if predicate(chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return "".join(f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges)


def _is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"


@cache
def _marks(astral: bool) -> re.Pattern[str]:
    """Combining marks of the basic plane, or of the others (kept apart: a class of basic-plane
    characters only is matched by a bitmap, many times faster)."""
    if not astral:
        return re.compile(f"[{_class(_is_mark, range(0x10000))}]+")
    # Beyond the basic plane, marks are only in the supplementary multilingual and special planes.
    planes = _class(_is_mark, range(0x10000, 0x20000)) + _class(_is_mark, range(0xE0000, 0xE1000))
    return re.compile(f"[{planes}]+")


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def fold(text: str) -> str:
    """Compatibility forms, case and marks (diacritics, vowel signs) folded away: what is indexed."""
    if text.isascii():
        return text.lower()
    folded = _marks(False).sub("", unicodedata.normalize("NFKD", text).casefold())
    if _ASTRAL.search(folded):
        folded = _marks(True).sub("", folded)
    return unicodedata.normalize("NFC", folded)


def tokens(text: str) -> list[str]:
    """The searchable tokens of `text`, in order."""
    return _TOKEN.findall(fold(text))


def cjk_class() -> str:
    """The regular-expression class (without brackets) of characters that are a token each."""
    return _CJK


@dataclass(frozen=True)
class IndexedDocument:
    """The tokens of a document's three fields (title, authors, body), capped as the module says.

    A token that is not indexed is `PLACEHOLDER`; PostgreSQL positions run on across fields with one
    unused position between fields (and between authors), so that no phrase spans two of them.
    """

    fields: tuple[list[str], list[str], list[str]]

    def columns(self) -> tuple[str, str, str]:
        """The three FTS5 column values."""
        title, authors, body = self.fields
        return " ".join(title), " ".join(authors), " ".join(body)

    def tsvector(self) -> str:
        """A PostgreSQL tsvector literal with positions and weights (title A, authors B, body D)."""
        positions: dict[str, list[str]] = {}
        position = 0
        for weight, field in zip(_WEIGHTS, self.fields, strict=True):
            suffix = "" if weight == "D" else weight
            for offset, token in enumerate(field, position + 1):
                if token != PLACEHOLDER:
                    positions.setdefault(token, []).append(f"{offset}{suffix}")
            position += len(field) + 1
        # Tokens are letters and digits only: nothing in them needs quoting.
        return " ".join(f"'{token}':{','.join(spots)}" for token, spots in positions.items())


def index_document(title: str | None, authors: Sequence[str], body: str | None) -> IndexedDocument:
    """Tokenise a document for indexing, with the same caps on every backend."""
    # Authors are separated by a placeholder so that a phrase never runs from one name into the next.
    author_tokens: list[str] = []
    for number, author in enumerate(authors):
        if number:
            author_tokens.append(PLACEHOLDER)
        author_tokens.extend(tokens(author))
    raw = (tokens(title or ""), author_tokens, tokens(body or ""))
    every = [token for field in raw for token in field]
    counts = Counter(every)
    if (len(every) + 3 <= MAX_POSITIONS and max(counts.values(), default=0) <= MAX_OCCURRENCES
            and 4 * sum(map(len, counts)) + 8 * len(counts) + 2 * len(every) <= MAX_INDEX_BYTES
            and max(map(len, counts), default=0) <= MAX_TOKEN_LENGTH):
        return IndexedDocument(raw)
    return IndexedDocument(_capped(raw))


def _capped(raw: tuple[list[str], list[str], list[str]]) -> tuple[list[str], list[str], list[str]]:
    seen: dict[str, int] = {}
    budget = MAX_INDEX_BYTES
    position = 0
    out: tuple[list[str], list[str], list[str]] = ([], [], [])
    for field, kept in zip(raw, out, strict=True):
        for token in field:
            position += 1
            if position > MAX_POSITIONS:
                return out
            count = seen.get(token, 0)
            if token == PLACEHOLDER or len(token) > MAX_TOKEN_LENGTH or count >= MAX_OCCURRENCES:
                kept.append(PLACEHOLDER)
                continue
            cost = 2 + (len(token.encode("utf-8")) + 8 if count == 0 else 0)
            if cost > budget:
                return out
            budget -= cost
            seen[token] = count + 1
            kept.append(token)
        position += 1
    return out
