"""Search benchmark: 20 representative queries over 100,000 articles, on SQLite and PostgreSQL.

    .venv/bin/python benchmarks/search.py [--articles 100000] [--backends sqlite,postgres]
                                          [--postgres-url URL] [--repeat 20] [--rebuild] [--build-only]
                                          [--ts-rank-too] [--old-plans-too | --before-pairs-too |
                                          --schema11-plans-too] [--explain]
                                          [--bm25-too]

Prints the load time of each store, p50/p95/max latency and CPU p50 per query and overall per backend
for the top 20 results, and whether every query finds the same articles on both backends (a table of the
differences, if any). Target on SQLite: p95 < 50 ms.

How it measures:

* The articles (corpus.make_articles, seed 7): paragraphs of 471 real bodies (ScrapingHub's 181
  hand-made ones and the 290 of trafilatura-dev as newsdesk extracts them, many languages) recombined,
  ~2,300 characters each, ~390 sites, 2015-2024, 0-3 authors from 625 names, language labels.
  Loaded with Store.put_many in batches of 500 into a new SQLite file and into a schema of its own in
  the PostgreSQL database. Both stores are kept, keyed by size, under $TMPDIR/newsdesk-bench/ (SQLite)
  and in that schema (PostgreSQL), and reused when their load finished and this newsdesk can search
  them; --rebuild loads them again.
* Latency: wall time of Store.search (ranking or sorting, reading the 20 articles, making the
  snippets), in this process, after one warm-up call per query, and this process's CPU time in it
  (steadier on a shared machine; for PostgreSQL it leaves out the server's); then --repeat rounds,
  each running every query once, so that a burst of load on the (shared) machine spreads over all
  queries.
  The PostgreSQL server runs on the same machine.
* Same results: the full sets of matching articles are compared, not the top 20 (equal scores may be
  ordered differently): Store.count, and the URLs of every article the store's ranked (or dated) page
  query finds when given no limit.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backends import (
    add_backend_options,
    chosen_backends,
    header,
    in_schema,
    load_average,
    postgres_version,
    reset_schema,
)
from backends import schema_exists as has_schema
from corpus import CACHE, CORPUS_VERSION, make_articles, require_data
from newsdesk.search.query import parse_query
from newsdesk.store import SearchRequest, Store, open_store, rows
from newsdesk.store.sql import SqlStore

SEED = 7
BATCH = 500
TARGET_P95_MS = 50.0
LIMIT = 20


@dataclass(frozen=True)
class Query:
    text: str
    options: dict[str, str] = field(default_factory=dict)  # the search command's filters and --sort

    def request(self) -> SearchRequest:
        filters = {("site" if name == "source" else name): value for name, value in self.options.items()}
        return SearchRequest(query=self.text, limit=LIMIT, **filters)  # type: ignore[arg-type]

    def label(self) -> str:
        return " ".join([self.text, *(f"--{name} {value}" for name, value in self.options.items())])


QUERIES = [
    Query("government"),
    Query("said"),  # in two thirds of the articles: the most to rank
    Query('"white house"'),
    Query("trump AND election"),
    Query("china OR russia"),
    Query("police NOT court"),
    Query("(apple OR google OR amazon) AND privacy"),
    Query("climate change"),
    Query("econom*"),
    Query("tech*"),
    Query('"vice president" biden'),
    Query("brexit OR vaccine OR cancer"),
    Query("iphone 脱獄"),
    Query("(energy OR oil) -climate"),
    Query("health", {"language": "de"}),
    Query("market", {"since": "2020-01-01", "until": "2020-12"}),
    Query("president", {"source": "nytimes.com"}),
    Query("security", {"author": "garcia"}),
    Query("game*", {"sort": "date"}),
    Query('"new york" police', {"since": "2022", "sort": "date"}),
]


# --------------------------------------------------------------------------- building the stores


def _marker(articles: int) -> str:
    return f"benchmark:search:{articles}:{SEED}:{CORPUS_VERSION}"


def _load_log() -> Path:
    return CACHE / "search-load.json"


def _open(backend: str, args: argparse.Namespace, rebuild: bool) -> tuple[Store, str]:
    """The store of `backend` holding the benchmark's articles (loaded unless cached) and its load time."""
    name = f"search-{args.articles}-s{SEED}-v{CORPUS_VERSION}"
    if backend == "sqlite":
        path = CACHE / f"{name}.db"
        url = f"sqlite:///{path.resolve()}"
        fresh = rebuild or not path.exists()
        if fresh:
            for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                stale.unlink(missing_ok=True)
    else:
        schema = "newsdesk_bench_" + name.replace("-", "_")
        url = in_schema(args.postgres, schema)
        fresh = rebuild or not has_schema(args.postgres, schema)
        if fresh:
            reset_schema(args.postgres, schema)
    CACHE.mkdir(parents=True, exist_ok=True)
    log = json.loads(_load_log().read_text()) if _load_log().exists() else {}
    progress = CACHE / f"{name}-{backend}.progress"
    if not fresh:
        store = _cached(url, args.articles)
        if store is None:
            store = _resumable(url, args.articles, progress)
            if store is None:
                return _open(backend, args, rebuild=True)
            seconds = _load(store, backend, args.articles, progress)
            _log_load(backend, args.articles, seconds)
            return store, f"{seconds:.0f} s, {args.articles / seconds:,.0f} articles/s (resumed)"
        logged = log.get(f"{backend}:{args.articles}")
        rate = f"{logged:.0f} s, {args.articles / logged:,.0f} articles/s " if logged else ""
        return store, f"{rate}(cached)"
    progress.unlink(missing_ok=True)
    store = open_store(url)
    seconds = _load(store, backend, args.articles, progress)
    _log_load(backend, args.articles, seconds)
    return store, f"{seconds:.0f} s, {args.articles / seconds:,.0f} articles/s"


def _log_load(backend: str, articles: int, seconds: float) -> None:
    """Record a finished build's seconds, read afresh: builds of other sizes or backends running at the
    same time write the same log (reading it when the build started lost theirs)."""
    log = json.loads(_load_log().read_text()) if _load_log().exists() else {}
    log[f"{backend}:{articles}"] = seconds
    partial = _load_log().with_name(_load_log().name + ".partial")
    partial.write_text(json.dumps(log, indent=1))
    partial.replace(_load_log())


def _cached(url: str, articles: int) -> Store | None:
    """The cached store, if its load finished and this newsdesk can search it; else None."""
    try:
        store = open_store(url)
    except Exception as error:  # any failure means: load it again
        print(f"  the cached store does not open ({error}); loading it again", file=sys.stderr)
        return None
    try:
        complete = store.is_done(_marker(articles)) and store.count() == articles
        if complete and store.search(QUERIES[0].request()).hits:
            return store
        print("  the cached store is incomplete", file=sys.stderr)
    except Exception as error:
        print(f"  the cached store cannot be searched by this newsdesk ({type(error).__name__}: {error}); "
              "loading it again", file=sys.stderr)
    store.close()
    return None


def _resumable(url: str, articles: int, progress: Path) -> Store | None:
    """The store of a build that stopped part-way, to be continued; None when it cannot be (no progress
    log, or the log and the store disagree): it is then built again from the start.

    Each put_many is one transaction and the articles come in a fixed order, so a store holding n of
    them holds exactly the first n: the build goes on from article n + 1.
    """
    done = _progress(progress)
    if not done:
        return None
    try:
        store = open_store(url)
        held = store.count()
    except Exception as error:
        print(f"  the partial store does not open ({error})", file=sys.stderr)
        return None
    if 0 < held < articles and held >= done[-1][0]:
        print(f"  resuming the build at article {held + 1:,} of {articles:,}", file=sys.stderr, flush=True)
        return store
    store.close()
    return None


def _progress(path: Path) -> list[tuple[int, float]]:
    """(articles stored, seconds of loading so far) after each batch of the build, from its log."""
    out = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                n, seconds = line.split()[:2]
                out.append((int(n), float(seconds)))
            except ValueError:
                continue  # a line cut short when the build was killed
    return out


def _load(store: Store, backend: str, articles: int, progress: Path) -> float:
    """Load the benchmark's articles into `store` with put_many in batches of BATCH, going on from the
    articles it already holds; returns the seconds of loading (summed over resumed runs).

    After each batch a line "articles seconds" is appended to `progress` (the rate of any stretch of the
    build, e.g. the 10,000 before 100,000 against the last 10,000, comes from it); every 10,000 the
    cumulative time and the rate of the last 10,000 go to stderr with the load average.
    """
    held = store.count()
    before = [(n, s) for n, s in _progress(progress) if n <= held]
    # Seconds already spent: the log's last line at or under what the store holds (a batch committed
    # just before a kill but not logged counts no time: at most one batch's seconds are missing).
    offset = before[-1][1] if before else 0.0
    started = time.monotonic() - offset
    window = (held, offset)
    batch = []
    with progress.open("a") as out:
        for n, article in enumerate(make_articles(articles, SEED), 1):
            if n <= held:
                continue  # the generator is deterministic: the first `held` are in the store already
            batch.append(article)
            if len(batch) == BATCH or n == articles:
                store.put_many(batch)
                batch.clear()
                out.write(f"{n} {time.monotonic() - started:.3f}\n")
                out.flush()
            if n % 10_000 == 0:
                elapsed = time.monotonic() - started
                rate = (n - window[0]) / max(elapsed - window[1], 1e-9)
                clock = time.strftime("%H:%M:%S", time.gmtime())
                print(f"  {backend}: {n:,} loaded, {elapsed:.0f} s, articles {window[0] + 1:,}-{n:,} "
                      f"at {rate:,.0f} articles/s, load {os.getloadavg()[0]:.1f} at {clock} UTC",
                      file=sys.stderr, flush=True)
                window = (n, elapsed)
    if batch:
        store.put_many(batch)
    seconds = time.monotonic() - started
    store.mark_done(_marker(articles))
    return seconds


# --------------------------------------------------------------------------- measuring


def _timed(store: Store, request: SearchRequest) -> tuple[float, float]:
    """Milliseconds one search takes: wall time, and CPU time of this process."""
    started, cpu = time.perf_counter(), time.process_time()
    store.search(request)
    return 1000 * (time.perf_counter() - started), 1000 * (time.process_time() - cpu)


def measure(store: Store, repeat: int) -> tuple[list[list[float]], list[list[float]]]:
    """Wall and CPU milliseconds per query, `repeat` of each, after a warm-up call."""
    requests = [query.request() for query in QUERIES]
    for request in requests:
        store.search(request)
    times: list[list[float]] = [[] for _ in requests]
    cpu: list[list[float]] = [[] for _ in requests]
    for _ in range(repeat):
        for spent, used, request in zip(times, cpu, requests, strict=True):
            wall, process = _timed(store, request)
            spent.append(wall)
            used.append(process)
    return times, cpu


def _schema10_plans(store: Store, old: bool) -> None:
    """Search `store` (PostgreSQL) as schema 10 did (no bounded ranking of prefixes, the author filter a
    LIKE over every author), or as today."""
    if old:
        setattr(store, "_ranked_by_prefix", lambda *_: None)  # noqa: B010
        setattr(store, "_author_filter", rows.author_filter)  # noqa: B010
    else:
        for name in ("_ranked_by_prefix", "_author_filter"):
            if name in vars(store):
                delattr(store, name)


def _before_pairs(store: Store, old: bool) -> None:
    """Search `store` (PostgreSQL) as before words with NOTs were ranked by pairs (issue 19, round 5:
    every match of `police NOT court` ranked by ts_rank), or as today."""
    if old:
        def fully(tree: Any, pairs: str, request: SearchRequest, after: Any, limit: int) -> Any:
            assert isinstance(store, SqlStore)
            return store._ranked_fully(tree, request, after, limit)  # type: ignore[attr-defined]

        setattr(store, "_ranked_by_pairs", fully)  # noqa: B010
    elif "_ranked_by_pairs" in vars(store):
        delattr(store, "_ranked_by_pairs")


def _schema11_plans(store: Store, old: bool) -> None:
    """Search `store` (PostgreSQL) as schema 11 did (no stored ranks of the head's words: a word ranked
    from every article with it in its head, a prefix from head ranks and each candidate's groups), or as
    today."""
    setattr(store, "_word_ranks", not old)  # noqa: B010


def _bm25_only(store: Store, old: bool) -> None:
    """Search `store` (SQLite) as before the ranking function (newsdesk.store.fts5_rank): every ranking by
    FTS5's bm25; or as today."""
    setattr(store, "_count_ranking", not old and _counts_available())  # noqa: B010


def _counts_available() -> bool:
    from newsdesk.store import fts5_rank

    return fts5_rank.available()


def same_hits(store: Store, switch: Any) -> list[str]:
    """The queries whose top 20 (ids and scores) differ between today's search and the old one."""
    differ = []
    for query in QUERIES:
        pages = []
        for old in (False, True):
            switch(store, old)
            pages.append([(hit.id, hit.score) for hit in store.search(query.request()).hits])
        if pages[0] != pages[1]:
            differ.append(query.label())
    switch(store, False)
    return differ


# The same store searched a second time as before a change, interleaved search by search with today's
# (the order swapped every round, so that neither gets the warmer cache or the quieter minute): the
# option, its backend, the switch between the two, the results' key and what the second run is. One
# at a time per backend, the first given in this order.
COMPARISONS: tuple[tuple[str, str, Any, str, str], ...] = (
    ("schema11_plans_too", "postgres", _schema11_plans, "pg/schema11", "searched as schema 11 did"),
    ("before_pairs_too", "postgres", _before_pairs, "pg/before", "words with NOTs ranked over every match"),
    ("old_plans_too", "postgres", _schema10_plans, "pg/schema10", "searched as schema 10 did"),
    ("bm25_too", "sqlite", _bm25_only, "sq/bm25", "every ranking by FTS5's bm25"),
)


def measure_interleaved(store: Store, repeat: int, switch: Any) -> tuple[tuple[list[list[float]], ...], ...]:
    """`measure` for two ways of searching (`switch(store, False)` today's, `switch(store, True)` the old),
    each query searched both ways in turn, the order swapped every round."""
    requests = [query.request() for query in QUERIES]
    for old in (False, True):
        switch(store, old)
        for request in requests:
            store.search(request)
    times: list[list[list[float]]] = [[[] for _ in requests] for _ in range(2)]
    cpu: list[list[list[float]]] = [[[] for _ in requests] for _ in range(2)]
    for round in range(repeat):
        for n, request in enumerate(requests):
            for old in ((False, True) if round % 2 == 0 else (True, False)):
                switch(store, old)
                wall, process = _timed(store, request)
                times[old][n].append(wall)
                cpu[old][n].append(process)
    switch(store, False)
    return (times[0], cpu[0]), (times[1], cpu[1])


def matching(store: Store) -> list[tuple[int, set[str]]]:
    """Per query: Store.count, and the URLs of every matching article (the whole set, not a page).

    The set comes from the store's own page query (`_page`, which Store.search runs for its top 20)
    with no limit: one statement per query. (Store.iter_articles gives the same set, but re-runs the
    query for every 200 articles: minutes per query on PostgreSQL for the common words.)
    """
    assert isinstance(store, SqlStore)
    urls = {int(id): url or "" for id, url in store._read("SELECT id, url FROM articles")}
    out = []
    for query in QUERIES:
        request = query.request()
        ids = store._page(request, parse_query(request.query), None, 10 * len(urls) + 1)
        out.append((store.count(request), {urls[id] for id, _ in ids}))
    return out


def explain(store: Store) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement one search of each query runs (PostgreSQL): where
    the time of a slow query goes; then a table of the work per query (rows, buffers, ms), which shows
    whether it grows with the store when run on stores of two sizes."""
    assert isinstance(store, SqlStore)
    read = store._read
    out: list[str] = []
    work: list[str] = []
    for query in QUERIES:
        statements: list[tuple[str, list[Any]]] = []

        def capture(sql: str, params: Any = (), statements: list[tuple[str, list[Any]]] = statements) -> Any:
            statements.append((sql, list(params)))
            return read(sql, params)

        readers = [name for name in ("_read", "_read_planned") if hasattr(store, name)]
        for name in readers:
            setattr(store, name, capture)
        try:
            store.search(query.request())
        finally:
            for name in readers:
                delattr(store, name)
        out.append(f"\n=== {query.label()}: {len(statements)} statements")
        buffers, rows, ms = 0, 0, 0.0
        for sql, params in statements:
            plan = [row[0] for row in read(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)]
            shown = [repr(value)[:60] for value in params]
            out += [f"--- {sql}", f"    parameters: {', '.join(shown)}", *(f"    {line}" for line in plan)]
            used, found, spent = _work(plan)
            buffers, rows, ms = buffers + used, rows + found, ms + spent
        work.append(f"{query.label()[:48]:<48} {len(statements):>10} {rows:>9,} {buffers:>9,} {ms:>9.1f}")
    title = ("\nwork per query (EXPLAIN ANALYZE: rows its statements return, buffers they hit or read, their "
             "execution time):")
    columns = f"{'query':<48} {'statements':>10} {'rows':>9} {'buffers':>9} {'ms':>9}"
    return "\n".join([*out, title, columns, *work])


def _work(plan: list[str]) -> tuple[int, int, float]:
    """(buffers touched, rows returned, execution ms) of one statement's EXPLAIN (ANALYZE, BUFFERS): its top
    node's, which include every node below it."""
    top = next((line for line in plan if "actual time=" in line), "")
    buffers = next((line for line in plan if "Buffers:" in line), "")
    rows = re.search(r"rows=(\d+) loops", top)
    used = sum(int(n) for n in re.findall(r"(?:hit|read)=(\d+)", buffers))
    ms = next((float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time:")),
              0.0)
    return used, int(rows.group(1)) if rows else 0, ms


def p(values: list[float], q: float) -> float:
    """The q-quantile by the nearest-rank method (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * len(ordered) + 0.5) - 1))]


# --------------------------------------------------------------------------- printing


def render(results: dict[str, dict[str, Any]], args: argparse.Namespace) -> str:
    measured = [b for b, r in results.items() if "times" in r]
    compared = [b for b in measured if "/" not in b]  # the backends, not a second ranking of one
    lines = [f"{'backend':<9} {'articles':>9}  load", *(
        f"{backend:<9} {args.articles:>9,}  " + (result.get("error") or result["load"])
        for backend, result in results.items())]
    head = f"\n{'#':>2} {'query':<48} {'matches':>7}"
    head += "".join(f" {b + ' p50':>12} {'p95':>6} {'max':>6} {'cpu p50':>7}" for b in measured)
    lines += [head + (f"  {'same set':<8}" if len(compared) == 2 else "")]
    sets = {b: results[b]["sets"] for b in measured}
    for n, query in enumerate(QUERIES):
        count = sets[measured[0]][n][0] if measured else 0
        line = f"{n + 1:>2} {query.label()[:48]:<48} {count:>7,}"
        for backend in measured:
            times, cpu = results[backend]["times"][n], results[backend]["cpu"][n]
            line += f" {p(times, 0.5):>12.1f} {p(times, 0.95):>6.1f} {max(times):>6.1f} {p(cpu, 0.5):>7.1f}"
        if len(compared) == 2:
            a, b = (sets[backend][n] for backend in compared)
            line += f"  {'yes' if a == b else 'NO':<8}"
        lines.append(line)
    lines.append(f"\n{'backend':<9} {'searches':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
                 f"{'cpu p50':>8} {'cpu p95':>8}")
    for backend in measured:
        every = [t for times in results[backend]["times"] for t in times]
        cpu = [t for times in results[backend]["cpu"] for t in times]
        verdict = ""
        if backend == "sqlite":
            met = p(every, 0.95) < TARGET_P95_MS
            verdict = f"   target p95 < {TARGET_P95_MS:.0f} ms: {'met' if met else 'NOT met'}"
        lines.append(f"{backend:<9} {len(every):>8,} {p(every, 0.5):>7.1f} {p(every, 0.95):>7.1f} "
                     f"{max(every):>7.1f} {p(cpu, 0.5):>8.1f} {p(cpu, 0.95):>8.1f}{verdict}")
    lines.append("(ms: wall time of Store.search; cpu: this process's CPU time in it, which the load of the "
                 "shared machine\n barely changes; for PostgreSQL the server's CPU is not in it)")
    if len(compared) == 2:
        lines += _mismatches(sets, compared)
    return "\n".join(lines)


def _mismatches(sets: dict[str, list[tuple[int, set[str]]]], backends: list[str]) -> list[str]:
    first, second = backends
    rows = []
    for n, query in enumerate(QUERIES):
        (count_a, urls_a), (count_b, urls_b) = sets[first][n], sets[second][n]
        if (count_a, urls_a) != (count_b, urls_b):
            only_a, only_b = sorted(urls_a - urls_b), sorted(urls_b - urls_a)
            example = (only_a or only_b or [""])[0]
            rows.append(f"{n + 1:>2} {query.label()[:40]:<40} {count_a:>8,} {count_b:>8,} {len(only_a):>7,} "
                        f"{len(only_b):>7,}  {example}")
    if not rows:
        return [f"\nsame result sets on {first} and {second}: all {len(QUERIES)} queries "
                "(count and every matching URL)"]
    return [f"\nresult sets that differ ({len(rows)} of {len(QUERIES)} queries):",
            f"{'#':>2} {'query':<40} {first + ' n':>8} {second + ' n':>8} {'only ' + first[:2]:>7} "
            f"{'only ' + second[:2]:>7}  example", *rows]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000, help="articles in each store")
    add_backend_options(ap)
    ap.add_argument("--repeat", type=int, default=20, help="timed runs of each query, after a warm-up")
    ap.add_argument("--rebuild", action="store_true", help="load the stores again even if cached")
    ap.add_argument("--build-only", action="store_true",
                    help="build (or finish building) the stores and stop; a killed build goes on where it "
                         "stopped when run again")
    ap.add_argument("--explain", action="store_true",
                    help="print EXPLAIN (ANALYZE, BUFFERS) of every statement each query runs on PostgreSQL")
    ap.add_argument("--old-plans-too", action="store_true",
                    help="measure the PostgreSQL store a second time as schema 10 searched it (every match "
                         "of a prefix ranked by ts_rank, the author filter a LIKE over every author), in the "
                         "same run")
    ap.add_argument("--before-pairs-too", action="store_true",
                    help="measure the PostgreSQL store a second time as before words with NOTs were ranked "
                         "by pairs (every match of `police NOT court` ranked by ts_rank), interleaved")
    ap.add_argument("--schema11-plans-too", action="store_true",
                    help="measure the PostgreSQL store a second time as schema 11 searched it (without the "
                         "stored ranks of the head's words), interleaved search by search")
    ap.add_argument("--bm25-too", action="store_true",
                    help="measure the SQLite store a second time ranked by FTS5's bm25 alone (as before the "
                         "ranking function of newsdesk.store.fts5_rank), interleaved, and compare the hits")
    ap.add_argument("--ts-rank-too", action="store_true",
                    help="measure the PostgreSQL store a second time ranked by ts_rank (as without the rum "
                         "extension), in the same run")
    args = ap.parse_args(argv)
    if args.articles < 1 or args.repeat < 1:
        ap.error("--articles and --repeat must be at least 1")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    require_data()
    backends, args.postgres = chosen_backends(args)
    print(f"{header()}\n{args.articles:,} articles, top {LIMIT}, {args.repeat} timed runs of each "
          "query after a warm-up", flush=True)
    results: dict[str, dict[str, Any]] = {}
    notes: list[str] = []
    plans = ""
    for backend in backends:
        if backend == "postgres" and not args.postgres:
            results[backend] = {"error": "n/a: skipped, no PostgreSQL server given (see the message above)"}
            continue
        print(f"{backend}: opening or building the store ...", file=sys.stderr, flush=True)
        store, load = _open(backend, args, args.rebuild)
        if args.build_only:
            print(f"{backend}: {args.articles:,} articles: {load}", flush=True)
            store.close()
            continue
        with store:
            if backend == "postgres":
                load += f"; PostgreSQL {postgres_version(args.postgres)}"
            started = time.monotonic()
            print(f"{backend}: searching ...", file=sys.stderr, flush=True)
            comparison = next((c for c in COMPARISONS if c[1] == backend and getattr(args, c[0])), None)
            if comparison is None:
                times, cpu = measure(store, args.repeat)
            else:
                print(f"{backend}: searching as today and as the same store {comparison[4]}, interleaved ...",
                      file=sys.stderr, flush=True)
                (times, cpu), (old_times, old_cpu) = measure_interleaved(store, args.repeat, comparison[2])
            print(f"{backend}: {time.monotonic() - started:.0f} s; collecting the full result sets ...",
                  file=sys.stderr, flush=True)
            started = time.monotonic()
            results[backend] = {"load": load, "times": times, "cpu": cpu, "sets": matching(store)}
            print(f"{backend}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            if backend == "postgres" and args.explain:
                plans = explain(store)
                if args.schema11_plans_too:
                    _schema11_plans(store, True)
                    plans += "\n\nThe same, searched as schema 11 did:" + explain(store)
                    _schema11_plans(store, False)
            if comparison is not None:
                _, _, switch, key, what = comparison
                results[key] = {"load": f"the same store, {what}", "times": old_times, "cpu": old_cpu,
                                "sets": results[backend]["sets"]}
                if switch is _bm25_only:
                    differ = same_hits(store, _bm25_only)
                    notes.append("same top 20 (ids and scores) with bm25 alone: " +
                                 (f"NO for {', '.join(differ)}" if differ else f"all {len(QUERIES)} queries"))
            if backend == "postgres" and args.ts_rank_too and getattr(store, "_rum", None) is not None:
                # The same store ranked as on a server without the rum extension, in the same run.
                setattr(store, "_rum", None)  # noqa: B010
                print("postgres: searching again, ranked by ts_rank ...", file=sys.stderr, flush=True)
                times, cpu = measure(store, args.repeat)
                results["pg/ts_rank"] = {"load": "the same store, ranked by ts_rank", "times": times,
                                               "cpu": cpu, "sets": results[backend]["sets"]}
    print(f"load average after the runs: {load_average()}")
    if args.build_only:
        return
    print("\n" + render(results, args))
    for note in notes:
        print(note)
    if plans:
        print("\nPostgreSQL plans (EXPLAIN ANALYZE, BUFFERS) of each query's statements:" + plans)
    if any("error" in result for result in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
