"""Scale benchmark: the search benchmark's generator at 100,000 and 1,000,000 articles, both backends.

    .venv/bin/python benchmarks/scale.py [--sizes 100000,1000000] [--backends sqlite,postgres]
                                         [--postgres-url URL] [--repeat 5] [--stories]

For each size and backend, on the search benchmark's store of that size (benchmarks/search.py's
generator and cache: built once with put_many in batches of 500 and kept; a 1,000,000-article build
takes hours on a small machine, so run it once, in the background with nice):

* store size per article (SQLite: the file and its WAL; PostgreSQL: every relation of the schema) and
  the ingest rate of the build (put_many, articles/s, from the build's log);
* search p50/p95 over the search benchmark's 20 queries (top 20 with snippets), --repeat rounds;
* coverage p95: 5 queries counted by week (insights.coverage, as the desk and /api/coverage do);
* `stories` and `roundup` for a day and for the week around it (Store.stories, the roundup the desk
  builds), p95 over --repeat;
* with --stories: online story assignment (`assign_stories`: every article not yet in a group, in order
  of arrival, as ingest does) rate and the process's peak RSS; once per store, kept.

Ratios of the largest size to the smallest are printed for the per-article figures. The machine is
shared: `uptime` is printed; compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from backends import add_backend_options, chosen_backends, header, load_average
from corpus import CACHE, CORPUS_VERSION, require_data
from newsdesk.store import SearchRequest, Store
from newsdesk.store.sql import SqlStore
from search import SEED, _open, measure, p

COVERAGE = ["government", "said", "china OR russia", "tech*", '"white house"']
DAY = "2020-06-15"  # a Monday: its week is 2020-06-15 .. 2020-06-21
WEEK = ("2020-06-15", "2020-06-21")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def timed(call: Any, repeat: int) -> list[float]:
    call()  # warm-up
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        out.append(1000 * (time.perf_counter() - started))
    return out


def store_bytes(store: Store, backend: str) -> int:
    assert isinstance(store, SqlStore)
    if backend == "sqlite":
        path = Path(getattr(store, "path"))  # noqa: B009
        return sum(f.stat().st_size for f in (path, path.with_name(path.name + "-wal")) if f.exists())
    found = store._read("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                        "AND c.relkind IN ('r', 'm')")
    return int(found[0][0])


def ingest_rate(backend: str, articles: int) -> float | None:
    log_path = CACHE / "search-load.json"
    if not log_path.exists():
        return None
    seconds = json.loads(log_path.read_text()).get(f"{backend}:{articles}")
    return articles / seconds if seconds else None


def assignment(store: Store, backend: str, articles: int) -> dict[str, float] | None:
    """Assign the store's articles to groups and stories (once: kept in the store), timed."""
    from newsdesk.stories.persist import assign_stories

    kept = CACHE / f"scale-stories-{backend}-{articles}-s{SEED}-v{CORPUS_VERSION}.json"
    if kept.exists():
        result: dict[str, float] = json.loads(kept.read_text())
        return result
    log(f"{backend}: assigning {store.unassigned():,} articles to groups and stories ...")
    started = time.monotonic()
    done = assign_stories(store)
    seconds = time.monotonic() - started
    result = {"articles": done, "seconds": seconds,
              "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    kept.write_text(json.dumps(result))
    return result


def run(backend: str, articles: int, args: argparse.Namespace) -> dict[str, Any]:
    from newsdesk.web import insights
    from newsdesk.web.stories import roundup_of

    options = argparse.Namespace(articles=articles, postgres=args.postgres)
    log(f"{backend}: opening or building the {articles:,}-article store ...")
    store, load = _open(backend, options, False)
    with store:
        row: dict[str, Any] = {"backend": backend, "articles": articles, "load": load}
        row["bytes_per_article"] = store_bytes(store, backend) / articles
        row["ingest_rate"] = ingest_rate(backend, articles)
        row["assignment"] = assignment(store, backend, articles) if args.stories else None
        log(f"{backend}: searching ...")
        times, _ = measure(store, args.repeat)
        every = [t for query in times for t in query]
        row["search_p50"], row["search_p95"] = p(every, 0.5), p(every, 0.95)
        log(f"{backend}: coverage, stories, roundups ...")
        coverage = [t for query in COVERAGE for t in timed(
            lambda q=query: insights.coverage(store, SearchRequest(q), "week"), args.repeat)]
        row["coverage_p95"] = p(coverage, 0.95)
        row["stories_day_p95"] = p(timed(lambda: store.stories(since=DAY, until=DAY), args.repeat), 0.95)
        row["stories_week_p95"] = p(timed(lambda: store.stories(since=WEEK[0], until=WEEK[1]), args.repeat),
                                    0.95)
        row["roundup_day_p95"] = p(timed(lambda: roundup_of(store, DAY), args.repeat), 0.95)
        row["roundup_week_p95"] = p(timed(lambda: [roundup_of(store, f"2020-06-{d}") for d in range(15, 22)],
                                          max(1, args.repeat // 2)), 0.95)
    return row


def render(rows: list[dict[str, Any]]) -> str:
    def cell(value: Any, form: str = ".1f") -> str:
        return "n/a" if value is None else format(value, form)

    lines = [f"{'backend':<9} {'articles':>9} {'B/article':>9} {'ingest/s':>8} {'search p50':>10} {'p95':>6} "
             f"{'coverage p95':>12} {'stories d/w p95':>15} {'roundup d/w p95':>15} {'assign/s':>8} "
             f"{'RSS MB':>7}"]
    for row in rows:
        assigned = row["assignment"]
        rate = assigned["articles"] / assigned["seconds"] if assigned and assigned["seconds"] else None
        lines.append(
            f"{row['backend']:<9} {row['articles']:>9,} {cell(row['bytes_per_article'], ',.0f'):>9} "
            f"{cell(row['ingest_rate'], ',.0f'):>8} {row['search_p50']:>10.1f} {row['search_p95']:>6.1f} "
            f"{row['coverage_p95']:>12.1f} "
            f"{row['stories_day_p95']:>7.1f}/{row['stories_week_p95']:<7.1f} "
            f"{row['roundup_day_p95']:>7.1f}/{row['roundup_week_p95']:<7.1f} {cell(rate, ',.0f'):>8} "
            f"{cell(assigned['rss_mb'] if assigned else None, ',.0f'):>7}")
    for backend in dict.fromkeys(row["backend"] for row in rows):
        mine = sorted((row for row in rows if row["backend"] == backend), key=lambda row: row["articles"])
        if len(mine) > 1:
            small, large = mine[0], mine[-1]
            ratio = large["bytes_per_article"] / small["bytes_per_article"]
            rates = (large["ingest_rate"] / small["ingest_rate"]
                     if large["ingest_rate"] and small["ingest_rate"] else None)
            lines.append(f"{backend}: {large['articles']:,} vs {small['articles']:,}: bytes per article "
                         f"x{ratio:.2f}, ingest rate x{cell(rates, '.2f')} (targets: within 10%)")
    lines.append("(ms; stories and roundups read the groups and stories kept in the store: without --stories "
                 "a store that was never assigned has none, and those rows time empty answers)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="store sizes, comma-separated")
    add_backend_options(parser)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each call, after a warm-up")
    parser.add_argument("--stories", action="store_true", help="assign stories (once per store), timed")
    args = parser.parse_args()
    require_data()
    backends, args.postgres = chosen_backends(args)
    print(header())
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        for backend in backends:
            if backend == "postgres" and not args.postgres:
                continue
            rows.append(run(backend, size, args))
    print(f"load average after the runs: {load_average()}")
    print("\n" + render(rows))


if __name__ == "__main__":
    main()
