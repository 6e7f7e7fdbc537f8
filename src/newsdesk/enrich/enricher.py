"""Enrichment of whole articles: language, entities, quotations with their speakers linked to the
article's entities, topics and keywords. Ingest, `newsdesk enrich`, `annotate` and batch runs all
come through `enrich_articles`.

    >>> enrich_articles(articles)          # fills the fields in place
    >>> article.quotes[0].speaker == article.entities[1].id

The spaCy pipeline is loaded once per process and fed in batches (`nlp.pipe`); the dependency parser
runs only over the sentences that may hold an attribution (`newsdesk.enrich.selective`), every other
component over the whole text. A body is parsed up to MAX_PARSE_CHARS; entities and quotation marks
further on are still found by their spelling, without a parse. German, French, Dutch and Portuguese
get their entities from the small models shipped for them (`newsdesk.enrich.models`). A body in
German, French, Dutch, Portuguese, Spanish or Italian gets its quotations with cues and speakers by
`newsdesk.enrich.quote_rules` (reading the entities of its pipeline when it has one); in another
language without a pipeline it keeps its language and its direct quotes (found by their marks), and
has no entities. Nothing is invented: every span points into the body (or, for
`Entity.caption_mentions`, into the lead image's caption).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsdesk.article import Article, Entity, Quote
from newsdesk.enrich import models
from newsdesk.enrich.aliases import AliasTable, load_aliases
from newsdesk.enrich.entities import extract_entities
from newsdesk.enrich.keywords import extract_keywords
from newsdesk.enrich.language import detect_language
from newsdesk.enrich.nlp import MAX_PARSE_CHARS, load_pipeline, text_of
from newsdesk.enrich.quotes import quotes_from_doc
from newsdesk.enrich.selective import parse_selectively
from newsdesk.enrich.topics import assign_topics
from newsdesk.settings import Settings
from newsdesk.text import language_key

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

# Bumped when what enrichment finds changes enough that stored articles are worth enriching again.
ENRICHMENT_VERSION = "2"
BATCH_SIZE = 16
_ZONE_LOCK = threading.Lock()  # one spaCy memory zone at a time in a process
# Words kept known to spaCy across memory zones (_keep_recurring_words):
KEPT_WORDS = 30_000  # per pipeline: the words tokenized outside the memory zone, for good
COUNTED_WORDS = 100_000  # words counted (in how many batches each was met) before the count restarts
MET_TIMES = 2  # batches a word is met in before it is kept
MAX_KEPT_LENGTH = 30  # characters: a longer "word" is a URL or a run of symbols, not worth keeping


def enrich_articles(articles: Sequence[Article], settings: Settings | None = None, *,
                    batch_size: int = BATCH_SIZE) -> None:
    """Fill in `language`, `entities`, `quotes`, `topics`, `keywords` and `enrichment` of every
    article, in place. Articles in one language are parsed together."""
    settings = settings or Settings.from_env()
    aliases = load_aliases(settings.alias_file)
    pipelines = models.pipelines(settings)
    by_pipeline: dict[tuple[str | None, str], list[Article]] = {}
    for article in articles:
        how = _set_language(article)
        article.enrichment = {"version": ENRICHMENT_VERSION, "language": how}
        language = language_key(article.language) or "en"
        by_pipeline.setdefault((pipelines.get(language), language), []).append(article)
    for (name, language), group in by_pipeline.items():
        if name is None:
            for article in group:
                _enrich(article, None, None, aliases)
            continue
        nlp = load_pipeline(name)
        label = models.label(name, nlp.meta)
        # Every string a parse adds to the vocabulary is freed when the zone closes: without it a
        # worker's memory grows with each new word it meets, without bound over a crawl. Nothing of
        # a Doc outlives the zone (the fields are plain strings and offsets); zones must not overlap.
        with _ZONE_LOCK:
            with nlp.memory_zone():
                bodies = parse_selectively(nlp, (article.body[:MAX_PARSE_CHARS] for article in group),
                                           language, batch_size=batch_size)
                captions = _caption_docs(group, name, language, batch_size)
                full = not models.entities_only(name)
                for article, doc, caption_doc in zip(group, bodies, captions, strict=True):
                    _enrich(article, doc, caption_doc, aliases, full=full)
                    article.enrichment["pipeline"] = label
            _keep_recurring_words(nlp, name, (article.body[:MAX_PARSE_CHARS] for article in group))


@dataclass
class _Recurring:
    met: Counter[str] = field(default_factory=Counter)  # word -> batches it was met in
    kept: set[str] = field(default_factory=set)


_RECURRING: dict[str, _Recurring] = {}


def _keep_recurring_words(nlp: Language, name: str, texts: Iterable[str]) -> None:
    """Tokenize, outside the memory zone, the words (space-separated) met in MET_TIMES batches, up to
    KEPT_WORDS of them: spaCy keeps their lexemes and its tokenizer's entries for good. Inside the
    zone every word's lexeme is made anew and freed after; the words news repeat become known, a
    crawl's endless names and numbers do not. The same tokens either way: this only keeps spaCy's
    caches. Called under _ZONE_LOCK (no zone may be open meanwhile)."""
    recurring = _RECURRING.setdefault(name, _Recurring())
    if len(recurring.kept) >= KEPT_WORDS:
        return
    if len(recurring.met) > COUNTED_WORDS:
        recurring.met.clear()
    words = {word for text in texts for word in text.split() if len(word) <= MAX_KEPT_LENGTH}
    words -= recurring.kept
    recurring.met.update(words)
    for word in words:
        if recurring.met[word] >= MET_TIMES:
            nlp.tokenizer(word)
            recurring.kept.add(word)
            del recurring.met[word]
            if len(recurring.kept) >= KEPT_WORDS:
                return


def enrich_text(text: str, settings: Settings | None = None) -> Article:
    """An article whose body is `text` verbatim (no extraction), enriched: what `annotate` prints."""
    article = Article(body=text)
    enrich_articles([article], settings)
    return article


def _set_language(article: Article) -> str:
    """Detected from the title and body; the page's declared language is kept when it agrees (it may
    carry a region, "en-GB") or when nothing can be detected. Returns how it was decided."""
    detected = detect_language(f"{article.title or ''}\n{article.body}")
    if detected is None:
        return "declared" if article.language else "unknown"
    if language_key(article.language) != detected:
        article.language = detected
        return "detected"
    return "declared"


def _caption_docs(group: list[Article], name: str, language: str, batch_size: int) -> Iterator[Doc | None]:
    nlp = load_pipeline(name)
    captions = [_caption(article) for article in group]
    docs = parse_selectively(nlp, (text for text in captions if text), language, batch_size=batch_size)
    for text in captions:
        yield next(docs) if text else None


def _caption(article: Article) -> str:
    return (article.image.caption or "")[:MAX_PARSE_CHARS] if article.image else ""


def _enrich(article: Article, doc: Doc | None, caption_doc: Doc | None, aliases: AliasTable, *,
            full: bool = True) -> None:
    """`full` False: `doc` has entities only (a shipped model), the other stages go without a parse."""
    body = article.body
    article.entities = extract_entities(body, doc, aliases=aliases) if doc is not None else []
    if caption_doc is not None:
        _add_caption_entities(article.entities, extract_entities(text_of(caption_doc), caption_doc,
                                                                 aliases=aliases))
    if not full:
        doc = None
    article.quotes = quotes_from_doc(body, doc, language=language_key(article.language),
                                     entities=speaker_mentions(article.entities))
    link_speakers(article.quotes, article.entities)
    article.topics = assign_topics(article.title, body, doc, article.entities)
    article.keywords = extract_keywords(article.title, body, doc, article.entities)


def _add_caption_entities(entities: list[Entity], in_caption: list[Entity]) -> None:
    """Caption mentions join the body's entity of the same id, or of the full name a lone surname
    ends (a caption's "Mr Rutte"); an entity only the caption names is added with no body mentions."""
    by_id = {entity.id: entity for entity in entities}
    for found in in_caption:
        same = by_id.get(found.id) or _full_name(entities, found)
        if same is None:
            found.caption_mentions, found.mentions = found.mentions, []
            entities.append(found)
            by_id[found.id] = found
        else:
            same.caption_mentions.extend(found.mentions)


def _full_name(entities: list[Entity], surname: Entity) -> Entity | None:
    if surname.type != "person" or " " in surname.name:
        return None
    matches = [e for e in entities if e.type == "person" and e.name.split()[-1] == surname.name]
    return matches[0] if len(matches) == 1 else None


SPEAKER_LABELS = {"person": "PERSON", "org": "ORG", "group": "NORP"}


def speaker_mentions(entities: list[Entity]) -> list[tuple[int, int, str]]:
    """The mentions of the entities that may speak, as (start, end, label): the other languages'
    quotation rules take a speaker at one of them whole."""
    return sorted((start, end, SPEAKER_LABELS[entity.type]) for entity in entities
                  if entity.type in SPEAKER_LABELS for start, end in entity.mentions)


def link_speakers(quotes: list[Quote], entities: list[Entity]) -> None:
    """Give each quote whose speaker the text names the id of that entity: the entity with a mention
    at the speaker's span, else the one whose canonical name (or, for a person, surname) is the
    speaker's name. A name that fits several entities links to none: a wrong speaker is worse."""
    for quote in quotes:
        entity = _at_span(entities, quote.speaker_span) or _by_name(entities, quote.speaker_name)
        if entity is not None:
            quote.speaker = entity.id
            quote.speaker_name = entity.name


def _at_span(entities: list[Entity], span: tuple[int, int] | None) -> Entity | None:
    if span is None:
        return None
    start, end = span
    for entity in entities:
        if entity.type == "place":
            continue
        if any(m_start < end and start < m_end for m_start, m_end in entity.mentions):
            return entity
    return None


def _by_name(entities: list[Entity], name: str | None) -> Entity | None:
    if not name:
        return None
    folded = " ".join(name.split()).casefold()
    exact = [e for e in entities if e.name.casefold() == folded]
    if len(exact) == 1:
        return exact[0]
    surname = [e for e in entities if e.type == "person" and " " not in folded
               and e.name.casefold().split()[-1] == folded]
    return surname[0] if len(surname) == 1 else None
