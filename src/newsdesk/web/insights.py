"""What the desk shows beyond single articles, computed from stored articles: coverage over time,
entities, quotations, co-mentions and the daily roundup.

The store narrows the articles (its entity, speaker and topic filters and entity counts use its own
tables); what it does not count yet (coverage buckets, co-mentions, the quotations themselves) is read
here from `Article.entities`/`quotes` of the matching articles, newest first, up to `scan_limit`
articles, saying `partial` when it stopped there. Kept in this one module so that more of it can move
into the store without touching the API or the pages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from newsdesk.article import Article, Entity
from newsdesk.coverage import Interval, bucket_of, compare, fill
from newsdesk.errors import QueryError
from newsdesk.search.tokens import tokens
from newsdesk.store import SearchRequest, Store, StoredArticle

SCAN_LIMIT = 20_000


def _scan(store: Store, request: SearchRequest,
          scan_limit: int) -> tuple[Iterator[StoredArticle], list[bool]]:
    """The matching articles, newest first, at most `scan_limit`; the flag list says whether it stopped."""
    partial = [False]

    def walk() -> Iterator[StoredArticle]:
        for number, stored in enumerate(store.iter_articles(replace(request, sort="date"))):
            if number >= scan_limit:
                partial[0] = True
                return
            yield stored

    return walk(), partial


def named(value: str | None, what: str) -> str | None:
    """An entity, speaker or topic filter as given, or None; QueryError (400) when it has no word to match:
    the store could match nothing by name, and PostgreSQL refuses the sentinel it would search for."""
    if value is None or not value.strip():
        return None
    if not tokens(value):
        raise QueryError(f"the {what} filter {value!r} has no letter or digit: give an id or words of a name")
    return value


def coverage(store: Store, request: SearchRequest, interval: Interval, scan_limit: int = SCAN_LIMIT,
             totals: Counter[str] | None = None) -> dict[str, Any]:
    """Matching articles per bucket over their whole range (`newsdesk.coverage.compare` with one
    search); `scan_limit` is not used: coverage counts every match."""
    return compare_coverage(store, [(None, request)], interval, totals)


def compare_coverage(store: Store, series: list[tuple[str | None, SearchRequest]], interval: Interval,
                     totals: Counter[str] | None = None) -> dict[str, Any]:
    """`newsdesk.coverage.compare`, with the first series also bucket by bucket (`buckets`: start, count,
    all, share) and its `undated`, as /api/coverage answered for one search."""
    result = compare(store, series, interval, totals)
    first = result["series"][0]
    columns = zip(result["starts"], first["counts"], result["all"], first["shares"], strict=True)
    result["buckets"] = [{"start": start, "count": count, "all": whole, "share": share}
                         for start, count, whole, share in columns]
    result["undated"] = first["undated"]
    result["partial"] = False
    return result


@dataclass
class _Tally:
    id: str
    name: str
    type: str
    articles: int = 0
    mentions: int = 0
    quotes: int = 0

    def out(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": self.type, "articles": self.articles,
                "mentions": self.mentions, "quotes": self.quotes}


def _tally(tallies: dict[str, _Tally], article: Article) -> None:
    speakers = {quote.speaker for quote in article.quotes if quote.speaker}
    for entity in article.entities:
        tally = tallies.get(entity.id)
        if tally is None:
            tally = tallies[entity.id] = _Tally(entity.id, entity.name, entity.type)
        tally.articles += 1
        tally.mentions += len(entity.mentions)
        tally.quotes += entity.id in speakers


def _ranked(tallies: dict[str, _Tally], limit: int) -> list[dict[str, Any]]:
    ordered = sorted(tallies.values(), key=lambda t: (-t.articles, -t.mentions, t.name))
    return [tally.out() for tally in ordered[:limit]]


def entities(store: Store, request: SearchRequest, kind: str | None = None,
             limit: int = 50) -> dict[str, Any]:
    """The entities of the matching articles, most often named first (counted by the store)."""
    found = []
    for count in store.entity_counts(replace(request, cursor=None), kind, limit):
        quoting = store.count(replace(request, cursor=None, speaker=count.id))
        found.append({"id": count.id, "name": count.name, "type": count.type, "articles": count.articles,
                      "mentions": count.mentions, "quotes": quoting})
    return {"entities": found, "partial": False}


def quotation(stored: StoredArticle, index: int) -> dict[str, Any]:
    quote = stored.article.quotes[index]
    return {"article_id": stored.id, "article_title": stored.article.title,
            "published": stored.article.published, "text": quote.text, "type": quote.type,
            "speaker": quote.speaker, "speaker_name": quote.speaker_name, "cue": quote.cue}


def _spoken_by(quote: Any, names: dict[str, str], speaker: str) -> bool:
    """Whether the quotation is by `speaker` (an entity id, or words of the speaker's name)."""
    if quote.speaker == speaker:
        return True
    wanted = speaker.casefold().split()
    name = (names.get(quote.speaker or "") or quote.speaker_name or "").casefold().split()
    return bool(wanted) and all(word in name for word in wanted)


def quotes(store: Store, request: SearchRequest, limit: int = 50,
           scan_limit: int = SCAN_LIMIT) -> dict[str, Any]:
    """Quotations in the matching articles (newest first); with `request.speaker`, only theirs."""
    found: list[dict[str, Any]] = []
    articles, partial = _scan(store, request, scan_limit)
    for stored in articles:
        names = {entity.id: entity.name for entity in stored.article.entities}
        for index, quote in enumerate(stored.article.quotes):
            if request.speaker is None or _spoken_by(quote, names, request.speaker):
                found.append(quotation(stored, index))
        if len(found) >= limit:
            break
    return {"quotes": found[:limit], "partial": partial[0]}


def reference(stored: StoredArticle) -> dict[str, Any]:
    article = stored.article
    return {"id": stored.id, "title": article.title, "site": article.site_name,
            "published": article.published, "url": article.canonical_url or article.url}


@dataclass
class EntityView:
    entity: dict[str, Any]
    coverage: list[dict[str, Any]]
    quotes: list[dict[str, Any]]
    co_mentioned: list[dict[str, Any]]
    articles: list[dict[str, Any]]
    partial: bool
    interval: Interval = "day"  # of the coverage buckets: the one asked, or longer for a long range
    note: str | None = None  # why the interval is longer than the one asked
    tallies: dict[str, _Tally] = field(default_factory=dict, repr=False)

    def out(self) -> dict[str, Any]:
        return {"entity": self.entity, "coverage": self.coverage, "interval": self.interval,
                "note": self.note, "quotes": self.quotes, "co_mentioned": self.co_mentioned,
                "articles": self.articles, "partial": self.partial}


def entity_view(store: Store, entity_id: str, interval: Interval = "day", limit: int = 50,
                scan_limit: int = SCAN_LIMIT) -> EntityView | None:
    """One entity: the articles naming it over time, its quotations, who is named with it, its articles."""
    own: _Tally | None = None
    others: dict[str, _Tally] = {}
    counts: Counter[str] = Counter()
    said: list[dict[str, Any]] = []
    refs: list[dict[str, Any]] = []
    if not entity_id.strip():
        return None
    articles, partial = _scan(store, SearchRequest(entity=named(entity_id, "entity")), scan_limit)
    for stored in articles:
        article = stored.article
        match: Entity | None = next((e for e in article.entities if e.id == entity_id), None)
        if match is None:
            continue
        if own is None:
            own = _Tally(match.id, match.name, match.type)
        own.articles += 1
        own.mentions += len(match.mentions)
        key = bucket_of(article.published, "day")
        if key:
            counts[key] += 1
        own.quotes += any(quote.speaker == entity_id for quote in article.quotes)
        for index, quote in enumerate(article.quotes):
            if quote.speaker == entity_id and len(said) < limit:
                said.append(quotation(stored, index))
        _tally(others, replace(article, entities=[e for e in article.entities if e.id != entity_id]))
        if len(refs) < limit:
            refs.append(reference(stored))
    if own is None:
        return None
    chosen, note, buckets = fill(counts, interval)
    return EntityView(own.out(), buckets, said, _ranked(others, 20), refs, partial[0], chosen, note)


def roundup(store: Store, day: str, limit: int = 100, articles_only: bool = True) -> dict[str, Any]:
    """The day's articles (by published date), the entities most named and the quotations of the day
    (with `articles_only`, pages of other types than article are left out)."""
    request = SearchRequest(since=day, until=day, sort="date", articles_only=articles_only)
    tallies: dict[str, _Tally] = {}
    sites: Counter[str] = Counter()
    refs: list[dict[str, Any]] = []
    said: list[dict[str, Any]] = []
    for stored in store.iter_articles(request):
        if len(refs) >= limit:
            break
        refs.append(reference(stored))
        sites[stored.article.site_name or "(unknown)"] += 1
        _tally(tallies, stored.article)
        said += [quotation(stored, index) for index in range(len(stored.article.quotes))]
    return {"date": day, "articles": refs, "entities": _ranked(tallies, 20), "quotes": said[:50],
            "sites": dict(sites.most_common())}


def facets(articles: list[Article]) -> dict[str, Any]:
    """The entities and topics of a page of results, most frequent first, to narrow the search by."""
    tallies: dict[str, _Tally] = {}
    topics: dict[str, list[Any]] = {}
    for article in articles:
        _tally(tallies, article)
        for topic in article.topics:
            topics.setdefault(topic.id, [topic.name, 0])[1] += 1
    ranked = sorted(topics.items(), key=lambda item: (-item[1][1], item[1][0]))
    return {"entities": _ranked(tallies, 15),
            "topics": [{"id": key, "name": name, "articles": count} for key, (name, count) in ranked[:15]]}
