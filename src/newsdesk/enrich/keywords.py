"""The words and phrases that say what an article is about, each with every place the body has it.

    >>> [(k.text, k.score) for k in extract_keywords(article.title, article.body, doc, entities)]
    [('impeachment inquiry', 1.0), ('Kurt Volker', 0.83), ...]

With a spaCy Doc (English), the candidates are the article's entities (people, organisations, places,
their mentions as found by `newsdesk.enrich.entities`), its noun phrases (runs of adjectives and nouns ending
in a noun, without stop words, grouped by lemma so "tariffs" and "tariff" are one) and
its single common nouns (by lemma; GENERIC_NOUNS, words every news story uses, are left out). Each
candidate scores

    (1 + ln count) x (1 + LEAD_BONUS / (1 + first / LEAD_CHARS)) x (TITLE_BONUS if in the title) x kind

where `count` is how often the body has it and `first` where it first occurs (the lead of a news story
says what it is about); `kind` prefers names and phrases to lone nouns. The best `top` are returned,
after dropping any candidate whose words are all part of a better one ("inquiry" after
"impeachment inquiry"), scored relative to the best (1.0). The constants were tuned against
publishers' own tags on half of a set of pages and measured on the other half (benchmarks/topics.py).

Without a Doc (text in a language the English pipeline does not handle), the fallback is statistical
and language-agnostic: runs of up to three words between stop words (spaCy's stop lists of the main
European languages, read without loading the languages) and punctuation, scored the same way.

Mentions are [start, end) offsets into `body`; the Doc covers the body's first part only
(newsdesk.enrich.nlp.MAX_PARSE_CHARS, 100,000 characters), and so does the fallback: mentions of
phrases and nouns stop there, entity mentions do not.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy
import numpy.typing as npt

from newsdesk.article import Entity, Keyword, Span
from newsdesk.enrich.nlp import MAX_PARSE_CHARS

if TYPE_CHECKING:
    from spacy.tokens import Doc

LEAD_CHARS = 1000
LEAD_BONUS = 1.0
TITLE_BONUS = 3.0
KIND_WEIGHT = {"person": 1.6, "org": 1.6, "place": 1.3, "group": 0.6, "phrase": 1.0, "noun": 1.0}
MAX_PHRASE_WORDS = 4
# Nouns every kind of news story uses: never keywords on their own (they still count inside phrases).
GENERIC_NOUNS = frozenset("""
year time day week month hour minute second today yesterday tomorrow morning night evening weekend
people person man woman thing way lot part number percent % world place end case fact point kind sort
type example reason result issue problem question answer idea thing lot side area group member
report news story article comment information photo image picture video click email site page
website copyright reader subscriber newsletter subscription advertisement cookie privacy policy term
statement interview source official spokesman spokeswoman spokesperson account detail update list
use need help change move plan effort attempt decision step way process system level rate amount
share include other something anything everything nothing someone anyone everyone one thing things
life family friend home house city country state nation region town community area
name word line role job work team company business government
""".split())
# Adjectives that say nothing about a subject, trimmed from the start of a phrase ("new tariffs").
GENERIC_ADJECTIVES = frozenset("""
new old last first next big small large great good bad high low long short recent major former current
latest own same such several many few certain other top early late key main full real possible likely
local little whole different important special single total more most less least additional further
""".split())
_SKIP_POS = ("DET", "PRON", "NUM", "PUNCT", "ADP", "CCONJ", "SCONJ", "PART", "SYM", "SPACE", "X", "AUX",
             "INTJ")
_WORD = re.compile(r"[^\W_]+(?:[-'’.][^\W_]+)*")
_BOUNDARY = re.compile(r"[.,;:!?()\[\]{}\"“”«»„|/\n\t]")
_FALLBACK_LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "da", "nb", "fi", "pl", "cs", "ro",
                       "hu", "ca", "hr", "sk", "sl", "tr", "id", "ru", "uk")


def _pos_id(name: str) -> int:
    from spacy.strings import StringStore

    return StringStore()[name]  # a part-of-speech tag's symbol id, as in a Doc's POS column


_SKIP_POS_IDS = frozenset(_pos_id(name) for name in _SKIP_POS)
_NOUN, _PROPN, _PUNCT, _SYM = (_pos_id(name) for name in ("NOUN", "PROPN", "PUNCT", "SYM"))
_PHRASE_POS = frozenset({_NOUN, _PROPN, _pos_id("ADJ")})


@dataclass(slots=True)
class _Candidate:
    text: str
    kind: str
    words: tuple[str, ...]
    first: int
    spans: list[Span] = field(default_factory=list)

    def score(self, title_words: set[str]) -> float:
        lead = 1.0 + LEAD_BONUS / (1.0 + self.first / LEAD_CHARS)
        in_title = TITLE_BONUS if title_words and all(w in title_words for w in self.words) else 1.0
        return (1.0 + math.log(max(len(self.spans), 1))) * lead * in_title * KIND_WEIGHT[self.kind]


def extract_keywords(title: str | None, body: str, doc: Doc | None, entities: list[Entity], *,
                     top: int = 10) -> list[Keyword]:
    """The article's `top` keywords, best first (see the module's docstring)."""
    if top <= 0 or not body.strip():
        return []
    if doc is None:
        candidates = _fallback_candidates(body[:MAX_PARSE_CHARS], entities)
    else:
        if len(doc) and body[doc[-1].idx:doc[-1].idx + len(doc[-1].text)] != doc[-1].text:
            raise ValueError("the spaCy Doc was not made from this body")
        candidates = _candidates(body, doc, entities)
    return _best(candidates, _title_words(title), top)


def _singular(word: str) -> str:
    plural = len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))
    return word[:-1] if plural else word


def _title_words(title: str | None) -> set[str]:
    words = [w.lower() for w in _WORD.findall(title or "")]
    return set(words) | {_singular(w) for w in words}


def _candidates(body: str, doc: Doc, entities: list[Entity]) -> dict[str, _Candidate]:
    candidates: dict[str, _Candidate] = {}
    in_name = bytearray(len(body) + 1)  # 1 at each character of an entity mention
    for entity in entities:
        key = entity.name.lower()
        if not entity.mentions or key in candidates:
            continue
        words = tuple(_singular(w) for w in _WORD.findall(key))
        if not words:
            continue
        candidates[key] = _Candidate(entity.name, entity.type, words, entity.mentions[0][0],
                                     list(entity.mentions))
        for start, end in entity.mentions:
            in_name[start:end] = b"\x01" * (end - start)
    if not len(doc):
        return candidates
    # Token attributes as plain lists: a Token object per access would cost more than all the rest.
    attributes: list[int | str] = ["IDX", "LENGTH", "POS", "IS_STOP", "IS_ALPHA", "LIKE_NUM", "LEMMA",
                                   "LOWER"]
    table = numpy.asarray(doc.to_array(attributes), numpy.uint64)
    idx, length, pos, stop, _, number, lemma_ids, lower_ids = table.T.tolist()
    chunks = _phrases(table[:, 2])
    strings = doc.vocab.strings

    def lemma(i: int) -> str:
        return str(strings[lower_ids[i] if pos[i] == _PROPN else lemma_ids[i]]).lower()

    def lower(i: int) -> str:
        return str(strings[lower_ids[i]])

    def skip(i: int) -> bool:
        return pos[i] in _SKIP_POS_IDS or bool(stop[i])

    for chunk_start, chunk_end in chunks:
        first, last = chunk_start, chunk_end - 1
        while first <= last and (skip(first) or number[first] or lower(first) in GENERIC_ADJECTIVES
                                 or not _has_alnum(body, idx[first], length[first])):
            first += 1
        while last >= first and skip(last):
            last -= 1
        size = last - first + 1
        # (a lone noun is counted below; a lone name spaCy did not call an entity is left out)
        if size < 2 or size > MAX_PHRASE_WORDS or pos[last] not in (_NOUN, _PROPN):
            continue
        span = (idx[first], idx[last] + length[last])
        text = body[span[0]:span[1]]
        if "\n" in text or any(pos[i] in (_PUNCT, _SYM) for i in range(first, last + 1)):
            continue
        names = [i for i in range(first, last + 1) if in_name[idx[i]]]
        if names and all(pos[i] == _PROPN for i in range(first, last + 1)):
            continue  # a name: the entity covers it
        _add(candidates, " ".join(lemma(i) for i in range(first, last + 1)), text, "phrase", span)
    in_phrase = bytearray(len(body) + 1)  # 1 at each character of a phrase of two words or more
    for candidate in candidates.values():
        if candidate.kind == "phrase" and len(candidate.words) > 1:
            for start, end in candidate.spans:
                in_phrase[start:end] = b"\x01" * (end - start)
    nouns: dict[str, _Candidate] = {}
    # (the tests on the columns first, over all tokens at once: most are not nouns)
    lone = (table[:, 2] == _NOUN) & (table[:, 4] != 0) & (table[:, 1] > 2) & (table[:, 3] == 0)
    for i in numpy.flatnonzero(lone).tolist():
        if not in_name[idx[i]]:
            key = lemma(i)
            if key not in GENERIC_NOUNS:
                surface = body[idx[i]:idx[i] + length[i]]
                text = surface if surface.isupper() else surface.lower()
                _add(nouns, key, text, "noun", (idx[i], idx[i] + length[i]))
    for key, noun in nouns.items():
        # A noun that mostly stands inside phrases ("farmers" in "soybean farmers") is left to them.
        inside = sum(1 for start, _ in noun.spans if in_phrase[start])
        if key not in candidates and inside * 2 <= len(noun.spans):
            candidates[key] = noun
    return candidates


def _phrases(pos: npt.NDArray[numpy.uint64]) -> list[tuple[int, int]]:
    """[start, end) token ranges of the noun phrases of two words or more: maximal runs of adjectives
    and nouns (the classic keyphrase pattern; spaCy's own noun_chunks walks the parse tree at several
    times the cost). A lone noun is counted apart."""
    inside = numpy.concatenate(([0], numpy.isin(pos, list(_PHRASE_POS)).astype(numpy.int8), [0]))
    edges = numpy.flatnonzero(numpy.diff(inside))  # a run's start, then its end, in turn
    return [(start, end) for start, end in zip(edges[0::2].tolist(), edges[1::2].tolist(), strict=True)
            if end - start > 1]


def _has_alnum(body: str, start: int, length: int) -> bool:
    return any(ch.isalnum() for ch in body[start:start + length])


def _add(candidates: dict[str, _Candidate], key: str, text: str, kind: str, span: Span) -> None:
    found = candidates.get(key)
    if found is None:
        words = tuple(_singular(w) for w in _WORD.findall(key))
        if words and not all(w in GENERIC_NOUNS for w in words):
            candidates[key] = _Candidate(text, kind, words, span[0], [span])
    elif not found.spans or found.spans[-1] != span:  # spans come in order: only a repeat is the last
        found.spans.append(span)
        found.first = min(found.first, span[0])


def _best(candidates: dict[str, _Candidate], title_words: set[str], top: int) -> list[Keyword]:
    ranked = sorted(candidates.values(), key=lambda c: (-c.score(title_words), c.first))
    chosen: list[tuple[_Candidate, float]] = []
    for candidate in ranked:
        if any(_inside(candidate.words, better.words) for better, _ in chosen):
            continue
        chosen.append((candidate, candidate.score(title_words)))
        if len(chosen) == top:
            break
    if not chosen:
        return []
    best = chosen[0][1]
    return [Keyword(c.text, round(score / best, 3), sorted(c.spans)) for c, score in chosen]


def _inside(words: tuple[str, ...], longer: tuple[str, ...]) -> bool:
    """True when `words` is a run of words in `longer` (or the same)."""
    n = len(words)
    return n <= len(longer) and any(longer[i:i + n] == words for i in range(len(longer) - n + 1))


@functools.cache
def stop_words() -> frozenset[str]:
    """spaCy's stop lists of the languages in _FALLBACK_LANGUAGES, read from their files directly
    (importing a language package can take seconds: French compiles its tokenizer exceptions)."""
    import spacy

    words: set[str] = set()
    root = Path(spacy.__file__).parent / "lang"
    for code in _FALLBACK_LANGUAGES:
        path = root / code / "stop_words.py"
        spec = importlib.util.spec_from_file_location(f"_newsdesk_stop_words_{code}", path)
        if spec is None or spec.loader is None or not path.is_file():
            continue
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        words.update(w.lower() for w in getattr(module, "STOP_WORDS", ()))
    return frozenset(words)


def _fallback_candidates(body: str, entities: Iterable[Entity]) -> dict[str, _Candidate]:
    """Runs of one to three words with no stop word, number or punctuation between them."""
    stops = stop_words()
    candidates: dict[str, _Candidate] = {}
    for entity in entities:
        key = entity.name.lower()
        words = tuple(w.lower() for w in _WORD.findall(key))
        if entity.mentions and words and key not in candidates:
            candidates[key] = _Candidate(entity.name, entity.type, words, entity.mentions[0][0],
                                         list(entity.mentions))
    run: list[re.Match[str]] = []
    for piece_start, piece in _pieces(body):
        run = []
        for match in _WORD.finditer(piece):
            word = match.group().lower()
            if word in stops or len(word) < 3 or any(ch.isdigit() for ch in word):
                _flush(candidates, body, piece_start, run)
                run = []
            else:
                run.append(match)
        _flush(candidates, body, piece_start, run)
    return candidates


def _pieces(body: str) -> Iterable[tuple[int, str]]:
    start = 0
    for mark in _BOUNDARY.finditer(body):
        yield start, body[start:mark.start()]
        start = mark.end()
    yield start, body[start:]


def _flush(candidates: dict[str, _Candidate], body: str, offset: int, run: list[re.Match[str]]) -> None:
    if len(run) > 3:  # too long for a phrase (a list, a name run): its words count one by one
        for match in run:
            _flush(candidates, body, offset, [match])
        return
    if not run:
        return
    start, end = offset + run[0].start(), offset + run[-1].end()
    text = body[start:end]
    key = " ".join(m.group().lower() for m in run)
    _add(candidates, key, text, "phrase" if len(run) > 1 else "noun", (start, end))
