"""Ingest rate into large stores as they are (PostgreSQL schemas, SQLite files), without changing them.

    .venv/bin/python benchmarks/scale_ingest.py [--postgres-url URL --schema SCHEMA [--schema SCHEMA2]]
                                                [--sqlite PATH [--sqlite PATH2]] [--articles 2000]
                                                [--batch 500] [--warm-up 1] [--io] [--one-way] [--settle]
                                                [--set NAME=VALUE] [--sqlite-set NAME=VALUE]
                                                [--commit-copies DIR [--fts-config NAME=VALUE]] [--batches]

For each store (a store of the search benchmark's, e.g. the PostgreSQL schemas
newsdesk_bench_search_1000000_s7_v2 and the 100,000 one, or the SQLite files search-1000000-s7-v2.db and
search-100000-s7-v2.db), new articles of the search benchmark's generator (another seed; their addresses
under /bench-ingest/, so none is in the store) are stored with Store.put_many in batches, each batch
inside an outer transaction that is then rolled back: the store is left as it was (but for dead rows and
dead index entries on PostgreSQL, which VACUUM takes). `--warm-up` batches go first, untimed, so that a
store just opened is not timed while its pages come into memory.

- PostgreSQL: every other batch is stored with the trigger that keeps `article_days` (schema 13 and
  later) disabled in that transaction, which is schema 12's write path; the two take turns, the order
  swapped every round (`--one-way`: only as the store is). A GIN index's new entries wait in its
  pending list, merged into the index by the insert that finds the list over gin_pending_list_limit (or
  by VACUUM): `--settle` merges the lists before the run (untimed) and after it (timed), so that the
  figure holds what the run's entries cost however seldom they are merged.
- SQLite: the store's own transaction is opened and rolled back by this benchmark instead of committed;
  before the rollback a savepoint makes FTS5 write the terms it still holds in memory to its segments
  (and merge them), as a commit would. What the rollback leaves out is the commit's write of the last
  dirty pages of SQLite's page cache (2 MB: it spills the rest to the WAL during the batch).

Prints articles per second for each store (and way), the CPU milliseconds per article of this process
and of the PostgreSQL server process serving the store's writes (read from /proc: the server on this
machine; less moved than the rate by the load of a shared machine), their ratios, the store's bytes per
article and the load. With --io, PostgreSQL's blocks read from outside shared_buffers and found in them,
per index and table, per new article (the schema's pg_statio counters before and after), and (with one
schema) the statements that took the most time (pg_stat_statements, when the server loads it). The
stores take turns batch by batch, so that the machine's load falls on all alike. Ratios of one run are
the figures to compare.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from backends import in_schema, load_average
from corpus import make_articles, require_data
from newsdesk.store import SearchRequest, open_store
from newsdesk.store.postgres import PostgresStore
from newsdesk.store.sqlite import SQLiteStore

_IO = ("SELECT relname, indexrelname, idx_blks_read, idx_blks_hit FROM pg_statio_user_indexes "
       "WHERE schemaname = %s UNION ALL "
       "SELECT relname, '(table)', heap_blks_read + coalesce(toast_blks_read, 0), "
       "heap_blks_hit + coalesce(toast_blks_hit, 0) FROM pg_statio_user_tables WHERE schemaname = %s")
_TOP_STATEMENTS = ("SELECT calls, total_exec_time, shared_blks_read, shared_blks_hit, "
                   "left(regexp_replace(query, '\\s+', ' ', 'g'), 90) FROM pg_stat_statements "
                   "WHERE query NOT LIKE '%%pg_stat%%' ORDER BY total_exec_time DESC LIMIT 8")


def _pairs(settings: Sequence[str]) -> list[tuple[str, str]]:
    """NAME=VALUE options as (name, value), blanks around each trimmed."""
    return [(name.strip(), value.strip()) for name, _, value in (s.partition("=") for s in settings)]


@dataclass
class Measured:
    """One store's run: its name, articles, bytes, and per way (True: as the store is) the seconds and
    the CPU seconds of this process and of the PostgreSQL server process serving it (when readable)."""

    name: str
    backend: str
    count: int
    size: int
    seconds: dict[bool, float]
    cpu: dict[bool, float] = field(default_factory=dict)


class Clock:
    """Wall time and CPU time (this process's, and the server process's `pid` when given and readable in
    /proc: the server on this machine) of what runs between `start` and `stop`, added up."""

    def __init__(self, pid: int | None = None) -> None:
        self.stat = Path(f"/proc/{pid}/stat") if pid else None
        self.wall = self.cpu = 0.0
        self.batches: list[float] = []  # CPU seconds of each start-stop

    def _server(self) -> float:
        if self.stat is None or not self.stat.exists():
            return 0.0
        fields = self.stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime

    def start(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time() + self._server()

    def stop(self) -> None:
        self.wall += time.perf_counter() - self._wall
        self.batches.append(time.process_time() + self._server() - self._cpu)
        self.cpu += self.batches[-1]


def put_rolled_back(store: PostgresStore, batch: list[Any], trigger: bool, clock: Clock) -> None:
    """put_many of `batch` inside an outer transaction rolled back afterwards, timed by `clock`."""
    import psycopg

    connection = store._connection
    with store._lock, connection.transaction():
        if not trigger:
            connection.execute(b"ALTER TABLE article_search DISABLE TRIGGER article_search_days")
        clock.start()
        store.put_many(batch)
        clock.stop()
        raise psycopg.Rollback()


def put_rolled_back_sqlite(store: SQLiteStore, batch: list[Any], clock: Clock) -> None:
    """Seconds of put_many of `batch` into the SQLite `store` whose transaction is rolled back instead of
    committed (after a savepoint, which makes FTS5 write what it holds in memory)."""
    connection = store._connection

    @contextmanager
    def rolled_back() -> Iterator[sqlite3.Cursor]:
        cursor = connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
            cursor.execute("SAVEPOINT newsdesk_flush")
        finally:
            cursor.execute("ROLLBACK")

    with store._lock:
        setattr(store, "_transaction", rolled_back)  # noqa: B010 (the instance's, for this batch only)
        try:
            clock.start()
            store.put_many(batch)
            clock.stop()
        finally:
            delattr(store, "_transaction")


def _statio(url: str, schema: str, writer: PostgresStore) -> dict[tuple[str, str], tuple[int, int]]:
    """The schema's blocks read and hit per index and table, with the counters of the store's writing
    connection flushed to them first (a backend flushes its counters at most once a second, and when idle
    only after a while)."""
    import psycopg

    with writer._lock:
        try:
            writer._connection.execute(b"SELECT pg_stat_force_next_flush()")  # PostgreSQL 15 and later
        except psycopg.Error:
            time.sleep(1)
        writer._connection.execute(b"SELECT 1")
    with psycopg.connect(url, autocommit=True) as connection:
        found = connection.execute(_IO.encode(), [schema, schema]).fetchall()
    return {(table, index): (int(read), int(hit)) for table, index, read, hit in found}


def _statements(url: str, reset: bool) -> list[Any]:
    """The statements that took the most time since the last reset (and reset them); [] without
    pg_stat_statements."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        try:
            found = [] if reset else connection.execute(_TOP_STATEMENTS.encode()).fetchall()
            connection.execute(b"SELECT pg_stat_statements_reset()")
        except psycopg.Error:
            return []
    return found


def _print_io(schema: str, before: dict[tuple[str, str], tuple[int, int]],
              after: dict[tuple[str, str], tuple[int, int]], articles: int, statements: list[Any]) -> None:
    print(f"\n{schema}: blocks per new article (both ways), read from outside shared_buffers / found in them")
    deltas = sorted(((after[key][0] - before.get(key, (0, 0))[0], after[key][1] - before.get(key, (0, 0))[1],
                      key) for key in after), reverse=True)
    for read, hit, (table, index) in deltas:
        if read or hit:
            print(f"  {table + ' ' + index:<55} {read / articles:>8.2f} {hit / articles:>8.2f}")
    if statements:
        print(f"{schema}: statements by time (calls, ms, blocks read, blocks hit)")
        for calls, ms, read, hit, query in statements:
            print(f"  {calls:>6} {ms:>9.0f} {read:>9} {hit:>10}  {query}")


_GIN_INDEXES = ("SELECT c.oid::regclass::text FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
                "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE am.amname = 'gin' "
                "AND n.nspname = current_schema()")


def clean_pending(store: PostgresStore, clock: Clock) -> None:
    """Merge the pending lists of the store's GIN indexes into them (what a later insert or VACUUM would
    do), timed by `clock`."""
    connection = store._connection
    with store._lock:
        for index, in connection.execute(_GIN_INDEXES.encode()).fetchall():
            clock.start()
            connection.execute(b"SELECT gin_clean_pending_list(CAST(%s AS regclass))", [index])
            clock.stop()


class PostgresRun:
    """Batches into one PostgreSQL store, as it is and (unless `one_way`) with schema 12's write path."""

    def __init__(self, url: str, schema: str, one_way: bool, settle: bool, io: bool,
                 settings: list[str]) -> None:
        self.url, self.schema, self.settle, self.io = url, schema, settle, io
        store = open_store(in_schema(url, schema))
        assert isinstance(store, PostgresStore)
        for name, value in _pairs(settings):  # the writing connection's, after the store's own
            store._connection.execute(b"SELECT set_config(%s, %s, false)", [name, value])
        self.store = store
        count = store.count(SearchRequest())
        size = store._read("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c "
                           "JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')")[0][0]
        pid = store._connection.info.backend_pid  # the server process of the store's writing connection
        ways = (True,) if one_way else (True, False)
        self.measured = Measured(schema, "postgres", count, int(size), {}, {})
        self.clocks = {way: Clock(pid) for way in ways}
        self.before: dict[tuple[str, str], tuple[int, int]] = {}

    def warm(self, batch: list[Any]) -> None:
        put_rolled_back(self.store, batch, True, Clock())

    def start(self) -> None:
        if self.settle:
            clean_pending(self.store, Clock())
        self.before = _statio(self.url, self.schema, self.store) if self.io else {}

    def put(self, batch: list[Any], round: int) -> None:
        for trigger in (tuple(self.clocks) if round % 2 == 0 else tuple(reversed(self.clocks))):
            put_rolled_back(self.store, batch, trigger, self.clocks[trigger])

    def finish(self, articles: int, statements: bool) -> Measured:
        if self.settle:
            clean_pending(self.store, self.clocks[True])
        if self.io:
            _print_io(self.schema, self.before, _statio(self.url, self.schema, self.store),
                      len(self.clocks) * articles, _statements(self.url, reset=False) if statements else [])
        self.store.close()
        self.measured.seconds = {way: clock.wall for way, clock in self.clocks.items()}
        self.measured.cpu = {way: clock.cpu for way, clock in self.clocks.items()}
        return self.measured


class SQLiteRun:
    """Batches into one SQLite store."""

    def __init__(self, path: Path, settings: list[str], copies: Path | None = None,
                 fts_config: Sequence[str] = ()) -> None:
        self.copy = None
        if copies is not None:  # the batches are committed, into a copy of the store
            copies.mkdir(parents=True, exist_ok=True)
            self.copy = copies / path.name
            for suffix in ("", "-wal"):
                source = path.with_name(path.name + suffix)
                if source.exists():
                    shutil.copyfile(source, self.copy.with_name(self.copy.name + suffix))
            os.sync()  # the copy's writeback done before anything is timed
            path = self.copy
        store = open_store(f"sqlite:///{path.resolve()}")
        assert isinstance(store, SQLiteStore)
        self.store = store
        for name, value in _pairs(settings):  # PRAGMAs of the store's connection, after the store's own
            store._connection.execute(f"PRAGMA {name} = {value}")
        for name, value in _pairs(fts_config):  # kept in the copy's full-text index (FTS5's options)
            store._connection.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES (?, ?)",
                                      (name, int(value)))
        files = (path, path.with_name(path.name + "-wal"))
        size = sum(file.stat().st_size for file in files if file.exists())
        self.measured = Measured(path.name, "sqlite", store.count(SearchRequest()), size, {}, {})
        self.clock = Clock()

    def warm(self, batch: list[Any]) -> None:
        self.put_one(batch, Clock())

    def put_one(self, batch: list[Any], clock: Clock) -> None:
        if self.copy is None:
            put_rolled_back_sqlite(self.store, batch, clock)
        else:
            clock.start()
            self.store.put_many(batch)
            clock.stop()

    def start(self) -> None:
        pass

    def put(self, batch: list[Any], round: int) -> None:
        self.put_one(batch, self.clock)

    def finish(self, articles: int, statements: bool) -> Measured:
        self.store.close()
        if self.copy is not None:
            for suffix in ("", "-wal", "-shm"):
                self.copy.with_name(self.copy.name + suffix).unlink(missing_ok=True)
        self.measured.seconds, self.measured.cpu = {True: self.clock.wall}, {True: self.clock.cpu}
        return self.measured


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--postgres-url", help="the PostgreSQL database of the --schema stores")
    ap.add_argument("--schema", action="append", default=[], help="a PostgreSQL store's schema (repeatable)")
    ap.add_argument("--sqlite", action="append", default=[], type=Path,
                    help="a SQLite store's file (repeatable)")
    ap.add_argument("--articles", type=int, default=2_000, help="articles stored (and rolled back) per way")
    ap.add_argument("--batch", type=int, default=500, help="articles per put_many")
    ap.add_argument("--warm-up", type=int, default=1,
                    help="batches stored (and rolled back) into each store before the timed ones, untimed")
    ap.add_argument("--io", action="store_true",
                    help="PostgreSQL: blocks read and hit per index, top statements")
    ap.add_argument("--one-way", action="store_true",
                    help="PostgreSQL: only as the store is (not schema 12's way)")
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="PostgreSQL: a setting of the store's writing connection (repeatable), e.g. "
                         "work_mem=4MB: the store as a server whose setting it is would make it")
    ap.add_argument("--sqlite-set", action="append", default=[], metavar="NAME=VALUE",
                    help="SQLite: a PRAGMA of the store's connection (repeatable), e.g. cache_size=-65536")
    ap.add_argument("--commit-copies", type=Path, metavar="DIR",
                    help="SQLite: copy each store into DIR and commit the batches there (the real write "
                         "path, WAL and checkpoints included); the copies are deleted at the end")
    ap.add_argument("--fts-config", action="append", default=[], metavar="NAME=VALUE",
                    help="SQLite, with --commit-copies: an FTS5 option of the copy's full-text index "
                         "(repeatable), e.g. automerge=8")
    ap.add_argument("--batches", action="store_true",
                    help="SQLite: print each batch's CPU ms per article (a merge of FTS5's segments shows)")
    ap.add_argument("--settle", action="store_true",
                    help="PostgreSQL: GIN pending lists merged before the run (untimed) and after it "
                         "(timed, with the store as it is): what the run's articles cost however seldom "
                         "they are merged")
    args = ap.parse_args()
    if args.schema and not args.postgres_url:
        ap.error("--schema needs --postgres-url")
    if args.fts_config and not args.commit_copies:
        ap.error("--fts-config changes the store: give --commit-copies")
    if not args.schema and not args.sqlite:
        ap.error("give stores: --schema (with --postgres-url) or --sqlite")
    require_data()
    made = [replace(article, url=article.url.replace("/bench/", "/bench-ingest/"))
            for article in make_articles(args.articles + args.warm_up * args.batch, seed=11)]
    warm_up, articles = made[:args.warm_up * args.batch], made[args.warm_up * args.batch:]
    print(f"load average before: {load_average()}", flush=True)
    runs: list[PostgresRun | SQLiteRun] = [
        PostgresRun(args.postgres_url, schema, args.one_way, args.settle, args.io, args.set)
        for schema in args.schema]
    runs += [SQLiteRun(path, args.sqlite_set, args.commit_copies, args.fts_config) for path in args.sqlite]
    # The stores take turns, batch by batch (the order turned every round), so that a change in the
    # machine's load falls on all of them alike.
    for run in runs:
        for start in range(0, len(warm_up), args.batch):
            run.warm(warm_up[start:start + args.batch])
        run.start()
    if args.io:
        _statements(args.postgres_url, reset=True)
    for round, start in enumerate(range(0, len(articles), args.batch)):
        turn = round % len(runs)
        for run in runs[turn:] + runs[:turn]:
            run.put(articles[start:start + args.batch], round)
    measured = [run.finish(len(articles), statements=len(args.schema) == 1) for run in runs]
    if args.batches:
        print("CPU ms per article of each batch, in order:")
        for run in runs:
            if isinstance(run, SQLiteRun):
                print(f"  {run.measured.name}: "
                      + " ".join(f"{1000 * cpu / args.batch:.2f}" for cpu in run.clock.batches))
    print(f"load average after: {load_average()}")
    kept = "committed into copies" if args.commit_copies else "rolled back"
    print(f"\n{len(articles):,} new articles per way, put_many in batches of {args.batch}, {kept}, "
          f"after {len(warm_up):,} others stored and {kept} untimed")
    print("(CPU ms: this process's and the PostgreSQL server process's per article, less moved by the load "
          "of a shared machine than the rate)")
    print(f"{'store':<40} {'articles':>9} {'bytes/article':>13} {'as it is /s':>12} {'CPU ms':>7} "
          f"{'no days /s':>11} {'CPU ms':>7}")
    for m in measured:
        ways = "".join(f" {len(articles) / m.seconds[way]:>{12 if way else 11}.1f} "
                       f"{1000 * m.cpu[way] / len(articles):>7.2f}" for way in m.seconds)
        print(f"{m.name:<40} {m.count:>9,} {m.size / m.count:>13,.0f}{ways}")
    for backend in ("postgres", "sqlite"):
        runs = [m for m in measured if m.backend == backend]
        if len(runs) > 1:
            first, last = runs[0], runs[-1]
            bytes_ratio = (last.size / last.count) / (first.size / first.count)
            ways = ", ".join(f"{'as it is' if way else 'without the days trigger'} "
                             f"x{first.seconds[way] / last.seconds[way]:.2f} "
                             f"(by CPU x{first.cpu[way] / last.cpu[way]:.2f})" for way in last.seconds)
            print(f"{last.name} against {first.name}: bytes per article x{bytes_ratio:.2f}, "
                  f"ingest rate {ways}")


if __name__ == "__main__":
    main()
