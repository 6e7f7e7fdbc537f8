"""Scale benchmark: the search benchmark's generator at 100,000 and 1,000,000 articles, both backends.

    .venv/bin/python benchmarks/scale.py [--sizes 100000,1000000] [--backends sqlite,postgres]
                                         [--postgres-url URL] [--repeat 5] [--stories]
                                         [--stories-sample 2000] [--same-sets]
                                         [--schema12-coverage-too] [--coverage-only]

For each size and backend, on the search benchmark's store of that size (benchmarks/search.py's
generator and cache: built once with put_many in batches of 500 and kept; a 1,000,000-article build
took 34 minutes (SQLite) and 50 minutes (PostgreSQL) at load 12-17 on 2 cores: build it first with
`search.py --articles 1000000 --build-only`, which a killed build resumes):

* store size per article (SQLite: the file after a WAL checkpoint; PostgreSQL: every relation of the
  schema) and the ingest rate of the build (put_many, articles/s, from the build's logs);
* search p50/p95 over the search benchmark's 20 queries (top 20 with snippets), --repeat rounds;
* coverage p95: 5 queries counted by week (insights.coverage, as the desk and /api/coverage do), and
  each query's p95; with --schema12-coverage-too, on PostgreSQL, also counted from article_search's
  rows as schema 12 did (not from schema 13's article_days), the two ways taking turns;
* `stories` and `roundup` for a day and for the week around it (Store.stories, the roundup the desk
  builds), p95 over --repeat;
* with --stories: online story assignment rate (StoryKeeper.catch_up, as ingest runs it: articles not
  yet in a group, in order of arrival, 100 per transaction) over a fixed sample, the store's first
  --stories-sample arrivals (2,000: the same articles at every size, the smaller store being the first
  articles of the larger), and the peak RSS while assigning them (VmHWM, reset first); once per store,
  kept (the assigned sample stays in the store: the stories and roundup rows then read its stories).
  Assigning all 1,000,000 takes longer than the build: what the sample measures is what the store's
  size costs each batch (finding the arrivals, reading them, writing groups and stories into a store of
  that size), not what a tracker holding 1,000,000 articles' signatures costs (the same at both sizes
  here; docs/benchmarks.md, "Scale", says what that leaves out);
* `Store.unassigned()` p95: the count of articles in no group that every catch_up (every ingest) runs;
* with both backends: whether the 20 queries find the same sets (count and every matching URL) on both.

Ingest rate: the build's average (its seconds in the load log, or in the per-batch progress log the
build writes beside the store), and within the largest build the rate over 10,000 articles ending at the
smallest size and at its end (ingest at 1,000,000 against ingest at 100,000, one build, one code).

Ratios of the largest size to the smallest are printed for the per-article figures. The machine is
shared: `uptime` is printed; compare rows of one run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

from backends import add_backend_options, chosen_backends, header, load_average
from corpus import CACHE, CORPUS_VERSION, require_data
from newsdesk.store import SearchRequest, Store, open_store
from newsdesk.store.sql import SqlStore
from search import SEED, _open, matching, measure, p
from search import _progress as search_progress

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
        # The WAL first written back into the file: its size is whatever the last writer left (the
        # same store measured 11.8 and 9.6 KB per article before and after a checkpoint).
        with contextlib.closing(sqlite3.connect(path)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(f.stat().st_size for f in (path, path.with_name(path.name + "-wal")) if f.exists())
    found = store._read("SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
                        "AND c.relkind IN ('r', 'm')")
    return int(found[0][0])


def _progress(backend: str, articles: int) -> list[tuple[int, float]]:
    return search_progress(CACHE / f"search-{articles}-s{SEED}-v{CORPUS_VERSION}-{backend}.progress")


def ingest_rate(backend: str, articles: int) -> float | None:
    """The build's average rate: its seconds in the load log, else in its progress log."""
    log_path = CACHE / "search-load.json"
    seconds = json.loads(log_path.read_text()).get(f"{backend}:{articles}") if log_path.exists() else None
    if not seconds:
        done = _progress(backend, articles)
        seconds = done[-1][1] if done and done[-1][0] == articles else None
    return articles / seconds if seconds else None


def window_rate(backend: str, build: int, end: int, width: int = 10_000) -> float | None:
    """Articles/s of the `build`-article build over the `width` articles ending at `end`."""
    done = dict(_progress(backend, build))
    if end not in done or (end - width not in done and end != width):
        return None
    return width / (done[end] - done.get(end - width, 0.0))


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class _Enough(Exception):
    """The sample is assigned: stops StoryKeeper.catch_up after the batch that completes it."""


def assignment(store: Store, backend: str, articles: int, sample: int) -> dict[str, float] | None:
    """Assign the store's first `sample` arrivals to groups and stories as ingest does (once: kept in the
    store and in a file beside it), timed, with the peak RSS while doing it."""
    from newsdesk.stories.persist import StoryKeeper, assign_stories

    kept = CACHE / f"scale-stories-{backend}-{articles}-s{SEED}-v{CORPUS_VERSION}-first{sample}.json"
    if kept.exists():
        result: dict[str, float] = json.loads(kept.read_text())
        return result
    waiting = store.unassigned()
    if waiting != articles:
        log(f"{backend}: {articles - waiting:,} articles of the store are in groups already: the sample "
            "would not be its first arrivals; not measured")
        return None
    log(f"{backend}: assigning the first {sample:,} of {waiting:,} articles to groups and stories ...")
    # Warm-up: what the process loads once (the tracker's features, models, vocabularies) is not timed:
    # the store's first 200 articles assigned in a store in memory first.
    with open_store("memory://") as scratch:
        scratch.put_many([stored.article for stored in store.arrivals(200)])
        assign_stories(scratch)
    with contextlib.suppress(OSError):  # the peak RSS from here on (Linux: 5 in clear_refs resets VmHWM)
        Path("/proc/self/clear_refs").write_text("5")
    before = _rss_kb("VmRSS")

    def enough(done: int, total: int) -> None:
        if done >= sample:
            raise _Enough

    keeper = StoryKeeper(store, progress=enough)
    started = time.monotonic()
    try:
        keeper.catch_up()
    except _Enough:
        pass
    finally:
        keeper.close()
    seconds = time.monotonic() - started
    done = articles - store.unassigned()
    result = {"articles": done, "seconds": seconds, "rss_mb": _rss_kb("VmHWM") / 1024,
              "rss_before_mb": before / 1024,
              "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    kept.write_text(json.dumps(result))
    return result


def run(backend: str, articles: int, args: argparse.Namespace) -> dict[str, Any]:
    options = argparse.Namespace(articles=articles, postgres=args.postgres)
    log(f"{backend}: opening or building the {articles:,}-article store ...")
    store, load = _open(backend, options, False)
    with store:
        row: dict[str, Any] = {"backend": backend, "articles": articles, "load": load}
        row["bytes_per_article"] = store_bytes(store, backend) / articles
        row["ingest_rate"] = ingest_rate(backend, articles)
        if not args.coverage_only:
            search_rows(store, backend, articles, args, row)
        log(f"{backend}: coverage ...")
        row["coverage"] = coverage_times(store, args.repeat, args.schema12_coverage_too)
        row["coverage_p95"] = p([t for ts in row["coverage"]["new"].values() for t in ts], 0.95)
        if not args.coverage_only:
            later_rows(store, backend, args, row)
    row["load_after"] = load_average()
    return row


def search_rows(store: Store, backend: str, articles: int, args: argparse.Namespace,
                row: dict[str, Any]) -> None:
    """What run() measures before coverage: story assignment, unassigned(), search."""
    sample = args.stories_sample
    row["assignment"] = assignment(store, backend, articles, sample) if args.stories else None
    # What every catch_up (every ingest) pays before assigning anything: counting the articles in no
    # group, an anti-join over the whole store; finding the next arrivals walks the assigned ones
    # the same way, so in a store assigned up to its end each batch of 100 costs about this count.
    row["unassigned_p95"] = p(timed(store.unassigned, args.repeat), 0.95)
    log(f"{backend}: searching ...")
    times, _ = measure(store, args.repeat)
    every = [t for query in times for t in query]
    row["search_p50"], row["search_p95"] = p(every, 0.5), p(every, 0.95)


def later_rows(store: Store, backend: str, args: argparse.Namespace, row: dict[str, Any]) -> None:
    """What run() measures after coverage: stories, roundups, the full result sets."""
    from newsdesk.web.stories import roundup_of

    log(f"{backend}: stories, roundups ...")
    row["stories_day_p95"] = p(timed(lambda: store.stories(since=DAY, until=DAY), args.repeat), 0.95)
    row["stories_week_p95"] = p(timed(lambda: store.stories(since=WEEK[0], until=WEEK[1]), args.repeat),
                                0.95)
    row["roundup_day_p95"] = p(timed(lambda: roundup_of(store, DAY), args.repeat), 0.95)
    row["roundup_week_p95"] = p(timed(lambda: [roundup_of(store, f"2020-06-{d}") for d in range(15, 22)],
                                      max(1, args.repeat // 2)), 0.95)
    if args.same_sets:
        log(f"{backend}: collecting the full result sets of the 20 queries ...")
        started = time.monotonic()
        row["sets"] = matching(store)
        log(f"{backend}: {time.monotonic() - started:.0f} s")


def coverage_times(store: Store, repeat: int, schema12_too: bool) -> dict[str, dict[str, list[float]]]:
    """Each coverage query's times ("new"), and with `schema12_too` on a PostgreSQL store also counted
    from article_search's rows as schema 12 did ("schema12"), the two ways taking turns query by query
    (the order swapped every query) on the same store in the same minutes."""
    from newsdesk.store.postgres import PostgresStore
    from newsdesk.web import insights

    ways = {"new": True}
    if schema12_too and isinstance(store, PostgresStore):
        ways["schema12"] = False
    found: dict[str, dict[str, list[float]]] = {way: {} for way in ways}
    for number, query in enumerate(COVERAGE):
        for way in (list(ways) if number % 2 == 0 else list(reversed(ways))):
            if isinstance(store, PostgresStore):
                store._days = ways[way]
            try:
                found[way][query] = timed(lambda q=query: insights.coverage(store, SearchRequest(q), "week"),
                                          repeat)
            finally:
                if isinstance(store, PostgresStore):
                    store._days = True
    return found


def coverage_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = []
    for row in rows:
        for way, times in row["coverage"].items():
            label = "coverage" if way == "new" else "coverage as schema 12 counted (article_search's rows)"
            every = [t for ts in times.values() for t in ts]
            lines.append(f"{row['backend']} {row['articles']:,}: {label}: p50 {p(every, 0.5):,.1f}, "
                         f"p95 {p(every, 0.95):,.1f} ms; per query p95: "
                         + ", ".join(f"{query} {p(ts, 0.95):,.1f}" for query, ts in times.items()))
    return lines


def render(rows: list[dict[str, Any]]) -> str:
    def cell(value: Any, form: str = ".1f") -> str:
        return "n/a" if value is None else format(value, form)

    if all("search_p50" not in row for row in rows):  # --coverage-only
        return "\n".join(coverage_lines(rows))
    lines = [f"{'backend':<9} {'articles':>9} {'B/article':>9} {'ingest/s':>8} {'search p50':>10} {'p95':>6} "
             f"{'coverage p95':>12} {'stories d/w p95':>15} {'roundup d/w p95':>15} {'assign/s':>8} "
             f"{'RSS MB':>7} {'unassigned() ms':>15}"]
    for row in rows:
        assigned = row["assignment"]
        rate = assigned["articles"] / assigned["seconds"] if assigned and assigned["seconds"] else None
        lines.append(
            f"{row['backend']:<9} {row['articles']:>9,} {cell(row['bytes_per_article'], ',.0f'):>9} "
            f"{cell(row['ingest_rate'], ',.0f'):>8} {row['search_p50']:>10.1f} {row['search_p95']:>6.1f} "
            f"{row['coverage_p95']:>12.1f} "
            f"{row['stories_day_p95']:>7.1f}/{row['stories_week_p95']:<7.1f} "
            f"{row['roundup_day_p95']:>7.1f}/{row['roundup_week_p95']:<7.1f} {cell(rate, ',.0f'):>8} "
            f"{cell(assigned['rss_mb'] if assigned else None, ',.0f'):>7} {row['unassigned_p95']:>15.1f}")
    for backend in dict.fromkeys(row["backend"] for row in rows):
        mine = sorted((row for row in rows if row["backend"] == backend), key=lambda row: row["articles"])
        if len(mine) > 1:
            small, large = mine[0], mine[-1]
            ratio = large["bytes_per_article"] / small["bytes_per_article"]
            rates = (large["ingest_rate"] / small["ingest_rate"]
                     if large["ingest_rate"] and small["ingest_rate"] else None)
            lines.append(f"{backend}: {large['articles']:,} vs {small['articles']:,}: bytes per article "
                         f"x{ratio:.2f}, build's average ingest rate x{cell(rates, '.2f')} "
                         "(targets: within 10%)")
            opening = window_rate(backend, large["articles"], small["articles"], small["articles"])
            lines.append(f"{backend}: the {large['articles']:,}-article build's first {small['articles']:,} "
                         f"(the {small['articles']:,}-article store's articles): {cell(opening, ',.0f')}/s; "
                         f"its whole build: {cell(large['ingest_rate'], ',.0f')}/s")
            at_small = window_rate(backend, large["articles"], small["articles"])
            at_end = window_rate(backend, large["articles"], large["articles"])
            both = at_end / at_small if at_small and at_end else None
            lines.append(f"{backend}: within the {large['articles']:,}-article build, 10,000 articles "
                         f"ending at {small['articles']:,}: {cell(at_small, ',.0f')}/s, ending at "
                         f"{large['articles']:,}: {cell(at_end, ',.0f')}/s, x{cell(both, '.2f')}")
            a, b = small["assignment"], large["assignment"]
            if a and b and a["seconds"] and b["seconds"]:
                ratio = (b["articles"] / b["seconds"]) / (a["articles"] / a["seconds"])
                lines.append(f"{backend}: story assignment rate (first {a['articles']:,} arrivals) at "
                             f"{large['articles']:,} / at {small['articles']:,}: x{ratio:.2f} "
                             "(target: >= 0.80)")
    lines += coverage_lines(rows)
    for size in dict.fromkeys(row["articles"] for row in rows):
        measured = [row for row in rows if row["articles"] == size and row.get("sets") is not None]
        if len(measured) == 2:
            first, second = measured
            pairs = zip(first["sets"], second["sets"], strict=True)
            differ = [n + 1 for n, (x, y) in enumerate(pairs) if x != y]
            lines.append(f"{size:,} articles: same result sets on {first['backend']} and "
                         f"{second['backend']}: "
                         + (f"all {len(first['sets'])} queries (count and every matching URL)" if not differ
                            else f"NO, queries {', '.join(map(str, differ))} differ"))
    lines.append("(ms; stories and roundups read the groups and stories kept in the store: without --stories "
                 "a store that was never assigned has none, and those rows time empty answers)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="store sizes, comma-separated")
    add_backend_options(parser)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each call, after a warm-up")
    parser.add_argument("--stories", action="store_true",
                        help="assign the first --stories-sample arrivals to stories (once per store), timed")
    parser.add_argument("--stories-sample", type=int, default=2_000, help="articles assigned with --stories")
    parser.add_argument("--schema12-coverage-too", action="store_true",
                        help="on PostgreSQL, time coverage also counted as schema 12 did (from "
                             "article_search's rows, not article_days), the two ways taking turns")
    parser.add_argument("--coverage-only", action="store_true",
                        help="time only coverage (no store size, ingest, search, stories or roundups)")
    parser.add_argument("--same-sets", action="store_true",
                        help="compare the full result sets of the 20 queries across the backends")
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
