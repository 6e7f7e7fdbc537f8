"""What the SQLite and PostgreSQL stores share: the same tables and statements, written with `?`
placeholders (the PostgreSQL store turns them into `%s`: `sql_base.py`, the dialect layer). Each backend
supplies its connection, transactions, the full-text index and the ranked query. The statements of the
duplicate groups and stories are in `sql_stories.py`."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from newsdesk.article import Article
from newsdesk.search.query import Node, parse_query, positive_terms
from newsdesk.search.snippet import make_snippet
from newsdesk.search.tokens import IndexedDocument
from newsdesk.store import enrichment, rows
from newsdesk.store.base import (
    ArticleVersion,
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
)
from newsdesk.store.enrichment import EnrichmentRows
from newsdesk.store.sql_base import POOL_SIZE, POOL_VARIABLE, Cursor, chunks, pool_size
from newsdesk.store.sql_stories import ENTRY_PAGE, STORIES_SCHEMA, SqlStories

# The names the backends (and code written against this module) import from here.
__all__ = ["ARTICLES_SCHEMA", "ENTRY_PAGE", "POOL_SIZE", "POOL_VARIABLE", "RUN_STATE_SCHEMA",
           "STORIES_SCHEMA", "STREAM_PAGE", "Cursor", "SortKey", "SqlStore", "pool_size"]

# Migrations 1 (articles and their versions) and 3 (failures, checkpoints, feeds, fetch validators) of both
# SQL stores; {id} is the backend's auto-numbered key, {int} its integer, {date} a dates' collation.
ARTICLES_SCHEMA = """
CREATE TABLE articles (
    id {id},
    key TEXT NOT NULL UNIQUE,
    url TEXT,
    fingerprint TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    stored_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX articles_url ON articles (url);
CREATE TABLE article_versions (
    article_id {int} NOT NULL,
    version INTEGER NOT NULL,
    stored_at TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (article_id, version)
);
"""

RUN_STATE_SCHEMA = """
CREATE TABLE errors (
    id {id}, at TEXT{date} NOT NULL,
    source TEXT NOT NULL, stage TEXT NOT NULL, reason TEXT NOT NULL, location TEXT,
    host TEXT NOT NULL DEFAULT ''
);
CREATE INDEX errors_at ON errors (at);
CREATE TABLE tasks (key TEXT PRIMARY KEY, info TEXT NOT NULL, done_at TEXT NOT NULL);
CREATE TABLE feeds (
    url TEXT PRIMARY KEY, kind TEXT NOT NULL, etag TEXT, last_modified TEXT, meta TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE fetch_state (url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, updated_at TEXT NOT NULL);
"""

STREAM_PAGE = 200  # articles read at a time by iter_articles

SortKey = tuple[int, float | str]  # an id and the value it is sorted by (score or published date)


class SqlStore(SqlStories):
    """The shared logic (articles, search, enrichment, run state; the stories' in `SqlStories`);
    subclasses implement the methods that raise NotImplementedError."""

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
            waiting: set[str] = set()  # the keys in `pending`

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
                waiting.clear()

            for position, (article, row) in enumerate(pairs):
                if row.key in waiting:
                    flush()
                found = known.get(row.key)
                if found is None:
                    pending.append((position, row, rows.index_of(article)))
                    waiting.add(row.key)
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
        for chunk, marks in chunks(keys):
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
        clauses, params = rows.filters(request, "?", self._INPUT_SQL, self._author_filter)
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
    # The input (`Article.source`) of an article `r`, out of its JSON.
    _INPUT_SQL = "json_extract(r.data, '$.source')"
    # The clause of the --author filter (rows.author_filter: LIKE over the authors of each candidate).
    _author_filter = staticmethod(rows.author_filter)

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
                            "WHERE site <> '' OR host <> '' GROUP BY site, host, page_type")
        # Pages with neither (read from files): grouped by the folder of their input, in its JSON.
        inputs = self._read(f"SELECT {self._INPUT_SQL}, a.published_key, a.page_type FROM article_search a "
                            "JOIN articles r ON r.id = a.id WHERE a.site = '' AND a.host = ''")
        failures = self._read("SELECT host, count(*) FROM errors WHERE host <> '' GROUP BY host")
        failed_inputs = self._read("SELECT source, count(*) FROM errors WHERE host = '' GROUP BY source")
        return rows.summarise_sources(
            ((site, host, int(n), first, last, kind) for site, host, n, first, last, kind in groups),
            ((host, int(n)) for host, n in failures),
            ((source, published, kind) for source, published, kind in inputs),
            ((source, int(n)) for source, n in failed_inputs))

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

    # --- duplicates and stories --------------------------------------------------------------
def _hit_fields(decoded: Any) -> list[Any]:
    """title, url, published and body from a _HIT_FIELDS array or a whole article's JSON object."""
    if isinstance(decoded, dict):
        return [decoded.get(name) for name in ("title", "url", "published", "body")]
    return list(decoded)


def _stored(record: Sequence[Any]) -> StoredArticle:
    id, data, version, stored_at, updated_at = record
    return StoredArticle(int(id), Article.from_json(data), int(version), stored_at, updated_at)
