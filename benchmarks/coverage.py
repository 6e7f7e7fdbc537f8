"""Coverage benchmark: 5 searches compared by week over the whole range, on the search benchmark's store
(100,000 articles, 2015-2024), SQLite and PostgreSQL side by side.

    .venv/bin/python benchmarks/coverage.py [--articles 100000] [--backends sqlite,postgres]
                                            [--postgres-url URL] [--repeat 20]

What is timed (wall milliseconds, after one warm-up call):

* `compare 5 (cold)`: `newsdesk.coverage.compare` of the 5 searches by week, counting every stored
  article per day too (the shares' denominators): what `newsdesk coverage Q1 ... Q5` does;
* `compare 5 (desk)`: the same with the denominators already counted, as the desk keeps them until the
  store changes (`Desk.all_days`): what `/api/coverage?series=...` and the Coverage page cost;
* `one search`: the search page's chart (one query, by day: 10 years move up to month).

The stores are the search benchmark's (benchmarks/search.py builds and caches them; this opens the
cache). Target: p95 of `compare 5 (cold)` under 200 ms on SQLite. The machine is shared: compare rows
of one run.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from backends import add_backend_options, chosen_backends, header, load_average, postgres_version
from corpus import require_data
from newsdesk.coverage import compare, day_counts
from newsdesk.store import SearchRequest, Store
from search import _open, p

QUERIES = ["government", "said", "china OR russia", "tech*", '"white house"']
TARGET_P95_MS = 200.0


def timed(call: Callable[[], Any], repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU (this process) milliseconds of `repeat` calls, after a warm-up call."""
    call()
    wall, cpu = [], []
    for _ in range(repeat):
        started, used = time.perf_counter(), time.process_time()
        call()
        wall.append(1000 * (time.perf_counter() - started))
        cpu.append(1000 * (time.process_time() - used))
    return wall, cpu


def measure(store: Store, series: list[tuple[str | None, SearchRequest]], repeat: int) -> dict[str, Any]:
    totals, _ = day_counts(store, SearchRequest())
    result = compare(store, series, "week", totals)
    return {"weeks": len(result["starts"]), "matches": sum(s["total"] for s in result["series"]),
            "cold": timed(lambda: compare(store, series, "week"), repeat),
            "desk": timed(lambda: compare(store, series, "week", totals), repeat),
            "one": timed(lambda: compare(store, [(None, SearchRequest("government"))], "day", totals),
                         repeat)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", type=int, default=100_000)
    add_backend_options(ap)
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args(argv)
    args.rebuild = False
    require_data()
    backends, args.postgres = chosen_backends(args)
    print(f"{header()}\n{args.articles:,} articles, {len(QUERIES)} searches by week, "
          f"{args.repeat} timed runs after a warm-up", flush=True)
    series = [(None, SearchRequest(query)) for query in QUERIES]
    rows: dict[str, dict[str, Any]] = {}
    for backend in backends:
        if backend == "postgres" and not args.postgres:
            rows[backend] = {"error": "skipped: no PostgreSQL server given"}
            continue
        print(f"{backend}: opening or building the store ...", file=sys.stderr, flush=True)
        store, _ = _open(backend, args, False)
        with store:
            rows[backend] = measure(store, series, args.repeat)
            rows[backend]["version"] = postgres_version(args.postgres) if backend == "postgres" else ""
    print(f"load average after the runs: {load_average()}\n")
    print("milliseconds, p50 / p95: wall, and [CPU of this process; PostgreSQL's server work not in it]")
    print(f"{'backend':<9} {'buckets':>7} {'matches':>9}  {'compare 5 (cold)':>30}  "
          f"{'compare 5 (desk)':>30}  {'one search':>30}")
    for backend, row in rows.items():
        if "error" in row:
            print(f"{backend:<9} {row['error']}")
            continue
        cells = [f"{p(row[key][0], 0.5):.1f} / {p(row[key][0], 0.95):.1f} "
                 f"[{p(row[key][1], 0.5):.1f} / {p(row[key][1], 0.95):.1f}]"
                 for key in ("cold", "desk", "one")]
        print(f"{backend:<9} {row['weeks']:>7} {row['matches']:>9,}  {cells[0]:>30}  {cells[1]:>30}  "
              f"{cells[2]:>30}  {row['version']}")
    if "sqlite" in rows and "postgres" in rows and "error" not in rows["postgres"]:
        ratio = p(rows["postgres"]["cold"][0], 0.95) / p(rows["sqlite"]["cold"][0], 0.95)
        print(f"\nPostgreSQL / SQLite, compare 5 (cold) wall p95: {ratio:.2f}")
    if "sqlite" in rows and "error" not in rows["sqlite"]:
        wall, cpu = p(rows["sqlite"]["cold"][0], 0.95), p(rows["sqlite"]["cold"][1], 0.95)
        verdict = "met" if wall < TARGET_P95_MS else "NOT met"
        print(f"target: SQLite compare 5 (cold) wall p95 < {TARGET_P95_MS:.0f} ms: {verdict} ({wall:.1f} ms "
              f"wall, {cpu:.1f} ms CPU, load average {load_average()})")


if __name__ == "__main__":
    main()
