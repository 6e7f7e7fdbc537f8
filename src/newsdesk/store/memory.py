"""An in-memory store with the same semantics as the database ones: for tests, and as their oracle
(it evaluates the query tree directly over the same tokens the databases index)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from newsdesk.article import Article
from newsdesk.page_types import UNKNOWN, check_page_type
from newsdesk.search.query import And, Node, Not, Or, Phrase, Term, parse_query, positive_terms
from newsdesk.search.snippet import make_snippet
from newsdesk.search.tokens import IndexedDocument, tokens
from newsdesk.store import groups, rows
from newsdesk.store.base import (
    ArticleVersion,
    DuplicateEntry,
    DuplicateRecord,
    EntityCount,
    ErrorRecord,
    FeedState,
    FetchState,
    PutOutcome,
    SearchHit,
    SearchPage,
    SearchRequest,
    SiteSummary,
    StoredArticle,
    StoryAssignment,
    StoryRecord,
    StoryState,
)
from newsdesk.store.enrichment import Wanted, take_enrichment

_FIELD_WEIGHTS = (5.0, 2.0, 1.0)


@dataclass
class _Duplicate:
    seq: int
    entry: DuplicateEntry
    naming: groups.Naming


@dataclass
class _Entry:
    row: rows.ArticleRow
    article: Article
    index: IndexedDocument
    version: int
    stored_at: str
    updated_at: str


class MemoryStore:
    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._by_key: dict[str, int] = {}
        self._history: dict[int, list[ArticleVersion]] = {}
        self._errors: list[ErrorRecord] = []
        self._tasks: dict[str, dict[str, Any]] = {}
        self._feeds: dict[str, FeedState] = {}
        self._fetch: dict[str, FetchState] = {}
        self._duplicates: dict[int, _Duplicate] = {}
        self._story_of: dict[int, int] = {}
        self._stories: dict[int, StoryRecord] = {}
        self._state = StoryState(0, 0, 0, None)

    def put(self, article: Article) -> PutOutcome:
        return self.put_many([article])[0]

    def put_many(self, articles: Iterable[Article], done: Sequence[str] = ()) -> list[PutOutcome]:
        prepared = [(article, rows.ArticleRow.of(article)) for article in articles]
        outcomes = [self._put(article, row) for article, row in prepared]
        for key in done:
            self.mark_done(key)
        return outcomes

    def _put(self, article: Article, row: rows.ArticleRow) -> PutOutcome:
        copy = Article.from_json(row.data)
        at = rows.now()
        id = self._by_key.get(row.key)
        if id is None:
            id = max(self._entries, default=0) + 1
            self._entries[id] = _Entry(row, copy, rows.index_of(copy), 1, at, at)
            self._by_key[row.key] = id
            return PutOutcome(id, "stored")
        entry = self._entries[id]
        if entry.row.fingerprint == row.fingerprint:
            if article.enrichment:
                self.save_enrichment([(id, article)])
            return PutOutcome(id, "unchanged")
        earlier = ArticleVersion(entry.version, entry.updated_at, entry.article)
        self._history.setdefault(id, []).append(earlier)
        self._entries[id] = _Entry(row, copy, rows.index_of(copy), entry.version + 1, entry.stored_at, at)
        return PutOutcome(id, "updated")

    def get(self, id_or_url: int | str) -> StoredArticle | None:
        id = self._find(id_or_url)
        return None if id is None else self._stored(id)

    def _find(self, id_or_url: int | str) -> int | None:
        if isinstance(id_or_url, int) or id_or_url.strip().isdigit():
            id = int(id_or_url)
            return id if id in self._entries else None
        if id_or_url in self._by_key:
            return self._by_key[id_or_url]
        url = rows.article_key(Article(url=id_or_url))
        return self._by_key.get(url) or next(
            (id for id, entry in self._entries.items() if entry.row.url == url), None)

    def _stored(self, id: int) -> StoredArticle:
        entry = self._entries[id]
        return StoredArticle(id, Article.from_json(entry.row.data), entry.version, entry.stored_at,
                             entry.updated_at)

    def versions(self, id: int) -> list[ArticleVersion]:
        if id not in self._entries:
            return []
        entry = self._entries[id]
        current = ArticleVersion(entry.version, entry.updated_at, Article.from_json(entry.row.data))
        return [*self._history.get(id, []), current]

    def _matching(self, request: SearchRequest) -> list[tuple[float, int]]:
        rows.check_request(request)
        tree = parse_query(request.query)
        found = []
        for id, entry in self._entries.items():
            if not _passes(entry.row, request):
                continue
            if tree is None:
                found.append((0.0, id))
            elif _matches(tree, entry.index):
                found.append((_score(tree, entry.index), id))
        if request.fold_duplicates:
            found = self._folded(found)
        if tree is None or request.sort == "date":
            found.sort(key=lambda hit: (self._entries[hit[1]].row.published_key, hit[1]), reverse=True)
        else:
            found.sort(key=lambda hit: (-hit[0], hit[1]))
        return found

    def _folded(self, found: list[tuple[float, int]]) -> list[tuple[float, int]]:
        """Without the articles that have an earlier copy among `found`."""
        matching = {id for _, id in found}
        earlier: dict[int, list[int]] = {}
        for id, duplicate in self._duplicates.items():
            earlier.setdefault(duplicate.naming.group, []).append(id)
        kept = []
        for score, id in found:
            mine = self._duplicates.get(id)
            if mine is None or not any(
                    other in matching and self._duplicates[other].naming.order < mine.naming.order
                    for other in earlier[mine.naming.group]):
                kept.append((score, id))
        return kept

    def search(self, request: SearchRequest) -> SearchPage:
        found = self._matching(request)
        tree = parse_query(request.query)
        by_date = tree is None or request.sort == "date"
        if request.cursor:
            if by_date:
                published, after = rows.decode_cursor(request.cursor, "d")
                found = [(s, id) for s, id in found
                         if (self._entries[id].row.published_key, id) < (published, after)]
            else:
                score, after = rows.decode_cursor(request.cursor, "r")
                found = [(s, id) for s, id in found if (-s, id) > (-score, after)]
        page = found[:request.limit]
        terms = positive_terms(tree)
        hits = []
        for score, id in page:
            entry = self._entries[id]
            hits.append(SearchHit(id, entry.article.title, entry.row.site, entry.article.url,
                                  entry.article.published, make_snippet(entry.article.body, terms), score))
        cursor = None
        if len(found) > request.limit and page:
            score, id = page[-1]
            value: float | str = self._entries[id].row.published_key if by_date else score
            cursor = rows.encode_cursor("d" if by_date else "r", value, id)
        return SearchPage(hits, cursor)

    def iter_articles(self, request: SearchRequest | None = None) -> Iterator[StoredArticle]:
        for _, id in self._matching(request or SearchRequest()):
            yield self._stored(id)

    def count(self, request: SearchRequest | None = None) -> int:
        return len(self._matching(request or SearchRequest()))

    def save_enrichment(self, items: Iterable[tuple[int, Article]]) -> None:
        for id, article in items:
            entry = self._entries[id]
            stored = take_enrichment(Article.from_json(entry.row.data), article)
            row = rows.ArticleRow.of(stored)
            self._entries[id] = _Entry(row, stored, entry.index, entry.version, entry.stored_at,
                                       entry.updated_at)

    def entity_counts(self, request: SearchRequest | None = None, type: str | None = None,
                      limit: int = 20) -> list[EntityCount]:
        counts: dict[str, list[Any]] = {}
        for _, id in self._matching(request or SearchRequest()):
            for entity_id, name, kind, _, mentions in self._entries[id].row.enriched.entities:
                if type is None or kind == type:
                    entry = counts.setdefault(entity_id, [name, kind, 0, 0])
                    entry[2] += 1
                    entry[3] += mentions
        ranked = sorted(counts.items(), key=lambda item: (-item[1][2], -item[1][3], item[1][0]))
        return [EntityCount(id, name, kind, n, m) for id, (name, kind, n, m) in ranked[:limit]]

    def record_error(self, source: str, stage: str, reason: str, location: str | None = None,
                     at: datetime | str | None = None) -> None:
        self._errors.append(ErrorRecord(rows.iso(at) or rows.now(), source, stage, reason, location))

    def errors(self, since: datetime | str | None = None) -> list[ErrorRecord]:
        floor = rows.iso(since) or ""
        return sorted((e for e in self._errors if e.at >= floor), key=lambda e: e.at)

    def sources(self) -> list[SiteSummary]:
        groups: dict[tuple[str, str, str], list[Any]] = {}
        for entry in self._entries.values():
            group = groups.setdefault((entry.row.site, entry.row.host, entry.row.page_type), [0, None, None])
            group[0] += 1
            if entry.row.published_key:
                group[1] = min(filter(None, (group[1], entry.row.published_key)))
                group[2] = max(filter(None, (group[2], entry.row.published_key)))
        failures: dict[str, int] = {}
        for error in self._errors:
            host = rows.error_host(error.source, error.location)
            failures[host] = failures.get(host, 0) + 1
        return rows.summarise_sources(
            ((site, host, *group, kind) for (site, host, kind), group in groups.items()), failures.items())

    def mark_done(self, task_key: str, info: Mapping[str, Any] | None = None) -> None:
        self._tasks[task_key] = json.loads(json.dumps(dict(info or {})))

    def is_done(self, task_key: str) -> bool:
        return task_key in self._tasks

    def save_feed(self, url: str, kind: str, etag: str | None = None, last_modified: str | None = None,
                  meta: Mapping[str, Any] | None = None) -> None:
        self._feeds[url] = FeedState(url, kind, etag, last_modified, json.loads(json.dumps(dict(meta or {}))),
                                     rows.now())

    def feeds(self) -> list[FeedState]:
        return [self._feeds[url] for url in sorted(self._feeds)]

    def fetch_state(self, url: str) -> FetchState | None:
        return self._fetch.get(url)

    def save_fetch_state(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._fetch[url] = FetchState(etag, last_modified)

    # --- duplicates and stories --------------------------------------------------------------

    def stories(self, since: str | None = None, until: str | None = None, top: int = 20,
                site: str | None = None) -> list[StoryRecord]:
        wanted = list(self._stories.values())
        if since or until or site:
            request = SearchRequest(since=since, until=until, site=site)
            numbers = {self._story_of[id] for id, entry in self._entries.items()
                       if id in self._story_of and _passes(entry.row, request)}
            wanted = [self._stories[number] for number in numbers]
        return sorted(wanted, key=groups.coverage_key)[:max(top, 0)]

    def story(self, story_id: str) -> StoryRecord | None:
        number = groups.story_number(story_id)
        return None if number is None else self._stories.get(number)

    def story_of(self, article_id: int) -> StoryRecord | None:
        number = self._story_of.get(article_id)
        return None if number is None else self._stories.get(number)

    def duplicates_of(self, article_id: int) -> list[DuplicateRecord]:
        mine = self._duplicates.get(article_id)
        if mine is None:
            return []
        found = sorted((d.naming.order, id) for id, d in self._duplicates.items()
                       if d.naming.group == mine.naming.group)
        out = []
        for _, id in found:
            naming, entry = self._duplicates[id].naming, self._entries[id]
            out.append(DuplicateRecord(id, naming.group, naming.kind, entry.row.published_key or None,
                                       groups.key_url(entry.row.key),
                                       entry.row.title or None))
        return out

    def placements(self, ids: list[int]) -> dict[int, tuple[int, int | None]]:
        return {id: (self._duplicates[id].naming.group, self._story_of.get(id)) for id in ids
                if id in self._duplicates}

    def unassigned(self) -> int:
        return sum(id not in self._duplicates for id in self._entries)

    def arrivals(self, limit: int) -> list[StoredArticle]:
        ids = sorted(id for id in self._entries if id not in self._duplicates)[:limit]
        first = self.first_versions(ids)
        return [first[id] for id in ids]

    def first_versions(self, ids: list[int]) -> dict[int, StoredArticle]:
        found = {}
        for id in ids:
            if id in self._entries:
                entry, first = self._entries[id], self.versions(id)[0].article
                found[id] = StoredArticle(id, Article.from_json(first.to_json()), 1, entry.stored_at,
                                          entry.stored_at)
        return found

    def duplicate_entries(self, after_seq: int = 0) -> Iterator[tuple[int, DuplicateEntry]]:
        found = sorted((d.seq, d.entry) for d in self._duplicates.values() if d.seq > after_seq)
        yield from found

    def story_state(self) -> StoryState:
        return self._state

    def save_assignments(self, assignments: list[StoryAssignment], entities: Mapping[int, list[str]],
                         serial: int, data: bytes | None = None) -> bool:
        state = self._state
        if state.serial != serial:
            return False
        seq = state.seq
        for assignment in assignments:
            entry = assignment.entry
            seq += 1
            self._duplicates[entry.article_id] = _Duplicate(
                seq, entry, groups.Naming(entry.article_id, entry.root, "earliest", 0))
            if assignment.story is not None:
                self._story_of[entry.article_id] = assignment.story
        for root in {a.entry.root for a in assignments}:
            members = [groups.Member(id, d.entry.match, d.entry.body_hash,
                                     self._entries[id].row.published_key)
                       for id, d in self._duplicates.items() if d.entry.root == root]
            for naming in groups.name_group(members):
                self._duplicates[naming.id].naming = naming
        for story in {a.story for a in assignments if a.story is not None} | set(entities):
            members_ = [groups.StoryMember(id, self._entries[id].row.title, self._entries[id].row.site,
                                           self._entries[id].row.published_key, self._entries[id].row.key,
                                           None if self._entries[id].row.site
                                           else json.loads(self._entries[id].row.data).get("source"))
                        for id, number in self._story_of.items() if number == story]
            kept = self._stories[story].entities if story in self._stories else []
            self._stories[story] = groups.story_record(story, members_, list(entities.get(story, kept)))
        self._state = StoryState(serial + 1, seq, seq if data is not None else state.data_seq,
                                 data if data is not None else state.data)
        return True

    def clear_stories(self) -> None:
        self._duplicates.clear()
        self._story_of.clear()
        self._stories.clear()
        self._state = StoryState(self._state.serial + 1, 0, 0, None)

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _passes(row: rows.ArticleRow, request: SearchRequest) -> bool:
    """The same filters as `rows.filters`, in Python."""
    if request.site and not (row.site_key == " ".join(tokens(request.site))
                             or row.host == rows.host_of(request.site)):
        return False
    if request.sites and not any(row.site_key == " ".join(tokens(site)) or row.host == rows.host_of(site)
                                 for site in request.sites):
        return False
    if request.since and row.published_key < request.since.strip():
        return False
    if request.until and not (row.published_key and row.published_key <= request.until.strip() + "~"):
        return False
    if request.language and row.language_key != rows.language_key(request.language):
        return False
    if request.author:
        words = " ".join(tokens(request.author))
        if not (words and any(f" {words} " in key for key in row.author_keys)):
            return False
    if request.page_type:
        wanted = check_page_type(request.page_type)
        if row.page_type != ("" if wanted == UNKNOWN else wanted):
            return False
    if request.articles_only and not row.article_like:
        return False
    if request.entity and not row.enriched.matches_entity(Wanted.of(request.entity)):
        return False
    if request.speaker and not row.enriched.matches_speaker(Wanted.of(request.speaker)):
        return False
    return not (request.topic and not row.enriched.matches_topic(Wanted.of(request.topic)))


def _term_matches(term: Term, token: str) -> bool:
    return token.startswith(term.text) if term.prefix else token == term.text


def _matches(node: Node, index: IndexedDocument) -> bool:
    if isinstance(node, Term):
        return any(_term_matches(node, token) for field in index.fields for token in field)
    if isinstance(node, Phrase):
        size = len(node.terms)
        return any(all(_term_matches(term, field[start + k]) for k, term in enumerate(node.terms))
                   for field in index.fields for start in range(len(field) - size + 1))
    if isinstance(node, Or):
        return any(_matches(child, index) for child in node.children)
    if isinstance(node, And):
        return all(not _matches(child.child, index) if isinstance(child, Not) else _matches(child, index)
                   for child in node.children)
    raise TypeError(node)


def _score(tree: Node, index: IndexedDocument) -> float:
    """Weighted occurrences of the query's terms per field length: good enough to order tests by."""
    terms = positive_terms(tree)
    return sum(weight * sum(1 for token in field for term in terms if _term_matches(term, token))
               / (10 + len(field)) for weight, field in zip(_FIELD_WEIGHTS, index.fields, strict=True))
