"""What the SQLite and PostgreSQL stores share: the same tables and statements, written with `?`
placeholders (the PostgreSQL store turns them into `%s`). Each backend supplies its connection,
transactions, the full-text index and the ranked query."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from newsdesk.article import Article
from newsdesk.search.query import Node, parse_query, positive_terms
from newsdesk.search.snippet import make_snippet
from newsdesk.search.tokens import IndexedDocument
from newsdesk.store import enrichment, groups, rows
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
from newsdesk.store.enrichment import EnrichmentRows

STREAM_PAGE = 200  # articles read at a time by iter_articles
_CHUNK = 500  # keys looked up in one statement
_T = TypeVar("_T")
POOL_VARIABLE = "NEWSDESK_DB_POOL"
POOL_SIZE = 4  # read connections a store keeps open at most (unless $NEWSDESK_DB_POOL says otherwise)


def pool_size() -> int:
    """How many read connections a store may open: $NEWSDESK_DB_POOL, else POOL_SIZE (at least 1)."""
    given = os.environ.get(POOL_VARIABLE, "").strip()
    return max(1, int(given)) if given.isdigit() else POOL_SIZE


def _chunks(items: list[_T]) -> Iterator[tuple[list[_T], str]]:
    """`items` _CHUNK at a time, each chunk with its placeholders for `IN (...)` ("?, ?, ?")."""
    for start in range(0, len(items), _CHUNK):
        chunk = items[start:start + _CHUNK]
        yield chunk, ", ".join("?" * len(chunk))


SortKey = tuple[int, float | str]  # an id and the value it is sorted by (score or published date)

# Migration 6 of both SQL stores: duplicate groups, stories and the state of the story tracker, kept as
# articles arrive (`newsdesk.stories.persist`). {int}, {blob} and {date} are the backend's types.
STORIES_SCHEMA = """
CREATE TABLE article_duplicates (
    article_id {int} PRIMARY KEY, seq {int} NOT NULL, root {int} NOT NULL, matched TEXT,
    grp {int} NOT NULL, kind TEXT NOT NULL, grp_order INTEGER NOT NULL, body_hash TEXT NOT NULL,
    signature {blob} NOT NULL, body_size INTEGER NOT NULL, lead_size INTEGER NOT NULL,
    lead_words INTEGER NOT NULL
);
CREATE INDEX article_duplicates_seq ON article_duplicates (seq);
CREATE INDEX article_duplicates_root ON article_duplicates (root);
CREATE INDEX article_duplicates_grp ON article_duplicates (grp, grp_order);
CREATE TABLE article_stories (article_id {int} PRIMARY KEY, story_id {int} NOT NULL);
CREATE INDEX article_stories_story ON article_stories (story_id);
CREATE TABLE stories (
    id {int} PRIMARY KEY, headline TEXT, first_seen {date}, last_seen {date}, articles TEXT NOT NULL,
    sources TEXT NOT NULL, entities TEXT NOT NULL, urls TEXT NOT NULL, article_count INTEGER NOT NULL,
    source_count INTEGER NOT NULL
);
CREATE TABLE story_state (
    name TEXT PRIMARY KEY, serial {int} NOT NULL, seq {int} NOT NULL, data_seq {int} NOT NULL, data {blob}
);
INSERT INTO story_state (name, serial, seq, data_seq) VALUES ('tracker', 0, 0, 0)
"""
_STORY_COLUMNS = "s.id, s.headline, s.first_seen, s.last_seen, s.articles, s.sources, s.entities, s.urls"
_ENTRY_COLUMNS = "seq, article_id, root, matched, body_hash, signature, body_size, lead_size, lead_words"
ENTRY_PAGE = 5_000  # duplicate entries read at a time


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def executemany(self, query: Any, params_seq: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


class SqlStore:
    """The shared logic; subclasses implement the methods that raise NotImplementedError."""

    # --- what a backend provides -------------------------------------------------------------

    def _transaction(self) -> AbstractContextManager[Cursor]:
        """A cursor in a write transaction, committed on leaving without error."""
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        raise NotImplementedError

    def _insert(self, cur: Cursor, row: rows.ArticleRow, index: IndexedDocument, at: str) -> int:
        """Insert the article row and index it; return its id."""
        raise NotImplementedError

    def _replace(self, cur: Cursor, id: int, row: rows.ArticleRow, index: IndexedDocument,
                 old_data: str, version: int, at: str) -> None:
        """Overwrite the article row with a new version and re-index it."""
        raise NotImplementedError

    def _ranked(self, tree: Node, request: SearchRequest, after: tuple[float, int] | None,
                limit: int) -> list[SortKey]:
        """Ids matching the query and filters, best first (ties by id), after a (score, id) key."""
        raise NotImplementedError

    def _matching_count(self, tree: Node, request: SearchRequest) -> int:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    # --- writing articles --------------------------------------------------------------------

    def put(self, article: Article) -> PutOutcome:
        return self.put_many([article])[0]

    def put_many(self, articles: Iterable[Article], done: Sequence[str] = ()) -> list[PutOutcome]:
        pairs = [(article, rows.ArticleRow.of(article)) for article in articles]
        if not pairs and not done:
            return []
        outcomes: list[PutOutcome | None] = [None] * len(pairs)
        at = rows.now()
        with self._transaction() as cur:
            known = self._known(cur, sorted({row.key for _, row in pairs}))
            # New articles are inserted together (one round trip on PostgreSQL); a key seen twice in
            # one batch first flushes what is pending, so the second sees the first.
            pending: list[tuple[int, rows.ArticleRow, IndexedDocument]] = []

            def flush() -> None:
                if not pending:
                    return
                ids = self._insert_many(cur, [(row, index) for _, row, index in pending], at)
                for (position, row, _), id in zip(pending, ids, strict=True):
                    outcomes[position] = PutOutcome(id, "stored")
                    known[row.key] = (id, row.fingerprint, 1, row.data)
                written = [(id, row) for (_, row, _), id in zip(pending, ids, strict=True)]
                self._write_authors(cur, written)
                self._write_enrichment(cur, [(id, row.enriched) for id, row in written], replace=False)
                pending.clear()

            for position, (article, row) in enumerate(pairs):
                if any(row.key == waiting.key for _, waiting, _ in pending):
                    flush()
                found = known.get(row.key)
                if found is None:
                    pending.append((position, row, rows.index_of(article)))
                elif found[1] == row.fingerprint:
                    outcomes[position] = PutOutcome(found[0], "unchanged")
                    if article.enrichment and enrichment.enrichment_differs(article, found[3]):
                        self._update_enrichment(cur, found[0], article)
                else:
                    id, _, version, old_data = found
                    cur.execute(self._sql("INSERT INTO article_versions (article_id, version, stored_at, "
                                          "data) SELECT id, version, updated_at, data FROM articles "
                                          "WHERE id = ?"), [id])
                    self._replace(cur, id, row, rows.index_of(article), old_data, version + 1, at)
                    cur.execute(self._sql("DELETE FROM article_authors WHERE article_id = ?"), [id])
                    self._write_authors(cur, [(id, row)])
                    self._write_enrichment(cur, [(id, row.enriched)], replace=True)
                    outcomes[position] = PutOutcome(id, "updated")
                    known[row.key] = (id, row.fingerprint, version + 1, row.data)
            flush()
            # The checkpoints of the inputs this batch finishes, in the same transaction: after a kill
            # either the articles and their checkpoints are both there or neither is.
            for key in dict.fromkeys(done):
                self._upsert_in(cur, "tasks", "key", {"key": key, "info": "{}", "done_at": at})
        return [outcome for outcome in outcomes if outcome is not None]

    def _known(self, cur: Cursor, keys: list[str]) -> dict[str, tuple[int, str, int, str]]:
        """id, fingerprint, version and JSON of the stored articles among `keys`."""
        known: dict[str, tuple[int, str, int, str]] = {}
        for chunk, marks in _chunks(keys):
            cur.execute(self._sql(f"SELECT key, id, fingerprint, version, data FROM articles WHERE key IN "
                                  f"({marks})"), chunk)
            for key, id, fingerprint, version, data in cur.fetchall():
                known[key] = (id, fingerprint, version, data)
        return known

    def _insert_many(self, cur: Cursor, items: list[tuple[rows.ArticleRow, IndexedDocument]],
                     at: str) -> list[int]:
        return [self._insert(cur, row, index, at) for row, index in items]

    def _write_authors(self, cur: Cursor, articles: list[tuple[int, rows.ArticleRow]]) -> None:
        values = [(id, key) for id, row in articles for key in row.author_keys]
        if values:
            cur.executemany(self._sql("INSERT INTO article_authors (article_id, author_key) VALUES (?, ?)"),
                            values)

    def _write_enrichment(self, cur: Cursor, items: list[tuple[int, EnrichmentRows]], *,
                          replace: bool) -> None:
        enrichment.write(lambda sql, params: cur.executemany(self._sql(sql), params), items,
                         replace=replace)

    def _update_enrichment(self, cur: Cursor, id: int, article: Article) -> None:
        """Keep an article's new enrichment (and the language it detected) in its current version."""
        cur.execute(self._sql("SELECT data FROM articles WHERE id = ?"), [id])
        stored = enrichment.take_enrichment(Article.from_json(cur.fetchone()[0]), article)
        cur.execute(self._sql("UPDATE articles SET data = ? WHERE id = ?"), [stored.to_json(), id])
        cur.execute(self._sql("UPDATE article_search SET language_key = ? WHERE id = ?"),
                    [rows.language_key(stored.language), id])
        self._write_enrichment(cur, [(id, EnrichmentRows.of(stored))], replace=True)

    def save_enrichment(self, items: Iterable[tuple[int, Article]]) -> None:
        with self._transaction() as cur:
            for id, article in items:
                self._update_enrichment(cur, id, article)

    def entity_counts(self, request: SearchRequest | None = None, type: str | None = None,
                      limit: int = 20) -> list[EntityCount]:
        source, clauses, params = self._matching(request or SearchRequest())
        if type:
            clauses.append("n.type = ?")
            params.append(type)
        where = " AND ".join(clauses) or "1 = 1"
        found = self._read(
            f"SELECT n.id, n.name, n.type, count(*), sum(e.mentions) FROM {source} "
            "JOIN article_entities e ON e.article_id = a.id JOIN entities n ON n.id = e.entity_id "
            f"WHERE {where} GROUP BY n.id, n.name, n.type ORDER BY count(*) DESC, sum(e.mentions) DESC, "
            "n.name LIMIT ?", [*params, limit])
        return [EntityCount(id, name, kind, int(articles), int(mentions))
                for id, name, kind, articles, mentions in found]

    def _filters(self, request: SearchRequest, tree: Node | None) -> tuple[list[str], list[Any]]:
        """WHERE clauses on `a` (article_search) for the request's filters, its query `tree` only
        where folding duplicates needs it (the caller matches the query itself)."""
        clauses, params = rows.filters(request, "?")
        if not request.fold_duplicates:
            return clauses, params
        # Left out: an article with an earlier copy (in its group's order) that matches too.
        source, matching = "article_search a", list(params)
        if tree is not None:
            source, match = self._match_source(tree)
            matching = [match, *matching]
        where = " AND ".join(clauses) or "1 = 1"
        clauses.append("NOT EXISTS (SELECT 1 FROM article_duplicates d JOIN article_duplicates e "
                       "ON e.grp = d.grp AND e.grp_order < d.grp_order WHERE d.article_id = a.id AND "
                       f"e.article_id IN (SELECT a.id FROM {source} WHERE {where}))")
        return clauses, params + matching

    # --- reading articles --------------------------------------------------------------------

    _COLUMNS = "id, data, version, stored_at, updated_at"

    def get(self, id_or_url: int | str) -> StoredArticle | None:
        if isinstance(id_or_url, int) or id_or_url.strip().isdigit():
            found = self._read(f"SELECT {self._COLUMNS} FROM articles WHERE id = ?", [int(id_or_url)])
        else:
            key = rows.article_key(Article(url=id_or_url))
            found = (self._read(f"SELECT {self._COLUMNS} FROM articles WHERE key = ?", [id_or_url])
                     or self._read(f"SELECT {self._COLUMNS} FROM articles WHERE key = ?", [key])
                     or self._read(f"SELECT {self._COLUMNS} FROM articles WHERE url = ? ORDER BY id LIMIT 1",
                                   [key]))
        return _stored(found[0]) if found else None

    def versions(self, id: int) -> list[ArticleVersion]:
        earlier = self._read("SELECT version, stored_at, data FROM article_versions WHERE article_id = ? "
                             "ORDER BY version", [id])
        current = self._read("SELECT version, updated_at, data FROM articles WHERE id = ?", [id])
        return [ArticleVersion(version, at, Article.from_json(data))
                for version, at, data in earlier + current]

    def _page(self, request: SearchRequest, tree: Node | None, cursor: str | None,
              limit: int) -> list[SortKey]:
        """One page of (id, sort value), in the request's order, after `cursor`."""
        if tree is not None and request.sort == "relevance":
            after = rows.decode_cursor(cursor, "r") if cursor else None
            return self._ranked(tree, request, (float(after[0]), after[1]) if after else None, limit)
        clauses, params = self._filters(request, tree)
        if cursor:
            published, id = rows.decode_cursor(cursor, "d")
            clauses.append("(a.published_key < ? OR (a.published_key = ? AND a.id < ?))")
            params += [str(published), str(published), id]
        source = "article_search a"
        if tree is not None:
            source, condition, match = self._dated_source(tree)
            clauses.insert(0, condition)
            params = [match, *params]
        where = " AND ".join(clauses) or "1 = 1"
        found = self._read(f"SELECT a.id, a.published_key FROM {source} WHERE {where} "
                           f"ORDER BY a.published_key DESC, a.id DESC LIMIT ?", [*params, limit])
        return [(id, published) for id, published in found]

    def _dated_source(self, tree: Node) -> tuple[str, str, str]:
        """FROM clause and first WHERE condition of a search sorted by date (article_search as `a`), and
        the parameter of the one of them that holds a placeholder."""
        source, match = self._match_source(tree)
        return source, "1 = 1", match

    def _match_source(self, tree: Node) -> tuple[str, str]:
        """FROM clause (article_search as `a`) restricted to the query's matches, and its parameter."""
        raise NotImplementedError

    def search(self, request: SearchRequest) -> SearchPage:
        rows.check_request(request)
        tree = parse_query(request.query)
        page = self._page(request, tree, request.cursor, request.limit + 1)
        more, page = len(page) > request.limit, page[:request.limit]
        details = self._details([id for id, _ in page])
        terms = positive_terms(tree)
        hits = []
        for id, value in page:
            title, url, published, body, site = details[id]
            score = float(value) if isinstance(value, float) else 0.0
            hits.append(SearchHit(id, title, site, url, published, make_snippet(body, terms), score))
        cursor = None
        if more and page:
            kind = "r" if tree is not None and request.sort == "relevance" else "d"
            cursor = rows.encode_cursor(kind, page[-1][1], page[-1][0])
        return SearchPage(hits, cursor)

    # What a hit shows of an article (title, url, published, body), taken out of its JSON by the database
    # as a JSON array: decoding the whole article (enrichment and all) in Python for each of the hits
    # would cost more than the rest of the search. None: the whole JSON is read (see _hit_fields).
    _HIT_FIELDS: str | None = "json_extract(a.data, '$.title', '$.url', '$.published', '$.body')"

    def _details(self, ids: list[int]) -> dict[int, tuple[str | None, str | None, str | None, str, str]]:
        """title, url, published, body and site of each article in `ids`."""
        if not ids:
            return {}
        marks = ", ".join("?" * len(ids))
        found = self._read(f"SELECT a.id, {self._HIT_FIELDS or 'a.data'}, s.site FROM articles a "
                           f"JOIN article_search s ON s.id = a.id WHERE a.id IN ({marks})", ids)
        details = {}
        for id, shown, site in found:
            title, url, published, body = _hit_fields(json.loads(shown))
            details[id] = (title, url, published, body or "", site)
        return details

    def iter_articles(self, request: SearchRequest | None = None) -> Iterator[StoredArticle]:
        """Page by page (keyset pagination): memory stays that of one page, however many match."""
        request = request or SearchRequest()
        rows.check_request(request)
        tree = parse_query(request.query)
        kind = "r" if tree is not None and request.sort == "relevance" else "d"
        cursor = None
        while True:
            page = self._page(request, tree, cursor, STREAM_PAGE)
            if not page:
                return
            ids = [id for id, _ in page]
            found = self._read(f"SELECT {self._COLUMNS} FROM articles WHERE id IN "
                               f"({', '.join('?' * len(ids))})", ids)
            by_id = {record[0]: record for record in found}
            for id in ids:
                if id in by_id:
                    yield _stored(by_id[id])
            if len(page) < STREAM_PAGE:
                return
            cursor = rows.encode_cursor(kind, page[-1][1], page[-1][0])

    def count(self, request: SearchRequest | None = None) -> int:
        request = request or SearchRequest()
        rows.check_request(request)
        tree = parse_query(request.query)
        if tree is not None:
            return self._matching_count(tree, request)
        clauses, params = self._filters(request, tree)
        where = " AND ".join(clauses) or "1 = 1"
        return int(self._read(f"SELECT count(*) FROM article_search a WHERE {where}", params)[0][0])

    def _matching(self, request: SearchRequest) -> tuple[str, list[str], list[Any]]:
        """The FROM source (article_search, or the full-text match joined to it), the WHERE clauses and
        their parameters of the articles matching `request`'s query and filters."""
        rows.check_request(request)
        tree = parse_query(request.query)
        clauses, params = self._filters(request, tree)
        source = "article_search a"
        if tree is not None:
            source, match = self._match_source(tree)
            params = [match, *params]
        return source, clauses, params

    def published_days(self, request: SearchRequest) -> list[tuple[str, int]]:
        """How many articles match per day published (the first ten characters of the date as written;
        "" when undated): coverage charts counted by the database, without reading the articles."""
        source, clauses, params = self._matching(request)
        where = " AND ".join(clauses) or "1 = 1"
        found = self._read(f"SELECT substr(a.published_key, 1, 10), count(*) FROM {source} WHERE {where} "
                           "GROUP BY substr(a.published_key, 1, 10)", params)
        return [(day or "", int(count)) for day, count in found]

    # --- failures, sources and ingest state --------------------------------------------------

    def record_error(self, source: str, stage: str, reason: str, location: str | None = None,
                     at: datetime | str | None = None) -> None:
        with self._transaction() as cur:
            cur.execute(self._sql("INSERT INTO errors (at, source, stage, reason, location, host) "
                                  "VALUES (?, ?, ?, ?, ?, ?)"),
                        [rows.iso(at) or rows.now(), source, stage, reason, location,
                         rows.error_host(source, location)])

    def errors(self, since: datetime | str | None = None) -> list[ErrorRecord]:
        found = self._read("SELECT at, source, stage, reason, location FROM errors WHERE at >= ? "
                           "ORDER BY at, id", [rows.iso(since) or ""])
        return [ErrorRecord(*record) for record in found]

    def sources(self) -> list[SiteSummary]:
        groups = self._read("SELECT site, host, count(*), min(NULLIF(published_key, '')), "
                            "max(NULLIF(published_key, '')), page_type FROM article_search "
                            "GROUP BY site, host, page_type")
        failures = self._read("SELECT host, count(*) FROM errors GROUP BY host")
        return rows.summarise_sources(
            ((site, host, int(n), first, last, kind) for site, host, n, first, last, kind in groups),
            ((host, int(n)) for host, n in failures))

    def mark_done(self, task_key: str, info: Mapping[str, Any] | None = None) -> None:
        self._upsert("tasks", "key", {"key": task_key, "info": json.dumps(dict(info or {})),
                                      "done_at": rows.now()})

    def is_done(self, task_key: str) -> bool:
        return bool(self._read("SELECT 1 FROM tasks WHERE key = ?", [task_key]))

    def save_feed(self, url: str, kind: str, etag: str | None = None, last_modified: str | None = None,
                  meta: Mapping[str, Any] | None = None) -> None:
        self._upsert("feeds", "url", {"url": url, "kind": kind, "etag": etag, "last_modified": last_modified,
                                      "meta": json.dumps(dict(meta or {})), "updated_at": rows.now()})

    def feeds(self) -> list[FeedState]:
        found = self._read("SELECT url, kind, etag, last_modified, meta, updated_at FROM feeds ORDER BY url")
        return [FeedState(url, kind, etag, modified, json.loads(meta), at)
                for url, kind, etag, modified, meta, at in found]

    def fetch_state(self, url: str) -> FetchState | None:
        found = self._read("SELECT etag, last_modified FROM fetch_state WHERE url = ?", [url])
        return FetchState(*found[0]) if found else None

    def save_fetch_state(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self._upsert("fetch_state", "url", {"url": url, "etag": etag, "last_modified": last_modified,
                                            "updated_at": rows.now()})

    def _upsert(self, table: str, key: str, values: dict[str, Any]) -> None:
        with self._transaction() as cur:
            self._upsert_in(cur, table, key, values)

    def _upsert_in(self, cur: Cursor, table: str, key: str, values: dict[str, Any]) -> None:
        names = list(values)
        updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != key)
        marks = ", ".join("?" * len(names))
        cur.execute(self._sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}) "
                              f"ON CONFLICT ({key}) DO UPDATE SET {updates}"), list(values.values()))

    # --- duplicates and stories --------------------------------------------------------------

    def stories(self, since: str | None = None, until: str | None = None, top: int = 20,
                site: str | None = None) -> list[StoryRecord]:
        clauses, params = rows.filters(SearchRequest(since=since, until=until, site=site), "?")
        where = ""
        if clauses:
            where = ("WHERE s.id IN (SELECT m.story_id FROM article_stories m JOIN article_search a "
                     f"ON a.id = m.article_id WHERE {' AND '.join(clauses)})")
        found = self._read(f"SELECT {_STORY_COLUMNS} FROM stories s {where} ORDER BY {groups.RANKING} "
                           "LIMIT ?", [*params, max(top, 0)])
        return [groups.record_of(row) for row in found]

    def story(self, story_id: str) -> StoryRecord | None:
        number = groups.story_number(story_id)
        if number is None:
            return None
        found = self._read(f"SELECT {_STORY_COLUMNS} FROM stories s WHERE s.id = ?", [number])
        return groups.record_of(found[0]) if found else None

    def story_of(self, article_id: int) -> StoryRecord | None:
        found = self._read(f"SELECT {_STORY_COLUMNS} FROM article_stories m JOIN stories s "
                           "ON s.id = m.story_id WHERE m.article_id = ?", [article_id])
        return groups.record_of(found[0]) if found else None

    def duplicates_of(self, article_id: int) -> list[DuplicateRecord]:
        found = self._read(
            "SELECT e.article_id, e.grp, e.kind, a.published_key, r.key, a.title "
            "FROM article_duplicates d JOIN article_duplicates e ON e.grp = d.grp "
            "JOIN article_search a ON a.id = e.article_id JOIN articles r ON r.id = e.article_id "
            "WHERE d.article_id = ? ORDER BY e.grp_order", [article_id])
        return [DuplicateRecord(int(id), int(group), kind, published or None,
                                groups.key_url(key), title or None)
                for id, group, kind, published, key, title in found]

    def placements(self, ids: list[int]) -> dict[int, tuple[int, int | None]]:
        found: dict[int, tuple[int, int | None]] = {}
        for chunk, marks in _chunks(ids):
            for id, group, story in self._read(
                    "SELECT d.article_id, d.grp, m.story_id FROM article_duplicates d "
                    "LEFT JOIN article_stories m ON m.article_id = d.article_id "
                    f"WHERE d.article_id IN ({marks})", chunk):
                found[int(id)] = (int(group), None if story is None else int(story))
        return found

    def unassigned(self) -> int:
        return int(self._read("SELECT count(*) FROM article_search a WHERE NOT EXISTS "
                              "(SELECT 1 FROM article_duplicates d WHERE d.article_id = a.id)")[0][0])

    def arrivals(self, limit: int) -> list[StoredArticle]:
        found = self._read("SELECT s.id FROM article_search s WHERE NOT EXISTS (SELECT 1 FROM "
                           "article_duplicates d WHERE d.article_id = s.id) ORDER BY s.id LIMIT ?", [limit])
        ids = [int(id) for id, in found]
        first = self.first_versions(ids)
        return [first[id] for id in ids if id in first]

    def first_versions(self, ids: list[int]) -> dict[int, StoredArticle]:
        articles: dict[int, StoredArticle] = {}
        for chunk, marks in _chunks(ids):
            updated = []
            for id, data, version, stored_at, _ in self._read(
                    f"SELECT {self._COLUMNS} FROM articles WHERE id IN ({marks})", chunk):
                if version == 1:
                    articles[int(id)] = StoredArticle(int(id), Article.from_json(data), 1, stored_at,
                                                      stored_at)
                else:
                    updated.append((int(id), stored_at))
            if updated:
                at = dict(updated)
                # Version 1 of an article updated since is kept in article_versions.
                for id, data in self._read(f"SELECT article_id, data FROM article_versions WHERE version = 1 "
                                           f"AND article_id IN ({', '.join('?' * len(at))})", list(at)):
                    articles[int(id)] = StoredArticle(int(id), Article.from_json(data), 1, at[int(id)],
                                                      at[int(id)])
        return articles

    def duplicate_entries(self, after_seq: int = 0) -> Iterator[tuple[int, DuplicateEntry]]:
        while True:
            found = self._read(f"SELECT {_ENTRY_COLUMNS} FROM article_duplicates WHERE seq > ? ORDER BY seq "
                               "LIMIT ?", [after_seq, ENTRY_PAGE])
            for seq, id, root, matched, body_hash, signature, body, lead, lead_words in found:
                yield int(seq), DuplicateEntry(int(id), int(root), matched, body_hash, bytes(signature),
                                               int(body), int(lead), int(lead_words))
            if len(found) < ENTRY_PAGE:
                return
            after_seq = int(found[-1][0])

    def story_state(self) -> StoryState:
        serial, seq, data_seq, data = self._read("SELECT serial, seq, data_seq, data FROM story_state "
                                                 "WHERE name = ?", [groups.TRACKER])[0]
        return StoryState(int(serial), int(seq), int(data_seq), None if data is None else bytes(data))

    def save_assignments(self, assignments: list[StoryAssignment], entities: Mapping[int, list[str]],
                         serial: int, data: bytes | None = None) -> bool:
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE story_state SET serial = serial + 1, seq = seq + ? "
                                  "WHERE name = ? AND serial = ?"),
                        [len(assignments), groups.TRACKER, serial])
            if cur.rowcount != 1:
                return False
            cur.execute(self._sql("SELECT seq FROM story_state WHERE name = ?"), [groups.TRACKER])
            first = int(cur.fetchone()[0]) - len(assignments) + 1
            if assignments:
                cur.executemany(self._sql(
                    "INSERT INTO article_duplicates (article_id, seq, root, matched, grp, kind, grp_order, "
                    "body_hash, signature, body_size, lead_size, lead_words) "
                    "VALUES (?, ?, ?, ?, ?, 'earliest', 0, ?, ?, ?, ?, ?)"),
                    [[e.article_id, first + n, e.root, e.match, e.root, e.body_hash, e.signature, e.body_size,
                      e.lead_size, e.lead_words] for n, e in enumerate(a.entry for a in assignments)])
                cur.executemany(self._sql("INSERT INTO article_stories (article_id, story_id) VALUES (?, ?)"),
                                [[a.entry.article_id, a.story] for a in assignments if a.story is not None])
                self._name_groups(cur, sorted({a.entry.root for a in assignments}))
                self._write_stories(cur, sorted({a.story for a in assignments if a.story is not None}
                                                | set(entities)), entities)
            if data is not None:
                cur.execute(self._sql("UPDATE story_state SET data = ?, data_seq = seq WHERE name = ?"),
                            [data, groups.TRACKER])
        return True

    def _name_groups(self, cur: Cursor, roots: list[int]) -> None:
        """Name the groups found on arrival by `roots` after their earliest published copy."""
        members: dict[int, list[groups.Member]] = {}
        for chunk, marks in _chunks(roots):
            cur.execute(self._sql(f"SELECT d.root, d.article_id, d.matched, d.body_hash, a.published_key "
                                  f"FROM article_duplicates d JOIN article_search a ON a.id = d.article_id "
                                  f"WHERE d.root IN ({marks})"), chunk)
            for root, id, matched, body_hash, published in cur.fetchall():
                member = groups.Member(int(id), matched, body_hash, published)
                members.setdefault(int(root), []).append(member)
        cur.executemany(self._sql("UPDATE article_duplicates SET grp = ?, kind = ?, grp_order = ? "
                                  "WHERE article_id = ?"),
                        [[n.group, n.kind, n.order, n.id] for group in members.values()
                         for n in groups.name_group(group)])

    def _write_stories(self, cur: Cursor, stories: list[int], entities: Mapping[int, list[str]]) -> None:
        """Write the records of `stories` again from their articles (entities: those given, else kept)."""
        members: dict[int, list[groups.StoryMember]] = {}
        kept: dict[int, list[str]] = {}
        for chunk, marks in _chunks(stories):
            # The article's source (where it was read) only for an article without a site.
            cur.execute(self._sql(f"SELECT m.story_id, m.article_id, a.title, a.site, a.published_key, "
                                  f"r.key, CASE WHEN a.site = '' THEN r.data END FROM article_stories m "
                                  f"JOIN article_search a ON a.id = m.article_id JOIN articles r "
                                  f"ON r.id = m.article_id WHERE m.story_id IN ({marks})"),
                        chunk)
            for story, id, title, site, published, key, data in cur.fetchall():
                source = json.loads(data).get("source") if data else None
                members.setdefault(int(story), []).append(
                    groups.StoryMember(int(id), title, site, published, key, source))
            cur.execute(self._sql(f"SELECT id, entities FROM stories WHERE id IN ({marks})"), chunk)
            kept.update((int(id), json.loads(names)) for id, names in cur.fetchall())
        records = [groups.story_record(story, found, list(entities.get(story, kept.get(story, []))))
                   for story, found in members.items()]
        cur.executemany(self._sql("DELETE FROM stories WHERE id = ?"), [[story] for story in members])
        cur.executemany(self._sql("INSERT INTO stories (id, headline, first_seen, last_seen, articles, "
                                  "sources, entities, urls, article_count, source_count) "
                                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
                        [[groups.story_number(r.id), *groups.record_columns(r)] for r in records])

    def clear_stories(self) -> None:
        with self._transaction() as cur:
            for table in ("article_duplicates", "article_stories", "stories"):
                cur.execute(f"DELETE FROM {table}")
            cur.execute(self._sql("UPDATE story_state SET serial = serial + 1, seq = 0, data_seq = 0, "
                                  "data = NULL WHERE name = ?"), [groups.TRACKER])

    # --- plumbing ----------------------------------------------------------------------------

    _mark = "?"

    def _sql(self, sql: str) -> str:
        return sql if self._mark == "?" else sql.replace("?", self._mark)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def _hit_fields(decoded: Any) -> list[Any]:
    """title, url, published and body from a _HIT_FIELDS array or a whole article's JSON object."""
    if isinstance(decoded, dict):
        return [decoded.get(name) for name in ("title", "url", "published", "body")]
    return list(decoded)


def _stored(record: Sequence[Any]) -> StoredArticle:
    id, data, version, stored_at, updated_at = record
    return StoredArticle(int(id), Article.from_json(data), int(version), stored_at, updated_at)
