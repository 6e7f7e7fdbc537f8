"""`newsdesk stories --recluster` through the store: ECB+ scored, and a window of a large store timed.

    .venv/bin/python benchmarks/stories_recluster.py [--seed 1]
    .venv/bin/python benchmarks/stories_recluster.py --store /tmp/recluster/s100k.db --since 2024-11-29

ECB+ (the default): the documents of benchmarks/stories.py (topics 1-35, read and enriched as there,
from its cache), in its arrival order for `--seed`, are stored into a temporary SQLite store (`put_many`,
each as the page `newsdesk cluster` reads; an undated document is at the time it was stored, as
`cluster` puts it at the time of the run) and assigned online as ingest does; then `StoryKeeper.recluster`
(what `newsdesk stories --recluster` runs) over the whole store, and the stories are read back from the
store (`story_of`). Beside it, in the same run: online assignment read from the same store, and the
offline pass on the same articles in memory (`StoryTracker.recluster`, what `newsdesk cluster
--offline` and benchmarks/stories.py's "offline pass" rows run). B-cubed on topics 1-22 (tuning) and
23-35 (held out). `--topics 23-35` stores only the held-out topics (the statistics are then theirs
alone). The store differs from `cluster --offline` in one way: copies of one report (the duplicate
groups, found as articles arrive) are clustered once, through their first copy, and follow it; the
last row runs the in-memory pass that way (two documents with one address are one stored article).

`--store PATH --since DATE`: the re-clustering's cost on a window of a large store, without writing:
the window's articles (published on or after DATE, else stored on or after it) read as the re-clustering
reads them (first versions, in order of arrival, batches of 100), then the offline pass over them; time
(CPU and wall) and the process's peak memory (ru_maxrss) per step. Stories need not be assigned (the
store's stories add their earlier articles, the anchors, to the window: this reads the window alone).
Work on a copy: opening may migrate the store.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import tee

from rich.console import Console
from rich.table import Table

from ecbplus_data import documents
from newsdesk.article import Article
from newsdesk.store import Store, open_store
from newsdesk.stories import StoryTracker
from newsdesk.stories.persist import StoryKeeper, assign_stories
from stories import HELD, TUNE, articles_of, bcubed

PARTS = (("1-22 (tuning)", TUNE), ("23-35 (held out)", HELD))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ecbplus(seed: int, topics: range, console: Console) -> None:
    docs = documents(topics)
    articles = articles_of(docs)
    order = list(docs)
    random.Random(seed).shuffle(order)
    table = Table(title=f"ECB+ topics {topics.start}-{topics.stop - 1} through the store (seed {seed}), "
                        "B-cubed P / R / F1")
    for column in ("method", "part", "P", "R", "F1"):
        table.add_column(column, justify="left" if column in ("method", "part") else "right")
    with tempfile.TemporaryDirectory() as folder, open_store(f"sqlite:///{folder}/ecb.db") as store:
        outcomes = store.put_many([articles[d.name] for d in order])
        ids = {d.name: outcome.id for d, outcome in zip(order, outcomes, strict=True)}
        if len(set(ids.values())) != len(ids):
            console.print(f"[red]{len(ids) - len(set(ids.values()))} documents share a stored article")
        assign_stories(store)
        online = {name: _story(store, id) for name, id in ids.items()}
        copies = sum(1 for id in ids.values() if (store.duplicates_of(id) or [None])[0] is not None
                     and len(store.duplicates_of(id)) > 1)
        keeper = StoryKeeper(store)
        start, cpu = time.perf_counter(), time.process_time()
        done = keeper.recluster("0000")
        keeper.close()
        took = time.perf_counter() - start, time.process_time() - cpu
        stored = {name: _story(store, id) for name, id in ids.items()}
        # Each document's duplicate group, by its first arrived copy (the store's arrival order is `order`).
        first = {name: min(copy.article_id for copy in store.duplicates_of(id)) for name, id in ids.items()}
    labels = StoryTracker().recluster(articles[d.name] for d in order)
    memory = {d.name: "none" if label is None else str(label) for d, label in zip(order, labels, strict=True)}
    # The same pass in memory with copies clustered through their first copy, as the store does.
    leads = [d for d in order if ids[d.name] == first[d.name]]
    labels = StoryTracker().recluster(articles[d.name] for d in leads)
    by_lead = {ids[d.name]: str(label) for d, label in zip(leads, labels, strict=True)}
    grouped = {d.name: by_lead.get(first[d.name], "none") for d in order}
    for method, pred in (("online, read from the store", online),
                         (f"stories --recluster, read from the store ({took[0]:.1f} s, {took[1]:.1f} s CPU)",
                          stored),
                         ("offline pass in memory (cluster --offline)", memory),
                         ("offline pass in memory, copies following their first copy", grouped)):
        for label, part in PARTS:
            chosen = [d for d in order if d.topic in part]
            if chosen:
                scored = bcubed([d.event for d in chosen], [pred[d.name] for d in chosen])
                table.add_row(method, label, *(f"{x:.3f}" for x in scored))
    console.print(table)
    console.print(f"{len(ids)} documents, {copies} in a duplicate group of several; re-clustered "
                  f"{done.articles} articles: {done.before} stories before, {done.after} after, {done.moved} "
                  f"moved; load {os.getloadavg()[0]:.1f}")


def _story(store: Store, id: int) -> str:
    record = store.story_of(id)
    return "none" if record is None else str(record.id)


def window(path: str, since: str, console: Console) -> None:
    """The re-clustering's reading and pass over a window of a large store, timed, without writing."""
    start, cpu = time.perf_counter(), time.process_time()
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:  # the store's own window query
        chosen = [id for id, in connection.execute(
            "SELECT a.id FROM article_search a JOIN articles r ON r.id = a.id WHERE a.published_key >= ? "
            "OR (a.published_key = '' AND r.stored_at >= ?) ORDER BY a.id", [since, since])]
        undated = connection.execute(
            "SELECT count(*) FROM article_search a JOIN articles r ON r.id = a.id "
            "WHERE a.published_key = '' AND r.stored_at >= ?", [since]).fetchone()[0]
    steps = [("choosing the window", time.perf_counter() - start, time.process_time() - cpu, peak_mib())]
    with open_store(f"sqlite:///{path}") as store:
        start, cpu = time.perf_counter(), time.process_time()

        def arrivals() -> Iterator[tuple[Article, datetime]]:
            for first in range(0, len(chosen), 100):
                found = store.first_versions(chosen[first:first + 100])
                for id in chosen[first:first + 100]:
                    stamp = datetime.fromisoformat(found[id].stored_at).astimezone(UTC).replace(tzinfo=None)
                    yield found[id].article, stamp

        articles, stamps = tee(arrivals())
        labels = StoryTracker().recluster((a for a, _ in articles), met=(when for _, when in stamps))
        steps.append(("reading and the offline pass", time.perf_counter() - start, time.process_time() - cpu,
                      peak_mib()))
    stories = Counter(label for label in labels if label is not None)
    table = Table(title=f"Re-clustering a window of {path} since {since}: {len(chosen)} articles "
                        f"({len(chosen) - undated} dated, {undated} undated): {len(stories)} stories, "
                        f"{sum(1 for n in stories.values() if n > 1)} of several articles")
    for column in ("step", "wall s", "CPU s", "peak RSS MiB"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for name, wall, cpu_s, peak in steps:
        table.add_row(name, f"{wall:.1f}", f"{cpu_s:.1f}", f"{peak:.0f}")
    console.print(table)
    console.print(f"load {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="the arrival order (as benchmarks/stories.py)")
    parser.add_argument("--topics", default="1-35", help="ECB+ topics stored: 1-35 (default) or 23-35")
    parser.add_argument("--store", help="a large SQLite store (a copy: it may be migrated on opening)")
    parser.add_argument("--since", help="with --store: the window's first date")
    args = parser.parse_args()
    console = Console()
    if args.store:
        if not args.since:
            sys.exit("--store needs --since")
        window(args.store, args.since, console)
        return
    first, last = (int(x) for x in args.topics.split("-"))
    ecbplus(args.seed, range(first, last + 1), console)


if __name__ == "__main__":
    main()
