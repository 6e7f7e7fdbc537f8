"""Quotations in an article body: direct ones by their marks, reported speech by its syntax, each with
the cue that introduces it and, where the text says so unambiguously, the speaker. The spaCy
pipeline is the shared one of `newsdesk.enrich.nlp`; bodies longer than its MAX_PARSE_CHARS are
parsed only that far (quotation marks are still found in the rest, without speakers).

    >>> [(q.type, q.speaker_name, q.text[:20]) for q in extract_quotes(article.body)]

Every span is [start, end) character offsets into the body. A direct quote's span covers the words
inside its marks (not the marks); an indirect quote's span covers the reported clause after the cue,
without a leading "that" (and with the closing mark of a quoted fragment that ends it). `speaker` (an
entity id) stays None here: the entity linker fills it in.

Limits on bad input (measured on a shared 2-core machine under load; parsing is spaCy's and dominates):

* Empty or blank body, or no quotation mark and no reporting word: no parse, [] at once.
* Parsing: only the first MAX_PARSE_CHARS (100,000) characters; that costs spaCy 10-30 s whatever the
  text. Quotation marks are still found in the whole body; past the parsed part quotes have no cue
  and no speaker.
* After parsing, the work here is linear in the body: a 100,000-character "sentence" holding 2,273
  quotations 2.1 s, the same with one unclosed mark 0.3 s; a 5 MB body (48,000 quotations) 10 s.
  Reported speech is looked for only in sentences of at most 300 tokens; a cue only within 40 tokens
  and 2,000 characters of its quote.
* Unbalanced marks: a quotation left open runs to the end of its paragraph (or of the last following
  paragraph that opens with a mark) and never beyond; it gets a speaker only from a cue of its own.
* German, French, Dutch, Portuguese, Spanish, Italian (`language=`): `newsdesk.enrich.quote_rules`,
  rules around each quotation, linear in the body; the English parse is not used.
* A script the English pipeline does not know: quotation marks still delimit quotations; with no
  English reporting verb there is no cue and no speaker (never a guess).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from newsdesk.article import Quote
from newsdesk.enrich.nlp import MAX_PARSE_CHARS, load_pipeline, text_of
from newsdesk.enrich.quote_cues import LANGUAGES as RULE_LANGUAGES
from newsdesk.enrich.quote_cues import cue_pattern
from newsdesk.enrich.quote_marks import (
    MIN_WORDS,
    OPENERS,
    WORD,
    MarkedQuote,
    find_marked_quotes,
    paragraphs,
)
from newsdesk.enrich.quote_rules import rule_quotes

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = [
    "MAX_PARSE_CHARS",
    "Quote",
    "extract_quotes",
    "extract_quotes_batch",
    "load_pipeline",
    "quotes_from_doc",
]

# Stems of the reporting and attribution verbs (and their irregular forms): a body with none of them
# and no quotation mark has no quotation, and is not parsed.
CUE_WORDS = cue_pattern("en")


def extract_quotes(body: str, doc: Doc | None = None, *, model: str | None = None) -> list[Quote]:
    """The quotations of one body; pass `doc` when the body was already parsed (e.g. by `nlp.pipe`).
    `model` names the spaCy pipeline (default: the `spacy_pipeline` setting), loaded once per process."""
    if doc is None and might_quote(body):
        doc = load_pipeline(model)(body[:MAX_PARSE_CHARS])
    return quotes_from_doc(body, doc)


def might_quote(body: str) -> bool:
    """Whether a body needs parsing at all: it holds a quotation mark or a word like a reporting verb."""
    return bool(CUE_WORDS and CUE_WORDS.search(body)) or any(mark in body for mark in OPENERS)


def extract_quotes_batch(
    bodies: Iterable[str], *, model: str | None = None, batch_size: int = 32
) -> Iterator[list[Quote]]:
    """The quotations of many bodies, parsed together with `nlp.pipe`."""
    nlp = load_pipeline(model)
    texts = list(bodies)
    docs = nlp.pipe((text[:MAX_PARSE_CHARS] for text in texts), batch_size=batch_size)
    for text, doc in zip(texts, docs, strict=True):
        yield quotes_from_doc(text, doc)


def quotes_from_doc(body: str, doc: Doc | None, *, language: str | None = None,
                    entities: Sequence[tuple[int, int, str]] = (), choose: bool = True,
                    fragments: bool = True) -> list[Quote]:
    """The quotations of `body`, parsed as `doc` (None: marks only). With `language` one of
    `quote_rules`' (de, fr, nl, pt, es, it), that language's rules find cues and speakers, reading
    `entities` ((start, end, label) mentions, e.g. from the language's entity model) and the parse's
    entities when `doc` has any, and (with `choose`) the language's learned speaker chooser of
    `quote_chooser_multi`, where it has one, weighs their speakers; English and unknown languages go
    by the English parse, then (with
    `fragments`) the learned model of `quote_fragments` adds the paraphrases around a quoted piece
    (`called them “rapists”`) and the learned cuts of `quote_bounds` end a reported quotation holding
    quoted pieces where what was said ends, the learned filter of `quote_filter` drops quoted text
    nobody said (titles, slogans), and (with `choose`) the learned speaker chooser of `quote_chooser`
    fills or corrects their speakers."""
    from newsdesk.enrich.quote_attribution import attribute_direct, find_indirect
    from newsdesk.enrich.quote_bounds import adjust_bounds
    from newsdesk.enrich.quote_chooser import choose_speakers
    from newsdesk.enrich.quote_chooser_multi import choose_speakers_multi
    from newsdesk.enrich.quote_filter import drop_unsaid
    from newsdesk.enrich.quote_fragments import add_fragment_quotes

    if language is not None and language != "en" and language in RULE_LANGUAGES:
        if doc is not None and not body.startswith(text_of(doc)):
            raise ValueError("the spaCy Doc was not made from this body")
        found = [(e.start_char, e.end_char, e.label_) for e in doc.ents] if doc is not None else []
        quotes = rule_quotes(body, language, [*entities, *found])
        if choose:
            # A language with a fitted chooser (quote_chooser_multi) weighs the rules' speakers.
            choose_speakers_multi(body, language, quotes, [*entities, *found])
        return quotes
    if doc is not None and not body.startswith(text_of(doc)):
        raise ValueError("the spaCy Doc was not made from this body")
    marked = find_marked_quotes(body)
    quotes = [_direct(body, quote) for quote in marked]
    if doc is None:
        return quotes
    attribute_direct(body, doc, marked, quotes, paragraphs(body))
    indirect = sorted(find_indirect(doc, [q.span for q in quotes]), key=lambda q: q.span)
    # A quoted fragment inside reported speech is part of it, not a quotation of its own; a short or
    # mid-sentence fragment nobody is said to have said is a term or a scare quote.
    parsed = len(text_of(doc))
    quotes = [q for q in quotes if not _inside(q.span, indirect)
              and not (q.cue is None and q.span[0] < parsed and _fragment(q.text))]
    quotes.extend(indirect)
    quotes.sort(key=lambda q: q.span)
    # `X called the bill “a disgrace”` is found both as a labelling verb and as an attribution verb's
    # complement: one quotation, not two.
    quotes = [q for i, q in enumerate(quotes) if i == 0 or q.span != quotes[i - 1].span]
    # `She said she worries he is “too nice” …`: the reported clause of "worries" lies inside that of
    # "said". One attribution holds those words (PolNeAR gives every word to at most one): the outer.
    quotes = _outermost(quotes)
    if fragments:
        rules = frozenset(q.span for q in quotes)
        quotes = add_fragment_quotes(doc, body, quotes)
        # A reported quotation holding quoted pieces may run on past what was said: learned cuts.
        quotes = adjust_bounds(doc, body, quotes, frozenset(q.span for q in quotes) - rules)
        # Titles, slogans, names in quotation marks: a learned filter drops what nobody said.
        quotes = drop_unsaid(doc, body, quotes)
    if choose:
        choose_speakers(doc, quotes)
    return quotes


def _outermost(quotes: list[Quote]) -> list[Quote]:
    """`quotes` without the indirect ones lying inside another indirect one, in the same order."""
    inner: set[int] = set()
    reach = -1  # end of the indirect quotations kept so far, the longest first where two start together
    for q in sorted((q for q in quotes if q.type == "indirect"), key=lambda q: (q.span[0], -q.span[1])):
        if q.span[1] <= reach:
            inner.add(id(q))
        reach = max(reach, q.span[1])
    return [q for q in quotes if id(q) not in inner]


def _fragment(text: str) -> bool:
    """Fewer than MIN_WORDS words, or opening in lower case: a piece of a sentence, not speech."""
    words = WORD.findall(text)
    return len(words) < MIN_WORDS or words[0][0].islower()


def _inside(span: tuple[int, int], others: list[Quote]) -> bool:
    """Whether `span` lies strictly inside one of `others` (sorted by span)."""
    index = bisect.bisect_left(others, span[0], key=lambda q: q.span[0]) - 1
    # Reported clauses may nest; look back over the few that start before `span`.
    for other in others[max(0, index - 8) : index + 1]:
        if other.span[0] < span[0] and span[1] < other.span[1]:
            return True
    return False


def _direct(body: str, quote: MarkedQuote) -> Quote:
    return Quote(text=body[quote.start : quote.end], type="direct", span=(quote.start, quote.end))
