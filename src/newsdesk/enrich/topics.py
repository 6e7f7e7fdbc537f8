"""What an article is about, in newsdesk's small taxonomy: the 17 top-level IPTC Media Topics.

    >>> [(t.name, t.score) for t in assign_topics(article.title, article.body, doc, entities)]
    [('politics', 0.61), ('crime, law and justice', 0.22)]

The method is a weighted lexicon, so every assignment can be explained by the words that caused it
(`explain_topics`). Each topic has cue terms (data/topics.tsv: the names of its IPTC subtopics and their
everyday synonyms, as spaCy lemmas, some weighted up or down). A topic's evidence is the sum over its
terms of weight x (1 + ln count), where a term in the title counts TITLE_WEIGHT extra times. A topic
is assigned when its evidence is at least MIN_EVIDENCE and its share of all the article's evidence at
least MIN_SHARE (MIN_SHARE_BEST for the best one: a long article spreads some evidence over many
topics); at most MAX_TOPICS, best first, each scored with its share. The constants were tuned on one
half of publisher-labelled pages, Reuters sport slugs and PolNeAR train, and measured on the other
half and on held-out splits (benchmarks/topics.py, docs/topics.md).

English only: the terms are English lemmas, so without a spaCy Doc (text in another language) no topic
is assigned.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

from newsdesk.article import Entity, Topic

if TYPE_CHECKING:
    from spacy.strings import StringStore
    from spacy.tokens import Doc

TITLE_WEIGHT = 2.0
MIN_EVIDENCE = 2.0
MIN_SHARE = 0.3
MIN_SHARE_BEST = 0.15
MAX_TOPICS = 3
_WORD = re.compile(r"[^\W_]+(?:[-'&.][^\W_]+)*")


@dataclass(frozen=True, slots=True)
class TopicEntry:
    id: str
    name: str


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    topics: tuple[TopicEntry, ...]
    # first word of a term -> [(term words, topic index, weight)]; words as spaCy string hashes, which is
    # how a Doc's lemmas and lower-case forms are compared without making a Python string per token
    terms: dict[int, tuple[tuple[tuple[int, ...], int, float], ...]]
    names: dict[tuple[int, ...], str]  # the term of each tuple of hashes, for explanations


def parse_lexicon(text: str, source: str = "topics.tsv") -> Lexicon:
    """Read a lexicon in the format of data/topics.tsv; a malformed line raises ValueError with its place."""
    topics: list[TopicEntry] = []
    terms: dict[int, list[tuple[tuple[int, ...], int, float]]] = {}
    names: dict[tuple[int, ...], str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if len(cells) != 3 or not cells[0].startswith("medtop:"):
            raise ValueError(f"{source}:{number}: expected 'medtop:ID<TAB>name<TAB>terms'")
        index = len(topics)
        topics.append(TopicEntry(cells[0], cells[1]))
        for item in cells[2].split(","):
            term, _, weight = item.strip().rpartition(":") if ":" in item else ("", "", "")
            if not term:
                term, weight = item.strip(), "1"
            try:
                value = float(weight)
            except ValueError:
                raise ValueError(f"{source}:{number}: bad weight in {item.strip()!r}") from None
            words = tuple(_hash(word) for word in term.lower().split())
            if words:
                terms.setdefault(words[0], []).append((words, index, value))
                names[words] = " ".join(term.lower().split())
    return Lexicon(tuple(topics), {first: tuple(entries) for first, entries in terms.items()}, names)


def _hash(word: str) -> int:
    """spaCy's hash of a string: what a Doc's LEMMA and LOWER columns hold."""
    return _strings()[word]


@functools.cache
def _strings() -> StringStore:
    from spacy.strings import StringStore

    return StringStore()


@functools.cache
def load_lexicon() -> Lexicon:
    """The lexicon shipped in newsdesk/enrich/data/topics.tsv."""
    text = resources.files("newsdesk.enrich").joinpath("data/topics.tsv").read_text(encoding="utf-8")
    return parse_lexicon(text, "newsdesk/enrich/data/topics.tsv")


def taxonomy() -> list[tuple[str, str]]:
    """(id, name) of every topic newsdesk assigns."""
    return [(topic.id, topic.name) for topic in load_lexicon().topics]


Counts = Counter[tuple[int, tuple[int, ...]]]


def _count_terms(lexicon: Lexicon, lemmas: Sequence[int], forms: Sequence[int],
                 positions: Iterable[int]) -> Counts:
    """How often each (topic, term) occurs in a text given as parallel sequences of lemma and word-form
    hashes; only `positions` (those whose lemma or form starts some term) are looked at."""
    found: Counts = Counter()
    entries_of = lexicon.terms
    n = len(lemmas)
    for i in positions:
        # One word is one cue per topic ("children" is not both "child" and "children"); a longer term
        # starting there counts besides ("climate change" and "climate").
        single: set[int] = set()
        seen: set[tuple[int, tuple[int, ...]]] = set()
        for key in (int(lemmas[i]), int(forms[i])):
            for words, topic, _ in entries_of.get(key, ()):
                size = len(words)
                if (topic, words) in seen or (size == 1 and topic in single):
                    continue
                if size == 1 or (i + size <= n and all(lemmas[i + k] == words[k] or forms[i + k] == words[k]
                                                       for k in range(1, size))):
                    seen.add((topic, words))
                    if size == 1:
                        single.add(topic)
                    found[topic, words] += 1
    return found


def _doc_counts(lexicon: Lexicon, doc: Doc) -> Counts:
    if not len(doc):
        return Counter()
    lemmas, forms, types = doc.to_array(["LEMMA", "LOWER", "ENT_TYPE"]).T.tolist()
    person = doc.vocab.strings["PERSON"]
    firsts = lexicon.terms
    # Not inside a person's name: "Bill Clinton" is no bill, "Rose Byrne" no flower.
    positions = [i for i, (lemma, form, kind) in enumerate(zip(lemmas, forms, types, strict=True))
                 if (lemma in firsts or form in firsts) and kind != person]
    return _count_terms(lexicon, lemmas, forms, positions)


def _title_counts(lexicon: Lexicon, title: str) -> Counts:
    """A title's terms: titles are not parsed, so a crude singular stands in for the lemma."""
    words = [word.lower() for word in _WORD.findall(title)]
    singular = [word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))
                else word for word in words]
    forms = [_hash(word) for word in words]
    lemmas = [_hash(word) for word in singular]
    return _count_terms(lexicon, lemmas, forms, range(len(words)))


def _counts(lexicon: Lexicon, title: str | None, doc: Doc, title_weight: float) -> Counts:
    counts = _doc_counts(lexicon, doc)
    if title:
        for key, count in _title_counts(lexicon, title).items():
            counts[key] += round(count * title_weight)
    return counts


def topic_evidence(title: str | None, doc: Doc, lexicon: Lexicon | None = None) -> dict[int, float]:
    """Evidence per topic index (see the module's docstring)."""
    lexicon = lexicon or load_lexicon()
    weights = _weights(lexicon)
    evidence: dict[int, float] = {}
    for (topic, words), count in _counts(lexicon, title, doc, TITLE_WEIGHT).items():
        evidence[topic] = evidence.get(topic, 0.0) + weights[words, topic] * (1.0 + math.log(count))
    return evidence


@functools.cache
def _weights(lexicon: Lexicon) -> dict[tuple[tuple[int, ...], int], float]:
    return {(words, topic): weight for entries in lexicon.terms.values() for words, topic, weight in entries}


def assign_topics(title: str | None, body: str, doc: Doc | None, entities: list[Entity]) -> list[Topic]:
    """The article's topics from the IPTC top level, best first (at most MAX_TOPICS; maybe none).

    `doc` is the spaCy Doc of the body (or of its first part); without one (text not in English) the
    result is empty. `entities` are accepted for the enrichment stage's uniform call and not used.
    """
    del body, entities
    if doc is None:
        return []
    lexicon = load_lexicon()
    evidence = topic_evidence(title, doc, lexicon)
    total = sum(evidence.values())
    ranked = sorted(evidence.items(), key=lambda item: (-item[1], item[0]))
    topics = []
    for rank, (index, value) in enumerate(ranked[:MAX_TOPICS]):
        share = value / total
        if value < MIN_EVIDENCE or share < (MIN_SHARE if rank else MIN_SHARE_BEST):
            break
        entry = lexicon.topics[index]
        topics.append(Topic(entry.id, entry.name, round(share, 3)))
    return topics


def explain_topics(title: str | None, doc: Doc, *, top: int = 5) -> dict[str, list[tuple[str, int]]]:
    """For each topic with evidence, the terms that gave it and how often (the words behind a decision)."""
    lexicon = load_lexicon()
    out: dict[str, list[tuple[str, int]]] = {}
    for (topic, words), count in _counts(lexicon, title, doc, 1.0).most_common():
        terms = out.setdefault(lexicon.topics[topic].name, [])
        if len(terms) < top:
            terms.append((lexicon.names[words], count))
    return out
