"""A parse that runs the dependency parser only where something reads it.

What reads which annotation (en_core_web_sm and pipelines like it):

* entities read the named-entity recogniser (it has its own tok2vec);
* keywords read parts of speech and lemmas of every token, topics lemmas and entity types: the tagger
  (with the shared tok2vec), the attribute ruler and the lemmatizer run over the whole text;
* quotation rules read the dependency parse and sentence boundaries, and only around a cue: a
  quotation mark, a reporting verb, "according to" (`cues.may_attribute`), or a person named up to
  two sentences before one (a "he said" is resolved to the subject among them).

So every text gets the whole pipeline except the parser, with the small sentence recogniser (senter)
in its place; then the runs of sentences that may hold an attribution are parsed as short Docs of
their own, from the tok2vec output already computed for the whole text, and their trees are copied
back. Every other sentence keeps the senter's boundaries and a flat tree (its first token the root,
the rest attached to it as "dep"): a parse no rule reads. A pipeline without a parser or a senter, or
a language without cue lists, is run whole.

Three components are run by faster means that set the same annotations: the recogniser's model is
decoded in bulk (`newsdesk.enrich.greedy_ner`), the attribute ruler's single-token rules and the
lemmatizer's lemmas are looked up (FastAttributeRuler, FastLemmatizer).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import repeat
from typing import TYPE_CHECKING, Any, ClassVar

import numpy
from spacy.pipeline import AttributeRuler, Lemmatizer

from newsdesk.enrich.cues import CUE_VERBS, may_attribute
from newsdesk.enrich.greedy_ner import GreedyRecogniser
from newsdesk.enrich.nlp import made_from, text_of

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

CONTEXT_SENTENCES = 2  # sentences before a cue where the person a pronoun refers to is looked for
CACHE_SIZE = 200_000  # entries of each lookup cache (FastAttributeRuler, FastLemmatizer)


def parse_selectively(nlp: Language, texts: Iterable[str], language: str, *,
                      batch_size: int = 32) -> Iterator[Doc]:
    """One Doc per text, in order: entities, tags and lemmas everywhere, sentences everywhere, the
    dependency parse only in sentences that may hold an attribution (see the module's docstring)."""
    names = nlp.pipe_names
    if ("parser" not in names or "senter" not in nlp.component_names or "tok2vec" not in names
            or language not in CUE_VERBS):
        yield from nlp.pipe(texts, batch_size=batch_size)
        return
    parser = nlp.get_pipe("parser")
    docs: Iterable[Doc] = map(made_from, repeat(nlp), texts)
    # The senter runs last: sentence boundaries set before the recogniser bind its entities to them,
    # and the senter's are not the parser's; only a line break is a boundary for it, as for the parser.
    for name in [*(name for name in names if name != "parser"), "senter"]:
        component = nlp.get_pipe(name)
        if name == "ner":
            docs = map(_lines_apart, docs)
        if isinstance(component, AttributeRuler):
            docs = map(FastAttributeRuler.of(component), docs)
        elif FastLemmatizer.fits(component):
            docs = map(FastLemmatizer.of(component), docs)  # type: ignore[arg-type]
        elif name == "ner" and (recogniser := GreedyRecogniser.of(component)) is not None:
            docs = recogniser.pipe(docs, batch_size=batch_size)
        else:
            docs = component.pipe(docs, batch_size=batch_size)  # type: ignore[attr-defined]
        if name == "ner":
            docs = map(_lines_together, docs)
    for batch in _batches(docs, batch_size):
        runs = [_runs(doc, language) for doc in batch]
        parts = [_part(doc, start, end)
                 for doc, found in zip(batch, runs, strict=True) for start, end in found]
        parsed = iter(parser.pipe(parts, batch_size=batch_size))  # type: ignore[attr-defined]
        for doc, found in zip(batch, runs, strict=True):
            _set_trees(doc, [(start, next(parsed)) for start, _ in found])
            yield doc


class FastAttributeRuler:
    """What an AttributeRuler does to a Doc, the same, in a fraction of the time. Its single-token
    patterns on TAG, LOWER and IS_SPACE (a LOWER "IN" list counting as one pattern per word: all but
    a dozen of en_core_web_sm's) are looked up by the token's values instead of run through spaCy's
    Matcher, which tries every pattern at every token; the others go through a Matcher of their own,
    those on DEP only for a Doc that has a parse (before one they cannot match: every DEP is empty).
    Rules apply to each token in the ruler's order, later ones winning, as in the ruler."""

    _made: ClassVar[dict[int, FastAttributeRuler]] = {}
    SIMPLE = frozenset({"TAG", "LOWER", "IS_SPACE"})

    def __init__(self, ruler: AttributeRuler) -> None:
        from spacy.matcher import Matcher

        self.ruler = ruler
        self.simple: list[tuple[int, dict[str, str | bool]]] = []
        self.matcher = Matcher(ruler.vocab)
        self.dep_matcher = Matcher(ruler.vocab)
        matched: list[list[dict[str, object]]] = []  # the patterns of self.matcher
        for rule, (patterns, index) in enumerate(zip(_rule_patterns(ruler), ruler.indices, strict=True)):
            for tokens in patterns:
                if len(tokens) == 1 and index in (0, -1) and (simple := _as_simple(tokens[0])) is not None:
                    self.simple.extend((rule, token) for token in simple)
                elif any("DEP" in token for token in tokens):
                    self.dep_matcher.add(str(rule), [tokens])
                else:
                    self.matcher.add(str(rule), [tokens])
                    matched.append(tokens)
        self.cache: dict[tuple[int, int, bool], tuple[list[int], dict[int, object]]] = {}
        self.by_lower: dict[str | None, list[tuple[int, dict[str, str | bool]]]] | None = None
        # Where a Matcher pattern may start: its first token's LOWER test, when every pattern has one
        # and a fixed length (`_first_words`); the Matcher then reads only the tokens that pass it.
        self.first, self.longest = _first_words(matched)
        self.may_start: dict[int, bool] = {}  # lower id -> whether it passes a first test

    @classmethod
    def of(cls, ruler: AttributeRuler) -> FastAttributeRuler:
        made = cls._made.get(id(ruler))
        if made is None or made.ruler is not ruler:
            made = cls._made[id(ruler)] = cls(ruler)
        return made

    def _rules(self, tag: str, lower: str, space: bool) -> list[int]:
        if self.by_lower is None:  # the simple rules by the word they test (None: any word)
            self.by_lower = {}
            for rule, token in self.simple:
                word = token.get("LOWER")
                self.by_lower.setdefault(word if isinstance(word, str) else None, []).append((rule, token))
        candidates = [*self.by_lower.get(lower, ()), *self.by_lower.get(None, ())]
        return sorted({rule for rule, token in candidates
                       if token.get("TAG", tag) == tag and token.get("LOWER", lower) == lower
                       and token.get("IS_SPACE", space) == space})

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens._retokenize import set_token_attrs

        if not len(doc):
            return doc
        attrs = self.ruler.attrs
        strings = doc.vocab.strings
        tags, lowers, spaces = doc.to_array(["TAG", "LOWER", "IS_SPACE"]).T.tolist()
        others: dict[int, list[int]] = {}
        for match_id, start, end in self._matches(doc, lowers):
            rule = int(strings[match_id])
            others.setdefault(doc[start:end][self.ruler.indices[rule]].i, []).append(rule)
        for i, key in enumerate(zip(tags, lowers, spaces, strict=True)):
            found = self.cache.get(key)
            if found is None:
                if len(self.cache) >= CACHE_SIZE:  # one entry per (tag, word): bounded over a long crawl
                    self.cache.clear()
                rules = self._rules(strings[key[0]] if key[0] else "", strings[key[1]], bool(key[2]))
                merged: dict[int, object] = {}
                for rule in rules:
                    merged.update(attrs[rule])
                found = self.cache[key] = (rules, merged)
            rules, merged = found
            if i in others:
                for rule in sorted(rules + others[i]):
                    set_token_attrs(doc[i], attrs[rule])
            elif merged:
                set_token_attrs(doc[i], merged)
        return doc

    def _matches(self, doc: Doc, lowers: list[int]) -> Iterator[tuple[int, int, int]]:
        """The Matchers' matches (the parse's only when the Doc has one), as (match id, start, end);
        in no particular order (each token's rules are sorted after)."""
        if doc.has_annotation("DEP"):
            yield from self.dep_matcher(doc, allow_missing=True)
        if self.first is None:
            yield from self.matcher(doc, allow_missing=True)
            return
        if len(self.may_start) >= CACHE_SIZE:
            self.may_start.clear()
        strings = doc.vocab.strings
        for i, lower in enumerate(lowers):
            known = self.may_start.get(lower)
            if known is None:
                known = self.may_start[lower] = any(test(strings[lower]) for test in self.first)
            if known:  # a pattern may start here: the Matcher over the longest pattern's tokens
                for match_id, start, end in self.matcher(doc[i : i + self.longest], allow_missing=True):
                    if start == 0:  # (one starting later in the window is found from its own token)
                        yield match_id, i, i + end


def _first_words(patterns: list[list[dict[str, object]]]) -> tuple[list[Callable[[str], bool]] | None, int]:
    """A test of each pattern's first token's LOWER (a word, an IN list, a REGEX, as the Matcher reads
    them) and the longest pattern's length; (None, 0) when a pattern has an operator (no fixed
    length) or a first token without a LOWER test of those kinds."""
    tests: list[Callable[[str], bool]] = []
    for tokens in patterns:
        if not tokens or any("OP" in token for token in tokens):
            return None, 0
        lower = tokens[0].get("LOWER")
        if isinstance(lower, str):
            tests.append(lower.__eq__)
        elif isinstance(lower, dict) and set(lower) == {"IN"} and all(isinstance(w, str)
                                                                       for w in lower["IN"]):
            tests.append(frozenset(lower["IN"]).__contains__)
        elif isinstance(lower, dict) and set(lower) == {"REGEX"} and isinstance(lower["REGEX"], str):
            tests.append(functools.partial(_searched, re.compile(lower["REGEX"])))
        else:
            return None, 0
    return tests, max(map(len, patterns), default=0)


def _searched(pattern: re.Pattern[str], text: str) -> bool:
    return pattern.search(text) is not None


class FastLemmatizer:
    """What a Lemmatizer that fills in missing lemmas does to a Doc, the same, in a fraction of the time:
    the lemma of each (word, part of speech, morphology) is the lemmatizer's own, asked once and then
    looked up from the Doc's columns, instead of a Token object and a method call per token. Its rule
    and lookup modes read nothing else of a token."""

    _made: ClassVar[dict[int, FastLemmatizer]] = {}

    def __init__(self, lemmatizer: Lemmatizer) -> None:
        self.lemmatizer = lemmatizer
        self.cache: dict[tuple[int, int, int], str] = {}

    @staticmethod
    def fits(component: object) -> bool:
        return (isinstance(component, Lemmatizer) and component.mode in ("rule", "lookup")
                and not component.overwrite)

    @classmethod
    def of(cls, lemmatizer: Lemmatizer) -> FastLemmatizer:
        made = cls._made.get(id(lemmatizer))
        if made is None or made.lemmatizer is not lemmatizer:
            made = cls._made[id(lemmatizer)] = cls(lemmatizer)
        return made

    def __call__(self, doc: Doc) -> Doc:
        if not self.lemmatizer._validated:  # its first Doc checks its tables
            return self.lemmatizer(doc)
        if not len(doc):
            return doc
        add = doc.vocab.strings.add
        columns = doc.to_array(["ORTH", "POS", "MORPH", "LEMMA"])
        lemmas = columns[:, 3].tolist()
        for i, key in enumerate(zip(*columns[:, :3].T.tolist(), strict=True)):
            if lemmas[i]:
                continue
            lemma = self.cache.get(key)
            if lemma is None:
                if len(self.cache) >= CACHE_SIZE:
                    self.cache.clear()
                lemma = self.cache[key] = self.lemmatizer.lemmatize(doc[i])[0]
            lemmas[i] = add(lemma)
        column: Any = numpy.array(lemmas, dtype="uint64").reshape(-1, 1)  # thinc's Ints2d to spaCy's types
        doc.from_array(["LEMMA"], column)
        return doc


def _as_simple(token: dict[str, object]) -> list[dict[str, str | bool]] | None:
    """A one-token pattern as plain {attribute: value} tests, one per word of a LOWER "IN" list; None
    when it needs the Matcher."""
    if not token or not set(token) <= FastAttributeRuler.SIMPLE:
        return None
    plain: dict[str, str | bool] = {}
    words: list[str] = []
    for key, value in token.items():
        if (key == "IS_SPACE" and isinstance(value, bool)) or (key != "IS_SPACE" and isinstance(value, str)):
            plain[key] = value
        elif key == "LOWER" and isinstance(value, dict) and set(value) == {"IN"} and all(
                isinstance(word, str) for word in value["IN"]):
            words = list(value["IN"])
        else:
            return None
    return [{**plain, "LOWER": word} for word in words] if words else [plain]


def _rule_patterns(ruler: AttributeRuler) -> list[list[list[dict[str, object]]]]:
    """The token patterns of each of the ruler's rules, in its order."""
    found: list[list[list[dict[str, object]]]] = [[] for _ in ruler.attrs]
    for rule in range(len(ruler.attrs)):
        key = ruler.vocab.strings[str(rule)]
        found[rule] = [list(tokens) for tokens in ruler.matcher.get(key)[1]]
    return found


def _lines_apart(doc: Doc) -> Doc:
    """Start a sentence at the first token after each line break, for the recogniser: no entity spans
    one, as none does when the parser has set the sentences."""
    after_break = False
    starts = []
    if len(doc):
        for i, space in enumerate(doc.to_array("IS_SPACE").tolist()):  # no Token per token
            if space:
                after_break = after_break or "\n" in doc[i].text
            elif after_break:
                doc[i].is_sent_start = True
                starts.append(i)
                after_break = False
    doc.user_data["newsdesk_line_starts"] = starts
    return doc


def _lines_together(doc: Doc) -> Doc:
    """Undo `_lines_apart`: the senter and the parser set the sentences."""
    for i in doc.user_data.pop("newsdesk_line_starts", []):
        doc[i].is_sent_start = None
    return doc


def _batches(docs: Iterable[Doc], size: int) -> Iterator[list[Doc]]:
    batch: list[Doc] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _runs(doc: Doc, language: str) -> list[tuple[int, int]]:
    """[start, end) token ranges of the runs of sentences to parse."""
    if not len(doc):
        return []
    lemma_ids, types, idx, length = doc.to_array(["LEMMA", "ENT_TYPE", "IDX", "LENGTH"]).T.tolist()
    strings = doc.vocab.strings
    person = strings["PERSON"]
    text = text_of(doc)
    bounds = [(start, end, idx[start], idx[end - 1] + length[end - 1]) for start, end in _sentences(doc)]
    chosen = [may_attribute(text[first:last], {strings[i].lower() for i in set(lemma_ids[start:end])},
                            language) for start, end, first, last in bounds]
    wanted = list(chosen)
    for index, cue in enumerate(chosen):
        if cue:
            for before in range(max(0, index - CONTEXT_SENTENCES), index):
                start, end = bounds[before][:2]
                wanted[before] = wanted[before] or person in types[start:end]
    runs: list[tuple[int, int]] = []
    for (start, end, _, _), want in zip(bounds, wanted, strict=True):
        if not want:
            continue
        if runs and runs[-1][1] == start:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return runs


def _sentences(doc: Doc) -> list[tuple[int, int]]:
    """[start, end) token ranges of the sentences, as `doc.sents` has them (without a Span and a Token
    object per token, which cost more than the parse they decide about)."""
    starts = [0, *((doc.to_array("SENT_START")[1:] == 1).nonzero()[0] + 1).tolist()]
    return list(zip(starts, [*starts[1:], len(doc)], strict=True))


def _part(doc: Doc, start: int, end: int) -> Doc:
    """Tokens [start, end) as a Doc of their own with their slice of the tok2vec output, and no
    sentence boundaries (the parser sets its own)."""
    from spacy.tokens import Doc

    orths, spaces = doc.to_array(["ORTH", "SPACY"])[start:end].T.tolist()  # no Token object per token
    strings = doc.vocab.strings
    part = Doc(doc.vocab, words=[strings[orth] for orth in orths], spaces=[bool(space) for space in spaces])
    part.tensor = doc.tensor[start:end]
    return part


def _set_trees(doc: Doc, parsed: list[tuple[int, Doc]]) -> None:
    """Copy the parsed runs' trees into `doc`; every other sentence gets a flat tree."""
    if not len(doc):
        return
    heads = numpy.zeros(len(doc), dtype="int64")
    deps = numpy.full(len(doc), doc.vocab.strings.add("dep"), dtype="uint64")
    root = doc.vocab.strings.add("ROOT")
    for start, end in _sentences(doc):
        heads[start:end] = numpy.arange(0, start - end, -1)
        deps[start] = root
    for start, part in parsed:
        if len(part):
            array = part.to_array(["HEAD", "DEP"])
            heads[start:start + len(part)] = array[:, 0].astype("int64")
            deps[start:start + len(part)] = array[:, 1]
    trees: Any = numpy.stack([heads.astype("uint64"), deps], axis=1)  # spaCy types it with thinc's Ints2d
    doc.from_array(["HEAD", "DEP"], trees)
