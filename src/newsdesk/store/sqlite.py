"""The default store: one SQLite file in WAL mode, with an FTS5 full-text index ranked by bm25.

Ranking is FTS5's bm25 with the title weighing 5, authors 2 and the body 1, without normalising by
document length: the index keeps no column sizes (`columnsize=0`, schema version 5), because looking
up a row's sizes was 70% of the time of ranking a common word's 30,000 matches (PostgreSQL's ts_rank,
as newsdesk calls it, does not normalise by length either). Without sizes FTS5 counts each document
as -3 tokens long against the store's true average, so the length term is a constant near 1 - b:
in a store whose documents average fewer than 9 tokens it would turn negative and rank one mention in
the body above one in the title; real articles are hundreds of tokens long. A query of one word, prefix
or phrase is so ranked by the weighted count of its occurrences, then by id: the first page of such a
query without filters is ranked by that count, from ranking functions in C (`newsdesk.store.fts5_rank`,
where they were built) that keep the best matches in a heap, with bm25's order and scores but without
bm25's second pass over every match and without sorting every match.

The FTS5 table is contentless: it holds only the index of the tokens `newsdesk.search.tokens` makes
(joined by spaces, read back by FTS5's `ascii` tokenizer unchanged), so bodies are stored once, in
the articles' JSON. Each put_many is one transaction: a crash or kill -9 loses at most the batch
being written. The schema is versioned; `MIGRATIONS` bring any older file forward on open.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from newsdesk.article import Article
from newsdesk.errors import StoreError
from newsdesk.page_types import SURE
from newsdesk.search.query import Node, Phrase, Term, to_fts5
from newsdesk.search.tokens import TOKENIZER_VERSION, IndexedDocument
from newsdesk.store import enrichment, fts5_rank, rows
from newsdesk.store.base import SearchRequest
from newsdesk.store.desk import DESK_SCHEMA
from newsdesk.store.sql import ARTICLES_SCHEMA, RUN_STATE_SCHEMA, Cursor, SortKey, SqlStore, pool_size
from newsdesk.store.sql_stories import STORIES_SCHEMA
from newsdesk.store.sqlite_days import DayIndex, parse_ids

_V1 = ARTICLES_SCHEMA.format(id="INTEGER PRIMARY KEY", int="INTEGER")

# The columns searches filter and sort on, in a narrow table of their own: read for every match, they
# must not sit behind the JSON (SQLite would walk its overflow pages to reach them).
_V2 = """
CREATE TABLE article_search (
    id INTEGER PRIMARY KEY, title TEXT NOT NULL, site TEXT NOT NULL, site_key TEXT NOT NULL,
    host TEXT NOT NULL, published_key TEXT NOT NULL, language_key TEXT NOT NULL
);
CREATE INDEX article_search_published ON article_search (published_key, id);
CREATE INDEX article_search_site ON article_search (site_key);
CREATE INDEX article_search_host ON article_search (host);
CREATE TABLE article_authors (article_id INTEGER NOT NULL, author_key TEXT NOT NULL);
CREATE INDEX article_authors_article ON article_authors (article_id);
CREATE VIRTUAL TABLE articles_fts USING fts5(title, authors, body, content='', tokenize='ascii');
INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(5.0, 2.0, 1.0)');
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_V3 = RUN_STATE_SCHEMA.format(id="INTEGER PRIMARY KEY", date="")

# The full-text index without column sizes (see the module's docstring), filled again from the articles.
_V5 = """
DROP TABLE articles_fts;
CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, authors, body, content='', tokenize='ascii', columnsize=0
);
INSERT INTO articles_fts (articles_fts, rank) VALUES ('rank', 'bm25(5.0, 2.0, 1.0)')
"""

# Version 9: each article's page type (newsdesk.extract.html.page_type), "" when it has none, and whether it
# counts as an article (newsdesk.page_types.is_article), taken from the JSON of the articles already
# stored (those stored before the classifier existed have no type, and count as articles).
_V9 = f"""
ALTER TABLE article_search ADD COLUMN page_type TEXT NOT NULL DEFAULT '';
ALTER TABLE article_search ADD COLUMN article_like INTEGER NOT NULL DEFAULT 1;
UPDATE article_search SET page_type = coalesce((SELECT json_extract(r.data, '$.page_type') FROM articles r
    WHERE r.id = article_search.id), '');
UPDATE article_search SET article_like = 0 WHERE page_type NOT IN ('', 'article') AND coalesce((
    SELECT json_extract(r.data, '$.page_type_probability') FROM articles r WHERE r.id = article_search.id),
    1) >= {SURE};
CREATE INDEX article_search_page_type ON article_search (page_type)
"""

_INSERT_SEARCH = ("INSERT OR REPLACE INTO article_search (id, title, site, site_key, host, published_key, "
                  "language_key, page_type, article_like) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
# Matches ranked before a search's filters are applied to them (SQLiteStore._ranked_filtered): looking up
# 2,000 rows costs ~3 ms, and a filter that keeps 1 match in 100 still fills a page of 20 from them.
_FILTER_CANDIDATES = 2_000

_INSERT_FTS = "INSERT INTO articles_fts (rowid, title, authors, body) VALUES (?, ?, ?, ?)"

T = TypeVar("T")


def _script(sql: str) -> Callable[[sqlite3.Connection], None]:
    def run(connection: sqlite3.Connection) -> None:
        for statement in filter(str.strip, sql.split(";")):
            connection.execute(statement)
    return run


def _reindex(connection: sqlite3.Connection) -> None:
    """Fill the search columns and the full-text index from every article's JSON."""
    connection.execute("INSERT INTO articles_fts (articles_fts) VALUES ('delete-all')")
    connection.execute("DELETE FROM article_authors")
    connection.execute("DELETE FROM article_search")
    for id, data in connection.execute("SELECT id, data FROM articles").fetchall():
        article = Article.from_json(data)
        row = rows.ArticleRow.of(article)
        connection.execute(_INSERT_SEARCH, [id, *row.search_values()])
        connection.executemany("INSERT INTO article_authors (article_id, author_key) VALUES (?, ?)",
                               [(id, key) for key in row.author_keys])
        connection.execute(_INSERT_FTS, [id, *rows.index_of(article).columns()])
    connection.execute("INSERT OR REPLACE INTO meta (name, value) VALUES ('tokenizer', ?)",
                       [str(TOKENIZER_VERSION)])


def _v2(connection: sqlite3.Connection) -> None:
    # The search columns are filled once all migrations have run (by _reindex, as the new `meta`
    # table names no tokenizer yet), so they are filled with the columns of the latest version.
    _script(_V2)(connection)


def _v4(connection: sqlite3.Connection) -> None:
    _script(enrichment.SCHEMA)(connection)
    enrichment.backfill(connection.execute, lambda sql, params: connection.executemany(sql, params))


def _v5(connection: sqlite3.Connection) -> None:
    _script(_V5)(connection)
    for id, data in connection.execute("SELECT id, data FROM articles").fetchall():
        connection.execute(_INSERT_FTS, [id, *rows.index_of(Article.from_json(data)).columns()])


def _nothing(connection: sqlite3.Connection) -> None:
    """Versions 7 and 11 changed only PostgreSQL's search (7: the title-and-authors tsvector; 11: the
    index of the authors' words and the prefix groups); the numbers stay in step."""


# Version 8: articles re-keyed (no tracking parameters in URLs; a page without a URL is where it was
# read from): see rows.REKEY_CANDIDATES.
def _v8(connection: sqlite3.Connection) -> None:
    taken = {key for key, in connection.execute("SELECT key FROM articles")}
    candidates = connection.execute(rows.REKEY_CANDIDATES).fetchall()
    for key, id in rows.rekeyed(candidates, taken):
        connection.execute("UPDATE articles SET key = ? WHERE id = ?", [key, id])


# Migration N brings a store at version N-1 to version N. Version 6 (duplicate groups and stories)
# starts empty: the articles of an older store join groups and stories at the next ingest or
# `newsdesk stories --rebuild` (newsdesk.stories.persist), which parse them. Version 8 makes the keys of
# articles again (`rows.rekeyed`): tracking parameters out, pages without a URL keyed by their source.
# Version 12: FTS5 merges its index's segments 16 at a time instead of 4 (`automerge`, kept in the index's
# configuration). Each article's entries are rewritten once per merge level; with 16 a level there are
# about half as many levels (3 instead of 5 at 1,000,000 articles), so storing an article costs the index
# ~40% less CPU, and little more at 1,000,000 articles than at 100,000; queries read the same few
# segments (20 against 16 at 1,000,000) in the same time (docs/benchmarks.md, "SQLite ingest at
# 1,000,000: committed batches, FTS5's merges, and schema 12").
FTS_AUTOMERGE = 16


def _v12(connection: sqlite3.Connection) -> None:
    connection.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', ?)",
                       [FTS_AUTOMERGE])


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _script(_V1),
    _v2,
    _script(_V3),
    _v4,
    _v5,
    _script(STORIES_SCHEMA.format(int="INTEGER", blob="BLOB", date="TEXT")),
    _nothing,
    _v8,
    _script(_V9),
    _script(DESK_SCHEMA.format(int="INTEGER")),  # 10: collections, saved searches, run state
    _nothing,
    _v12,
]


class SQLiteStore(SqlStore):
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        # Reads of a file run on connections of their own (WAL lets them read while one writes), one per
        # thread that reads at the same time, up to $NEWSDESK_DB_POOL; writes keep the first connection.
        # An in-memory database is one connection's own: it is read there too.
        self._idle: list[sqlite3.Connection] = []
        self._opened: list[sqlite3.Connection] = []
        self._closed = False  # reads of a closed store fail, as its writes do, instead of reopening
        self._slots = threading.BoundedSemaphore(pool_size())
        # Queries of one phrase are ranked by newsdesk.store.fts5_rank's function when it is there; its
        # registration must come before the connections are opened.
        self._count_ranking = fts5_rank.available()
        self._days: DayIndex | None = None  # the day of every article, for coverage (sqlite_days.py)
        self._days_lock = threading.Lock()
        try:
            self._connection = self._connect()
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot open the SQLite store: {error}", source=self.path,
                             stage="store") from None

    def _connect(self) -> sqlite3.Connection:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
        connection.execute("PRAGMA journal_mode = WAL")
        # NORMAL: in WAL mode a killed process loses nothing committed (only a power cut can lose
        # the last transactions, never corrupt the file).
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA busy_timeout = 30000")
        return connection

    def _migrate(self) -> None:
        connection = self._connection
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            found = connection.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0
            if found > len(MIGRATIONS):
                raise StoreError(f"the store has schema version {found}, newer than this newsdesk "
                                 f"({len(MIGRATIONS)}): upgrade newsdesk", source=self.path, stage="store")
            for version in range(found + 1, len(MIGRATIONS) + 1):
                MIGRATIONS[version - 1](connection)
                connection.execute("DELETE FROM schema_version")
                connection.execute("INSERT INTO schema_version (version) VALUES (?)", [version])
            tokenizer = connection.execute("SELECT value FROM meta WHERE name = 'tokenizer'").fetchone()
            if tokenizer is None or tokenizer[0] != str(TOKENIZER_VERSION):
                _reindex(connection)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    @contextmanager
    def _transaction(self) -> Iterator[Cursor]:
        with self._lock:
            cursor = self._connection.cursor()
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield cursor
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
            cursor.execute("COMMIT")

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._with_connection(lambda connection: connection.execute(sql, list(params)).fetchall())

    def _with_connection(self, run: Callable[[sqlite3.Connection], T]) -> T:
        """`run` on a connection of its own for reading (the pool's; an in-memory store's only one)."""
        if self.path == ":memory:":
            with self._lock:
                return run(self._connection)
        with self._slots:
            with self._lock:
                if self._closed:
                    raise StoreError("the store is closed", stage="store")
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                try:
                    connection = self._connect()
                except sqlite3.DatabaseError as error:
                    raise StoreError(f"cannot open the SQLite store: {error}", source=self.path,
                                     stage="store") from None
                with self._lock:
                    self._opened.append(connection)
            try:
                return run(connection)
            finally:
                with self._lock:
                    self._idle.append(connection)

    def generation(self) -> tuple[int, int]:
        """Numbers that change when anything is written to the file (by this store or any other
        connection): caches of what was read keep to them."""
        with self._lock:
            changed = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
            return changed, self._connection.total_changes

    def _insert(self, cur: Cursor, row: rows.ArticleRow, index: IndexedDocument, at: str) -> int:
        cur.execute("INSERT INTO articles (key, url, fingerprint, stored_at, updated_at, data) "
                    "VALUES (?, ?, ?, ?, ?, ?)", [row.key, row.url, row.fingerprint, at, at, row.data])
        id = int(cur.execute("SELECT last_insert_rowid()").fetchone()[0])
        cur.execute(_INSERT_SEARCH, [id, *row.search_values()])
        cur.execute(_INSERT_FTS, [id, *index.columns()])
        return id

    def _replace(self, cur: Cursor, id: int, row: rows.ArticleRow, index: IndexedDocument,
                 old_data: str, version: int, at: str) -> None:
        # A contentless index forgets a document given exactly the values it was indexed with.
        old = rows.index_of(Article.from_json(old_data))
        cur.execute("INSERT INTO articles_fts (articles_fts, rowid, title, authors, body) "
                    "VALUES ('delete', ?, ?, ?, ?)", [id, *old.columns()])
        cur.execute("UPDATE articles SET url = ?, fingerprint = ?, data = ?, version = ?, updated_at = ? "
                    "WHERE id = ?", [row.url, row.fingerprint, row.data, version, at, id])
        cur.execute(_INSERT_SEARCH, [id, *row.search_values()])
        cur.execute(_INSERT_FTS, [id, *index.columns()])

    def _match_source(self, tree: Node) -> tuple[str, str]:
        return ("article_search a JOIN articles_fts ON articles_fts.rowid = a.id AND articles_fts MATCH ?",
                to_fts5(tree))

    def _dated_source(self, tree: Node) -> tuple[str, str, str]:
        # Newest first along the date index, keeping the articles in the set of matches, until the page
        # is full: for a common word that is a few hundred index entries, where sorting every match by
        # date read them all (said: 20 -> 7 ms); a rare one walks the whole index (under 5 ms per 100,000).
        return ("article_search a INDEXED BY article_search_published",
                "+a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)", to_fts5(tree))

    def _ranked(self, tree: Node, request: SearchRequest, after: tuple[float, int] | None,
                limit: int) -> list[SortKey]:
        clauses, params = self._filters(request, tree)
        keyset: list[str] = []
        if after is not None:
            # bm25 ranks are negative, best first; the score shown is the rank negated.
            keyset.append("(f.rank > ? OR (f.rank = ? AND f.rowid > ?))")
        more = [-after[0], -after[0], after[1]] if after is not None else []
        match = to_fts5(tree)
        if (after is None and not clauses and not request.site and self._count_ranking
                and isinstance(tree, Term | Phrase)):
            counted = self._ranked_by_count(tree, limit)
            if counted is not None:
                return counted
        if request.site:
            # A site's articles are few and indexed: the matches are checked against their set, made once,
            # rather than each looked up in article_search (president --source: 14 -> 2.4 ms).
            filters = " AND ".join(clauses)
            found = self._read("SELECT f.rowid, f.rank FROM articles_fts f WHERE articles_fts MATCH ? AND "
                               f"+f.rowid IN (SELECT a.id FROM article_search a WHERE {filters})"
                               f"{''.join(f' AND {k}' for k in keyset)} ORDER BY f.rank, f.rowid LIMIT ?",
                               [match, *params, *more, limit])
        elif clauses:
            found = self._ranked_filtered(match, clauses, params, keyset, more, limit)
        else:
            where = "".join(f" AND {clause}" for clause in keyset)
            found = self._read(f"SELECT f.rowid, f.rank FROM articles_fts f WHERE articles_fts MATCH ?"
                               f"{where} ORDER BY f.rank, f.rowid LIMIT ?", [match, *more, limit])
        return [(int(id), -float(rank)) for id, rank in found]

    def _ranked_by_count(self, tree: Term | Phrase, limit: int) -> list[SortKey] | None:
        """The first page of a query of one phrase without filters, in bm25's order and with its scores,
        ranked by fts5_rank's weighted count (see that module): the matches by weighted count, then id;
        the score from that count, the number of matches and the index's totals, all read in one
        transaction. Later pages (after a cursor, which holds a score) are bm25's: the same order and
        scores. None when the count does not give bm25's order (a store of documents shorter than 9 tokens
        on average), the index has no totals to score by (then bm25 ranks, and reports what is wrong with
        the index, if anything), or the page is larger than the ranking function keeps."""
        if not 0 < limit <= fts5_rank.MOST:
            return None
        terms = tree.terms if isinstance(tree, Phrase) else (tree,)
        prefix = any(term.prefix for term in terms)

        def run(connection: sqlite3.Connection) -> tuple[list[tuple[int, int]], int, tuple[int, int]] | None:
            began = not connection.in_transaction
            if began:
                connection.execute("BEGIN")
            try:
                block = connection.execute("SELECT block FROM articles_fts_data WHERE id = 1").fetchone()
                try:
                    totals = fts5_rank.totals(block[0] if block else b"")
                except (IndexError, TypeError):  # no averages record, or a damaged one
                    return None
                if not fts5_rank.ranks_by_count(*totals):
                    return None
                page = fts5_rank.first_page(connection, "articles_fts", to_fts5(tree), limit, prefix=prefix)
                return (*page, totals)
            finally:
                if began:
                    connection.execute("COMMIT")

        counted = self._with_connection(run)
        if counted is None:
            return None
        found, matches, (total_rows, tokens) = counted
        if found and not 0 < matches <= total_rows:
            return None
        return [(id, -fts5_rank.rank(count, matches, total_rows, tokens)) for id, count in found]

    def _ranked_filtered(self, match: str, clauses: list[str], params: list[Any], keyset: list[str],
                         more: list[Any], limit: int) -> list[Any]:
        """The first `limit` matches in rank order that pass the filters `clauses` (on `a`).

        Joining every match to article_search to filter it before ranking costs a row lookup per match:
        at 1,000,000 articles `health --language de` looked up 66,000 rows to keep 20 (130 ms, against 16 ms
        to rank them all unfiltered). The best `_FILTER_CANDIDATES` matches are ranked first and only they
        are filtered; the filtered ones among them are the top of the filtered matches in the same order
        (rank, then id), so when they fill the page (or there were no more matches) that is the answer.
        A filter too selective for that falls back to filtering every match."""
        more_keyset = "".join(f" AND {clause}" for clause in keyset)
        candidates = self._read(f"SELECT f.rowid, f.rank FROM articles_fts f WHERE articles_fts MATCH ?"
                                f"{more_keyset} ORDER BY f.rank, f.rowid LIMIT ?",
                                [match, *more, _FILTER_CANDIDATES])
        if not candidates:
            return []
        kept = {int(id) for id, in self._read(
            f"SELECT a.id FROM article_search a WHERE a.id IN (SELECT value FROM json_each(?)) AND "
            f"{' AND '.join(clauses)}", [json.dumps([id for id, _ in candidates]), *params])}
        found = [(id, rank) for id, rank in candidates if id in kept][:limit]
        if len(found) == limit or len(candidates) < _FILTER_CANDIDATES:
            return found
        where = "".join(f" AND {clause}" for clause in clauses + keyset)
        return self._read(f"SELECT f.rowid, f.rank FROM articles_fts f JOIN article_search a "
                          f"ON a.id = f.rowid WHERE articles_fts MATCH ?{where} "
                          "ORDER BY f.rank, f.rowid LIMIT ?",
                          [match, *params, *more, limit])

    def published_days(self, request: SearchRequest) -> list[tuple[str, int]]:
        """As SqlStore's, counted from the day of every article kept per store generation
        (sqlite_days.py): the matching ids are read and counted per day in Python, never sorted."""
        generation = self.generation()
        with self._days_lock:
            days = self._days
            if days is None or days.generation != generation:
                days = self._days = DayIndex.read(generation, self._read)
        if days is None:
            return super().published_days(request)
        if not request.query and not request.fold_duplicates \
                and not rows.filters(request, "?", self._INPUT_SQL, self._author_filter)[0]:
            return days.totals
        source, clauses, params = self._matching(request)
        sql = f"SELECT group_concat(a.id) FROM {source} WHERE {' AND '.join(clauses)}"
        if not clauses:  # the query alone: its ids straight from the full-text index, no row looked up
            sql = "SELECT group_concat(rowid) FROM articles_fts WHERE articles_fts MATCH ?"
        found = self._read(sql, params)
        counted = days.count(parse_ids(found[0][0]))
        if counted is None or self.generation() != generation:
            return super().published_days(request)
        return counted

    def _matching_count(self, tree: Node, request: SearchRequest) -> int:
        clauses, params = self._filters(request, tree)
        source, match = self._match_source(tree)
        where = " AND ".join(clauses) or "1 = 1"
        return int(self._read(f"SELECT count(*) FROM {source} WHERE {where}", [match, *params])[0][0])

    def close(self) -> None:
        with self._lock:
            self._closed = True
            # Statistics for the query planner; closing must not fail for want of them (read-only file).
            with contextlib.suppress(sqlite3.Error):
                self._connection.execute("PRAGMA optimize")
            for connection in self._opened:
                connection.close()
            self._opened.clear()
            self._idle.clear()
            self._connection.close()
