"""The shared store: PostgreSQL through psycopg 3, full-text search on a tsvector column with a GIN
index, ranked by ts_rank.

The tsvector is built by `newsdesk.search.tokens` and cast from its literal form, and queries are
tsquery literals (`newsdesk.search.query.to_tsquery`): PostgreSQL's own parser never sees the text,
so every query finds exactly what it finds in SQLite. Same tables, migrations and semantics as
sqlite.py; put_many is one transaction. The tables and migrations are in postgres_schema.py, the
bounds that rank from few candidates in postgres_ranking.py and postgres_prefix.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from newsdesk.errors import StoreError
from newsdesk.search.query import And, Node, Not, Or, Phrase, Term, parse_query, to_tsquery
from newsdesk.search.tokens import TOKENIZER_VERSION, IndexedDocument
from newsdesk.store import rows
from newsdesk.store.base import SearchRequest
from newsdesk.store.postgres_prefix import SUM_MARGIN, ranked_by_prefix
from newsdesk.store.postgres_ranking import (
    BODY_BOUND,
    BOUNDED_LIMIT,
    MOST_CANDIDATES,
    NO_PAIR_RANK,
    TAIL_BOUND,
    checks_match,
    index_ranks,
    or_words,
    pairs_query,
    quoted,
)
from newsdesk.store.postgres_rum import ranking_index
from newsdesk.store.postgres_schema import (
    FILLED_BY,
    INSERT_ARTICLE,
    INSERT_SEARCH,
    MIGRATION_LOCK,
    MIGRATIONS,
    WRITER_WORK_MEM,
    keep_prefixes,
    keep_word_ranks,
    reindex,
    search_values,
)
from newsdesk.store.sql import Cursor, SortKey, SqlStore, pool_size

if TYPE_CHECKING:
    import psycopg


def _author_filter(words: str, mark: str) -> tuple[str, list[Any]]:
    """rows.author_filter's matches, found through the index of the authors' words (schema 11): an
    author whose name holds `words` as consecutive words holds each of them; LIKE keeps their order.
    For one word the LIKE is left out: `author_key` is its words between single spaces (tokens hold no
    space, `%`, `_` or backslash), so holding the word is matching '% word %'. Without it PostgreSQL
    estimates the authors' rows right and joins by hash (`security --author garcia`, 100,000 articles:
    28 against 85-135 ms with the LIKE, 60-112 ms for schema 10's LIKE over every author; same run)."""
    split = words.split()
    if len(split) == 1:
        return (f"a.id IN (SELECT w.article_id FROM article_authors w WHERE "
                f"string_to_array(btrim(w.author_key), ' ') @> CAST({mark} AS text[]))", [split])
    return (f"a.id IN (SELECT w.article_id FROM article_authors w WHERE string_to_array(btrim(w.author_key), "
            f"' ') @> CAST({mark} AS text[]) AND w.author_key LIKE {mark})",
            [split, f"% {words} %" if words else ""])


PAIR_SCAN = 500  # matches a filtered ranking by pairs reads in order of id before it ranks fully
WORD_SCAN = 500  # ranks of a word a filtered search reads in their order before it ranks otherwise


class PostgresStore(SqlStore):
    _mark = "%s"
    # The whole JSON, decoded in Python: PostgreSQL's json functions refuse a "\u0000" in it (which a
    # TEXT column keeps).
    _HIT_FIELDS = None
    _INPUT_SQL = "(r.data::json ->> 'source')"
    # Rank words and prefixes from the stored ranks of the head's words (schema 12); False: as schema 11
    # did (benchmarks/search.py --schema11-plans-too compares both on one store).
    _word_ranks = True
    # Count a query's matches per day from `article_days` (schema 13); False: from article_search's rows,
    # as schema 12 did (benchmarks/scale.py --schema12-coverage-too compares both on one store).
    _days = True

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError:
            raise StoreError("PostgreSQL needs psycopg: pip install 'newsdesk[postgres]'", source=url,
                             stage="store") from None
        self.url = url
        self._lock = threading.RLock()
        try:
            self._connection: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True)
        except psycopg.Error as error:
            raise StoreError(f"cannot connect to PostgreSQL: {error}".strip(), source=_safe(url),
                             stage="store") from None
        # Reads run on a pool of connections of their own, so that the threads of a server read at once
        # (one connection serves one statement at a time); writes keep the first connection.
        self._idle: list[psycopg.Connection[Any]] = []
        self._opened: list[psycopg.Connection[Any]] = []
        self._closed = False  # reads of a closed store fail, as its writes do, instead of reopening
        self._slots = threading.BoundedSemaphore(pool_size())
        self._all_days: tuple[str | None, list[tuple[str, int]]] | None = None  # per generation
        self._rum: str | None = None  # the rum extension's schema when the store has its index
        try:
            self._connection.execute(WRITER_WORK_MEM)
            self._migrate()
        except BaseException:
            self._connection.close()  # the store does not open: its connection goes with it
            raise

    def _migrate(self) -> None:
        filled: list[str] = []  # the tables just filled (schema 12 and 13, or a reindex)
        with self._transaction() as cur:
            cur.execute(b"SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
            cur.execute(b"CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            cur.execute(b"SELECT max(version) FROM schema_version")
            found = cur.fetchone()[0] or 0
            if found > len(MIGRATIONS):
                raise StoreError(f"the store has schema version {found}, newer than this newsdesk "
                                 f"({len(MIGRATIONS)}): upgrade newsdesk", source=_safe(self.url),
                                 stage="store")
            for version in range(found + 1, len(MIGRATIONS) + 1):
                MIGRATIONS[version - 1](cur)
                cur.execute(b"DELETE FROM schema_version")
                cur.execute(b"INSERT INTO schema_version (version) VALUES (%s)", [version])
                filled += [table for table, made in FILLED_BY.items() if made == version]
            cur.execute(b"SELECT value FROM meta WHERE name = 'tokenizer'")
            tokenizer = cur.fetchone()
            if tokenizer is None or tokenizer[0] != str(TOKENIZER_VERSION):
                reindex(cur)
                filled = list(FILLED_BY)
            self._rum = ranking_index(cur, _safe(self.url))
        if found > 0:
            # The visibility map of a filled table, now rather than whenever autovacuum comes by: the
            # word ranks are read by index-only scans, which read every row's heap page until then (tech*
            # at 1,000,000 articles: 5,184 buffers for 5,304 candidates, 31 once vacuumed); the days'
            # rows get their hint bits set here, not by the first coverage count. Outside the
            # migration's transaction (VACUUM cannot run in one); a store made new skips it (empty).
            for table in filled:
                with self._lock:
                    self._connection.execute(f"VACUUM (ANALYZE) {table}".encode())

    @property
    def ranking(self) -> str:
        """How searches by relevance are ranked: "rum" (ANDs and NOTs of words in the RUM index's order;
        ORs of words, prefixes and phrases by ts_rank, see `_ranked`) or "ts_rank" (every query: a store
        without the index, the default)."""
        return "rum" if self._rum is not None else "ts_rank"

    @contextmanager
    def _transaction(self) -> Iterator[Cursor]:
        with self._lock, self._connection.transaction(), self._connection.cursor() as cur:
            yield _Converting(cur)

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._reader() as connection, connection.cursor() as cur:
            cur.execute(self._sql(sql).encode(), list(params))
            return cur.fetchall()

    def _read_planned(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """`_read`, planned for these parameters every time: never a prepared statement, whose generic
        plan PostgreSQL may choose after five runs. The ranges of `article_word_ranks` need it: a
        generic plan cannot know how few rows `word >= $1 AND word < $2` holds, and walked the whole
        table in order of article id (tech* at 1,000,000 articles: 2,037 ms against 17)."""
        with self._reader() as connection, connection.cursor() as cur:
            cur.execute(self._sql(sql).encode(), list(params), prepare=False)
            return cur.fetchall()

    @contextmanager
    def _reader(self) -> Iterator[psycopg.Connection[Any]]:
        """An idle read connection of the pool (opened when none is idle), waiting while all are busy."""
        import psycopg

        with self._slots:
            with self._lock:
                if self._closed:
                    raise StoreError("the store is closed", stage="store")
                connection = self._idle.pop() if self._idle else None
            if connection is None or connection.closed:
                try:
                    connection = psycopg.connect(self.url, autocommit=True)
                except psycopg.Error as error:
                    raise StoreError(f"cannot connect to PostgreSQL: {error}".strip(), source=_safe(self.url),
                                     stage="store") from None
                with self._lock:
                    self._opened.append(connection)
            try:
                yield connection
            finally:
                with self._lock:
                    idle = psycopg.pq.TransactionStatus.IDLE
                    if connection.closed or connection.info.transaction_status != idle:  # broken: drop it
                        connection.close()
                    else:
                        self._idle.append(connection)

    def _insert(self, cur: Cursor, row: rows.ArticleRow, index: IndexedDocument, at: str) -> int:
        cur.execute(INSERT_ARTICLE, [row.key, row.url, row.fingerprint, at, at, row.data])
        id = int(cur.fetchone()[0])
        cur.execute(INSERT_SEARCH, search_values(id, row, index))
        keep_prefixes(cur, [(id, index)], replace=False)
        keep_word_ranks(cur, [id], replace=False)
        return id

    def _insert_many(self, cur: Cursor, items: list[tuple[rows.ArticleRow, IndexedDocument]],
                     at: str) -> list[int]:
        if len(items) < 2:
            return super()._insert_many(cur, items, at)
        assert isinstance(cur, _Converting)
        ids = cur.insert_returning_ids(
            INSERT_ARTICLE, [[row.key, row.url, row.fingerprint, at, at, row.data] for row, _ in items])
        cur.executemany(INSERT_SEARCH, [search_values(id, row, index)
                                         for id, (row, index) in zip(ids, items, strict=True)])
        keep_prefixes(cur, [(id, index) for id, (_, index) in zip(ids, items, strict=True)], replace=False)
        keep_word_ranks(cur, ids, replace=False)
        return ids

    _author_filter = staticmethod(_author_filter)

    def _replace(self, cur: Cursor, id: int, row: rows.ArticleRow, index: IndexedDocument,
                 old_data: str, version: int, at: str) -> None:
        cur.execute("UPDATE articles SET url = %s, fingerprint = %s, data = %s, version = %s, "
                    "updated_at = %s WHERE id = %s", [row.url, row.fingerprint, row.data, version, at, id])
        cur.execute(INSERT_SEARCH, search_values(id, row, index))
        keep_prefixes(cur, [(id, index)], replace=True)
        keep_word_ranks(cur, [id], replace=True)

    def _match_source(self, tree: Node) -> tuple[str, str]:
        return "(SELECT * FROM article_search WHERE tsv @@ CAST(? AS tsquery)) a", to_tsquery(tree)

    def _ranked(self, tree: Node, request: SearchRequest, after: tuple[float, int] | None,
                limit: int) -> list[SortKey]:
        words = or_words(tree)
        # The RUM index ranks what the bounded ranking cannot (ANDs and NOTs of words): ORs of words are
        # ranked faster from their few title matches (at 100,000 articles, same run: `said` 67 against
        # 125 ms, `health --language de` 16 against 51 ms), NOTs far slower by ts_rank over every
        # match (`police NOT court` 91 against 34 ms; measured before such queries were ranked by pairs
        # below, which reads a page of rows: the index keeps them only as its own order, asked for).
        if self._rum is not None and words is None and index_ranks(tree):
            return self._ranked_by_index(self._rum, tree, request, after, limit)
        if (words is not None and len(words) == 1 and not checks_match(tree) and limit <= BOUNDED_LIMIT
                and self._word_ranks):
            found = self._ranked_by_word(tree, words[0], request, after, limit)
            if found is not None:
                return found
        if words is not None and len(words) > 1 and limit <= BOUNDED_LIMIT and self._word_ranks:
            found = self._ranked_by_words(tree, words, request, after, limit)
            if found is not None:
                return found
        if words is not None and limit <= BOUNDED_LIMIT:
            found = self._ranked_by_head(tree, words, request, after, limit)
            if found is not None:
                return found
        if isinstance(tree, Term) and tree.prefix and limit <= BOUNDED_LIMIT:
            found = self._ranked_by_prefix(tree, request, after, limit)
            if found is not None:
                return found
        pairs = pairs_query(tree)
        if pairs is not None and limit <= BOUNDED_LIMIT:
            return self._ranked_by_pairs(tree, pairs, request, after, limit)
        return self._ranked_fully(tree, request, after, limit)

    def _ranked_by_pairs(self, tree: Node, pairs: str, request: SearchRequest,
                         after: tuple[float, int] | None, limit: int) -> list[SortKey]:
        """The full ranking of a word or an OR with NOTs (`police NOT court`): the matches holding two
        of its operands (`pairs`, none when "") ranked by ts_rank, merged with the first other matches
        by id, which all rank NO_PAIR_RANK (postgres_ranking.pairs_query proves it). The second part
        reads rows in order of id until a page is found (about `limit` divided by the word's share of
        the store), not every match."""
        filters, filtering = self._filters(request, tree)
        ranked: list[SortKey] = []
        if pairs:
            pairing = (["a.tsv @@ CAST(? AS tsquery)"], [pairs])
            ranked = self._ranked_fully(tree, request, after, limit, pairing)
        if after is not None and after[0] < NO_PAIR_RANK:
            return ranked
        clauses: list[str] = []
        params: list[Any] = []
        if after is not None and after[0] == NO_PAIR_RANK:
            clauses, params = ["a.id > ?"], [after[1]]
        if pairs:
            clauses, params = [*clauses, "NOT a.tsv @@ CAST(? AS tsquery)"], [*params, pairs]
        where = "".join(f" AND {clause}" for clause in clauses)
        matching = f"SELECT a.id FROM article_search a WHERE a.tsv @@ CAST(? AS tsquery){where} ORDER BY a.id"
        if not filters:
            ties = self._read(f"{matching} LIMIT ?", [to_tsquery(tree), *params, limit])
        else:
            # Filtered: the filters are checked on the first PAIR_SCAN matches in order of id only (one
            # bounded walk, read once). A filter few of them pass (a narrow date range, a rare language)
            # would otherwise make the walk in order of id read the store a long way: when the first
            # matches do not fill the page and there are more, the full ranking, which reads only the
            # matches the filters pass.
            found = self._read(
                f"WITH s AS MATERIALIZED ({matching} LIMIT ?) SELECT a.id, (SELECT count(*) FROM s) "
                f"FROM s JOIN article_search a ON a.id = s.id WHERE {' AND '.join(filters)} "
                "ORDER BY a.id LIMIT ?", [to_tsquery(tree), *params, PAIR_SCAN, *filtering, limit])
            if len(found) < limit:  # the matches ran out, or the walk stopped short of them
                read = int(found[0][1]) if found else int(self._read(
                    f"SELECT count(*) FROM ({matching} LIMIT ?) s",
                    [to_tsquery(tree), *params, PAIR_SCAN])[0][0])
                if read >= PAIR_SCAN:
                    return self._ranked_fully(tree, request, after, limit)
            ties = [(id,) for id, _ in found]
        merged = [*ranked, *((int(id), NO_PAIR_RANK) for id, in ties)]
        return sorted(merged, key=lambda key: (-float(key[1]), key[0]))[:limit]

    def _ranked_by_index(self, schema: str, tree: Node, request: SearchRequest,
                         after: tuple[float, int] | None, limit: int) -> list[SortKey]:
        """The RUM index's order: best score (the inverse of RUM's distance `<=>`) first, ties by id.

        The statement orders by the distance alone, which the index gives in order (ordering by the
        distance and the id would make PostgreSQL sort every match: `said`'s 34,000 in 0.76 s against
        0.06 s); it reads on until the distance passes that of the `limit`-th article, so that every
        article tied with it is there, and the ties are put in order of id here. The query is written
        into the statement as parameters, not joined as a relation (the index orders only by a distance
        to a constant); the score is one expression for the page and for the cursor's keyset, so a page
        ends and the next begins at exactly one place.
        """
        clauses, params = self._filters(request, tree)
        where = "".join(f" AND {clause}" for clause in clauses)
        query = to_tsquery(tree)
        distance = f'(a.tsv OPERATOR("{schema}".<=>) CAST(? AS tsquery))'
        score = f"(1.0::float8 / {distance}::float8)"
        keyset, more = "", []
        if after is not None:
            keyset = f" AND ({score} < ? OR ({score} = ? AND a.id > ?))"
            more = [query, after[0], query, after[0], after[1]]
        read = limit
        while True:
            found = self._read(f"SELECT a.id, {score}, {distance} FROM article_search a WHERE a.tsv @@ "
                               f"CAST(? AS tsquery){where}{keyset} ORDER BY {distance} LIMIT ?",
                               [query, query, query, *params, *more, query, read])
            if len(found) < read or found[-1][2] > found[limit - 1][2]:
                break
            read *= 4
        ordered = sorted((-float(score), int(id)) for id, score, _ in found)
        return [(id, -score) for score, id in ordered[:limit]]

    def _ranked_by_word(self, tree: Node, word: str, request: SearchRequest,
                        after: tuple[float, int] | None, limit: int) -> list[SortKey] | None:
        """The first `limit` of the full ranking of a one-word query (`said`), read in order from the
        index of `article_word_ranks` (schema 12); None when they are not all there.

        The proof. ts_rank of a query of one word (calc_rank_or over one operand) is a function of that
        word's positions in the article alone, so the rank stored for an article with the word in its
        head is exactly the rank a search computes (the same function of the same tsvector and tsquery),
        and the index gives those articles in the full ranking's order: rank descending, then id. Every
        other match has the word in its body only and ranks below BODY_BOUND. So once `limit` of them
        (after the cursor's keyset, kept by the filters) are found and the last ranks above BODY_BOUND,
        no other match can come before it: the page is the full ranking's, same ids, order and scores.
        Otherwise (too few articles have the word in their head, a page deep in the body-only matches)
        the caller ranks as before.

        The work is the page's index entries (no tsvector is read), whatever the size of the store. With
        filters, the first WORD_SCAN entries are read and checked; a filter few of them pass (a rare
        language, a narrow date range) leaves the page to the ranking from head candidates, which reads
        only what the filters pass."""
        clauses, params = self._filters(request, tree)
        keyset, more = "", []
        if after is not None:
            # rank <= x bounds the index scan; then rank < x, or the same rank and a later id.
            keyset = " AND r.rank <= ? AND (r.rank < ? OR r.article_id > ?)"
            more = [after[0], after[0], after[1]]
        # float8: the rank must come back exactly as compared (as a float4 it is read as its text).
        walk = ("SELECT r.article_id, r.rank::float8 AS rank FROM article_word_ranks r "
                f"WHERE r.word = ?{keyset} ORDER BY r.rank DESC, r.article_id LIMIT ?")
        if not clauses:
            found = self._read_planned(walk, [word, *more, limit])
        else:
            found = self._read_planned(f"WITH s AS MATERIALIZED ({walk}) SELECT s.article_id, s.rank "
                               "FROM s JOIN article_search a ON a.id = s.article_id "
                               f"WHERE {' AND '.join(clauses)} ORDER BY s.rank DESC, s.article_id LIMIT ?",
                               [word, *more, WORD_SCAN, *params, limit])
        if len(found) < limit or float(found[limit - 1][1]) <= BODY_BOUND:
            return None
        return [(int(id), float(rank)) for id, rank in found]

    def _ranked_by_words(self, tree: Node, words: list[str], request: SearchRequest,
                         after: tuple[float, int] | None, limit: int) -> list[SortKey] | None:
        """The first `limit` of the full ranking of an OR of words (`china OR russia`), from the stored
        ranks of the head's words (schema 12); None when it cannot be shown, or with filters (the
        ranking from head candidates reads only the articles they pass).

        The proof. ts_rank of such a query is calc_rank_or: the mean over its k distinct words (those
        under a NOT too) of r_d(w), r_d(w) depending only on w's positions in the article d, 0 when it
        has none. For a word in d's head r_d(w) is the stored rank; for any other, r_d(w) < BODY_BOUND.
        So an article with query words in its head (a candidate, read from the index alone) ranks at
        least (sum of its stored ranks) / k and at most (that sum + (k - their number) * BODY_BOUND) / k,
        and any other match below BODY_BOUND. Candidates are ranked exactly (ts_rank on the whole
        tsvector, checked to match when the query has a phrase or NOT) best bound first, until the
        `limit`-th exact rank after the cursor is above the bound of every candidate not ranked and
        above BODY_BOUND: the full ranking's page. ts_rank adds in float4: SUM_MARGIN to spare."""
        clauses, _ = self._filters(request, tree)
        if clauses:
            return None
        found = self._read_planned("SELECT r.article_id, sum(r.rank::float8), count(*) "
                                   "FROM article_word_ranks r WHERE r.word = ANY(?) "
                                   "GROUP BY r.article_id LIMIT ?", [words, MOST_CANDIDATES + 1])
        if not found or len(found) > MOST_CANDIDATES:
            return None
        k = len(words)
        waiting = sorted((((float(ranked) + (k - int(count)) * BODY_BOUND) / k + SUM_MARGIN, int(id))
                          for id, ranked, count in found), reverse=True)
        query = to_tsquery(tree)
        check = " AND a.tsv @@ CAST(? AS tsquery)" if checks_match(tree) else ""
        scores: dict[int, float] = {}
        done = 0  # waiting[:done] have their exact rank in `scores` (when they match)
        want = min(len(waiting), limit)
        while True:
            if want > done:
                ids = [id for _, id in waiting[done:want]]
                ranked = self._read("SELECT a.id, ts_rank(a.tsv, CAST(? AS tsquery))::float8 FROM "
                                    f"article_search a WHERE a.id = ANY(?){check}",
                                    [query, ids, *([query] if check else [])])
                scores.update((int(id), float(score)) for id, score in ranked)
                done = want
            kept = sorted((-score, id) for id, score in scores.items()
                          if after is None or score < after[0] or (score == after[0] and id > after[1]))
            beyond = max(BODY_BOUND, waiting[done][0] if done < len(waiting) else 0.0)
            if len(kept) >= limit:
                last = -kept[limit - 1][0]
                if last > beyond:
                    return [(id, -score) for score, id in kept[:limit]]
                if last <= BODY_BOUND:
                    return None
                reach = done
                while reach < len(waiting) and waiting[reach][0] >= last:
                    reach += 1
                want = min(reach, max(2 * done, done + limit))
            elif done == len(waiting):
                return None  # fewer than a page among the candidates: the body-only matches may fill it
            else:
                want = min(len(waiting), max(2 * done, done + limit))

    def _ranked_by_head(self, tree: Node, words: list[str], request: SearchRequest,
                        after: tuple[float, int] | None, limit: int) -> list[SortKey] | None:
        """The first `limit` of the full ranking, found by ranking only articles with a query word in
        their title or authors; None when the bounds (TAIL_BOUND, BODY_BOUND) cannot prove it, or the
        candidates are too many to be worth it.

        Ranking every match of a common word reads every matching tsvector (34,000 for `said` in
        100,000 articles); the candidates are the few hundred with the word in the title. Their rank on
        the title and authors alone (`head`, small) is within `slack` of their full rank, which is
        computed for those that can still reach the top; a match without a word in its head ranks below
        BODY_BOUND. The result is exactly that of the full ranking (tests/test_store_scale.py compares).
        """
        clauses, params = self._filters(request, tree)
        where = "".join(f" AND {clause}" for clause in clauses)
        query = to_tsquery(tree)
        check = checks_match(tree)
        head_query = " | ".join(quoted(word) for word in words)
        candidates = self._read(
            "SELECT a.id, ts_rank(a.head, q)::float8 FROM article_search a, CAST(? AS tsquery) q "
            f"WHERE a.head @@ CAST(? AS tsquery){' AND a.tsv @@ q' if check else ''}{where} LIMIT ?",
            [query, head_query, *params, MOST_CANDIDATES + 1])
        if not candidates or len(candidates) > MOST_CANDIDATES:
            return None
        candidates.sort(key=lambda found: -found[1])
        slack = ((len(words) - 1) * BODY_BOUND + TAIL_BOUND) / len(words)
        scores: dict[int, float] = {}
        done = 0  # candidates[:done] have their full rank in `scores`
        want = min(len(candidates), limit)
        while True:
            # The next candidates to rank fully: up to `want`, and all that tie with the last of them.
            end = want
            while end < len(candidates) and candidates[end][1] == candidates[end - 1][1]:
                end += 1
            if end > done:
                scores.update(self._full_ranks([int(id) for id, _ in candidates[done:end]], query))
                done = end
            kept = sorted((-score, id) for id, score in scores.items()
                          if after is None or score < after[0] or (score == after[0] and id > after[1]))
            if len(kept) >= limit:
                last = -kept[limit - 1][0]
                beyond = max(BODY_BOUND, candidates[done][1] + slack if done < len(candidates) else 0.0)
                if last > beyond:
                    return [(id, -score) for score, id in kept[:limit]]
                if last <= BODY_BOUND:
                    return None
                # Every candidate whose head rank plus slack reaches `last` may still be above it.
                want = done
                while want < len(candidates) and candidates[want][1] + slack >= last:
                    want += 1
                if want == done:  # (cannot happen: `beyond` says one can reach it)
                    return None
            elif done == len(candidates):
                return None
            else:
                want = min(len(candidates), max(2 * done, done + limit))

    def _ranked_by_prefix(self, tree: Term, request: SearchRequest, after: tuple[float, int] | None,
                          limit: int) -> list[SortKey] | None:
        """The first `limit` of the full ranking of a prefix, from a bounded candidate set
        (postgres_prefix.py proves it); None when the bounds cannot show it."""
        clauses, params = self._filters(request, tree)
        where = "".join(f" AND {clause}" for clause in clauses)
        found = ranked_by_prefix(self._read_planned, tree.text, to_tsquery(tree), where, params, after,
                                 limit, word_ranks=self._word_ranks)
        return None if found is None else [(id, score) for id, score in found]

    def _full_ranks(self, ids: list[int], query: str) -> dict[int, float]:
        found = self._read("SELECT a.id, ts_rank(a.tsv, CAST(? AS tsquery))::float8 FROM article_search a "
                           "WHERE a.id = ANY(?)", [query, ids])
        return {int(id): float(score) for id, score in found}

    def _ranked_fully(self, tree: Node, request: SearchRequest, after: tuple[float, int] | None,
                      limit: int, extra: tuple[list[str], list[Any]] = ([], [])) -> list[SortKey]:
        """Every match ranked by ts_rank (and kept by the `extra` clauses on `a` with their parameters)."""
        clauses, params = self._filters(request, tree)
        clauses, params = [*clauses, *extra[0]], [*params, *extra[1]]
        where = "".join(f" AND {clause}" for clause in clauses)
        keyset, more = "", []
        if after is not None:
            keyset = "WHERE score < ? OR (score = ? AND id > ?)"
            more = [after[0], after[0], after[1]]
        # float8: the score must come back exactly as compared, for the cursor.
        found = self._read("SELECT id, score FROM (SELECT a.id, ts_rank(a.tsv, q)::float8 AS score "
                           f"FROM article_search a, CAST(? AS tsquery) q WHERE a.tsv @@ q{where}) s {keyset} "
                           "ORDER BY score DESC, id LIMIT ?", [to_tsquery(tree), *params, *more, limit])
        return [(int(id), float(score)) for id, score in found]

    def published_days(self, request: SearchRequest) -> list[tuple[str, int]]:
        """As SqlStore's, without compiling the statement (JIT), with every article's days kept per store
        generation, and a query without filters or phrases counted from `article_days` (schema 13).
        The grouping of a common word costs PostgreSQL estimates past jit_above_cost, and compiling it
        took 120-370 ms of the 1.5-2.5 s of `said` at 1,000,000 articles, for a statement run once; every
        article per day (the shares' denominators, asked with each coverage) took 0.7-2.4 s there: it is
        read again only after a write. `article_days`' GIN index finds a query's matches among narrow
        rows, read in the order of the table with no second look at the words (the bitmap of their
        addresses kept exact by the work_mem given; a lossy one would recheck whole pages of words).
        Planned for its query every time, never prepared: one statement serves every query, and the
        generic plan PostgreSQL chose after a few common words made `china OR russia` 444 ms against
        30-80 at 1,000,000 articles."""
        rows.check_request(request)
        filtered = request.fold_duplicates or bool(
            rows.filters(request, "?", self._INPUT_SQL, self._author_filter)[0])
        tree = parse_query(request.query)
        everything = tree is None and not filtered
        generation = self.generation() if everything else None
        kept = self._all_days
        if everything and kept is not None and kept[0] == generation:
            return kept[1]
        settings = ["SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"]
        params: list[Any] = []
        if everything and self._days:  # 245 ms at 1,000,000 articles, against 1.1 s from article_search
            sql = "SELECT d.day, count(*) FROM article_days d GROUP BY d.day"
        elif tree is not None and not filtered and self._days and not _positional(tree):
            sql = ("SELECT d.day, count(*) FROM article_days d WHERE d.words @@ CAST(? AS tsquery) "
                   "GROUP BY d.day")
            params = [to_tsquery(tree)]
            # A common word's matches are most of the table, where the planner would read every row's
            # words (out of line for most) to test them; the index answers without them.
            settings.append("SET LOCAL enable_seqscan = off")
        else:
            source, clauses, params = self._matching(request)
            where = " AND ".join(clauses) or "1 = 1"
            sql = (f"SELECT substr(a.published_key, 1, 10), count(*) FROM {source} WHERE {where} "
                   "GROUP BY substr(a.published_key, 1, 10)")
        with self._reader() as connection, connection.transaction(), connection.cursor() as cur:
            cur.execute("; ".join(settings).encode())  # one round trip (no parameters: one simple query)
            cur.execute(self._sql(sql).encode(), params, prepare=False)
            found = [(day or "", int(count)) for day, count in cur.fetchall()]
        if everything:
            self._all_days = (generation, found)
        return found

    def _matching_count(self, tree: Node, request: SearchRequest) -> int:
        clauses, params = self._filters(request, tree)
        source, match = self._match_source(tree)
        where = " AND ".join(clauses) or "1 = 1"
        return int(self._read(f"SELECT count(*) FROM {source} WHERE {where}", [match, *params])[0][0])

    def generation(self) -> str:
        """A value that changes when anything is written (to any database of the server): the current
        snapshot (xmin:xmax:transactions in progress). Only writing transactions take an id, and a
        write that was in progress when a cache was filled changes it when it commits (the next
        transaction id alone does not). Caches of what was read keep to it."""
        with self._reader() as connection:
            row = connection.execute(b"SELECT pg_current_snapshot()::text").fetchone()
        return str(row[0]) if row else ""

    def close(self) -> None:
        with self._lock:
            self._closed = True
            for connection in self._opened:
                connection.close()
            self._opened.clear()
            self._idle.clear()
            self._connection.close()


class _Converting:
    """A psycopg cursor that takes the shared `?`-placeholder SQL (as str) or ready SQL (as bytes)."""

    def __init__(self, cur: psycopg.Cursor[Any]) -> None:
        self._cur = cur

    @property
    def rowcount(self) -> int:
        return self._cur.rowcount

    def execute(self, query: Any, params: Any = None, /) -> Any:
        sql = query if isinstance(query, bytes) else query.replace("?", "%s").encode()
        return self._cur.execute(sql, params)

    def executemany(self, query: Any, params_seq: Any, /) -> Any:
        sql = query if isinstance(query, bytes) else query.replace("?", "%s").encode()
        return self._cur.executemany(sql, params_seq)

    def insert_returning_ids(self, query: str, params_seq: list[list[Any]]) -> list[int]:
        """One executemany (pipelined: one round trip), and the id each row got, in order."""
        self._cur.executemany(query.encode(), params_seq, returning=True)
        ids = []
        while True:
            row = self._cur.fetchone()
            assert row is not None
            ids.append(int(row[0]))
            if not self._cur.nextset():
                return ids

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cur.fetchall()


def _positional(node: Node) -> bool:
    """Whether a query needs its words' positions (a phrase), which article_days does not keep."""
    if isinstance(node, Phrase):
        return True
    if isinstance(node, Not):
        return _positional(node.child)
    if isinstance(node, (And, Or)):
        return any(_positional(child) for child in node.children)
    return False


def _safe(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
