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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, cast

import numpy

from newsdesk.enrich.cues import CUE_VERBS, may_attribute

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from thinc.types import Ints2d

CONTEXT_SENTENCES = 2  # sentences before a cue where the person a pronoun refers to is looked for


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
    docs: Iterable[Doc] = (nlp.make_doc(text) for text in texts)
    for name in names:
        component = nlp.get_pipe("senter" if name == "parser" else name)
        docs = component.pipe(docs, batch_size=batch_size)  # type: ignore[attr-defined]
    for batch in _batches(docs, batch_size):
        runs = [_runs(doc, language) for doc in batch]
        parts = [_part(doc, start, end)
                 for doc, found in zip(batch, runs, strict=True) for start, end in found]
        parsed = iter(parser.pipe(parts, batch_size=batch_size))  # type: ignore[attr-defined]
        for doc, found in zip(batch, runs, strict=True):
            _set_trees(doc, [(start, next(parsed)) for start, _ in found])
            yield doc


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
    lemma_ids, types = doc.to_array(["LEMMA", "ENT_TYPE"]).T.tolist()
    strings = doc.vocab.strings
    person = strings["PERSON"]
    text = doc.text
    bounds = [(sent.start, sent.end, sent.start_char, sent.end_char) for sent in doc.sents]
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


def _part(doc: Doc, start: int, end: int) -> Doc:
    """Tokens [start, end) as a Doc of their own with their slice of the tok2vec output, and no
    sentence boundaries (the parser sets its own)."""
    from spacy.tokens import Doc

    tokens = doc[start:end]
    part = Doc(doc.vocab, words=[t.text for t in tokens], spaces=[bool(t.whitespace_) for t in tokens])
    part.tensor = doc.tensor[start:end]
    return part


def _set_trees(doc: Doc, parsed: list[tuple[int, Doc]]) -> None:
    """Copy the parsed runs' trees into `doc`; every other sentence gets a flat tree."""
    if not len(doc):
        return
    heads = numpy.zeros(len(doc), dtype="int64")
    deps = numpy.full(len(doc), doc.vocab.strings.add("dep"), dtype="uint64")
    root = doc.vocab.strings.add("ROOT")
    for sent in doc.sents:
        heads[sent.start:sent.end] = numpy.arange(0, sent.start - sent.end, -1)
        deps[sent.start] = root
    for start, part in parsed:
        if len(part):
            array = part.to_array(["HEAD", "DEP"])
            heads[start:start + len(part)] = array[:, 0].astype("int64")
            deps[start:start + len(part)] = array[:, 1]
    doc.from_array(["HEAD", "DEP"], cast("Ints2d", numpy.stack([heads.astype("uint64"), deps], axis=1)))
