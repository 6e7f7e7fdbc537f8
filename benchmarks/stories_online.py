"""Duplicates and stories kept in the store as articles arrive: throughput, reopening, rebuild.

    .venv/bin/python benchmarks/stories_online.py [--count 3000]

`--count` articles are made as benchmarks/duplicates.py makes them (paragraphs of the ScrapingHub bodies
drawn at random, a quarter of them lightly edited copies of an earlier one), given a site, a title and a
publication date (about 200 a day). They are stored in batches of 100 (`put_many`) and each batch is
assigned to its duplicate groups and stories (`StoryKeeper.catch_up`), as `newsdesk ingest` does.
The articles are enriched first, untimed (as `newsdesk ingest` enriches before storing, by default):
the tracker then takes each article's entities from its enrichment and needs no parse of its own;
`--no-enrich` measures the other case (`ingest --no-enrich`), where stories rest on words, dates and
figures alone. Beside it, in the same run, on the same articles in memory: the duplicate
index alone (what benchmarks/duplicates.py measures) and the story tracker alone.
Then: opening the keeper again on the full store (the duplicate index rebuilt from the
stored signatures, the tracker unpickled), and `--rebuild`.

Load (uptime) is printed: the machine is shared, so compare the rows of one run, not runs.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time

from rich.console import Console
from rich.table import Table

from newsdesk.article import Article
from newsdesk.store import open_store
from newsdesk.stories import DuplicateIndex, StoryTracker
from newsdesk.stories.persist import StoryKeeper

BATCH = 100
SITES = [f"site{n}.example" for n in range(12)]


def articles(count: int, seed: int) -> list[Article]:
    from duplicates import synthetic  # benchmarks/duplicates.py

    rng = random.Random(seed)
    out = []
    for number, body in enumerate(synthetic(count, seed)):
        day, minute = divmod(number, 200)
        site = rng.choice(SITES)
        out.append(Article(url=f"https://{site}/news/{number}", title=" ".join(body.split()[:9]), body=body,
                           published=f"2024-{1 + day // 28:02d}-{1 + day % 28:02d}T{minute // 60 % 24:02d}:"
                                     f"{minute % 60:02d}:00Z", site_name=site))
    return out


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--enrich", action=argparse.BooleanOptionalAction, default=True,
                        help="Enrich the articles first, untimed, as ingest does (default: yes)")
    args = parser.parse_args()
    console = Console()
    console.print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
                  f"on {os.cpu_count()} cores")
    items = articles(args.count, args.seed)
    if args.enrich:
        from newsdesk.enrich import enrich_articles
        from newsdesk.settings import Settings

        start = time.perf_counter()
        enrich_articles(items, Settings.from_env())
        seconds = time.perf_counter() - start
        console.print(f"enriched {len(items):,} articles first in {seconds:.1f} s (untimed)")
    table = Table(title=f"Duplicates and stories online, {len(items):,} articles")
    for column in ("what", "seconds", "articles/s", "note"):
        table.add_column(column, justify="right" if column != "what" else "left")

    # In memory, the same articles: the duplicate index alone, then the tracker on the originals.
    start = time.perf_counter()
    index = DuplicateIndex()
    originals = [(n, a) for n, a in enumerate(items) if index.add(n, a.body) is None]
    seconds = time.perf_counter() - start
    table.add_row("duplicate index alone (memory)", f"{seconds:.1f}", f"{len(items) / seconds:,.0f}",
                  f"{len(items) - len(originals):,} copies")
    tracker = StoryTracker()
    start = time.perf_counter()
    for at in range(0, len(originals), BATCH):
        list(tracker.add_many(originals[at:at + BATCH]))
    seconds = time.perf_counter() - start
    table.add_row(f"story tracker alone (memory{'' if args.enrich else ', no entities'})", f"{seconds:.1f}",
                  f"{len(originals) / seconds:,.0f}", f"{len(originals):,} originals, "
                  f"{len(tracker.stories):,} stories")

    with tempfile.TemporaryDirectory() as folder, open_store(f"sqlite:///{folder}/bench.db") as store:
        keeper = StoryKeeper(store)
        put = assign = 0.0
        for at in range(0, len(items), BATCH):
            start = time.perf_counter()
            store.put_many(items[at:at + BATCH])
            put += time.perf_counter() - start
            start = time.perf_counter()
            keeper.catch_up()
            assign += time.perf_counter() - start
        start = time.perf_counter()
        keeper.close()
        saved = time.perf_counter() - start
        table.add_row("store (SQLite): put_many", f"{put:.1f}", f"{len(items) / put:,.0f}", "")
        table.add_row("store (SQLite): assign groups and stories", f"{assign:.1f}",
                      f"{len(items) / assign:,.0f}", f"state saved in {saved:.2f} s "
                      f"({len(store.story_state().data or b'') / 1e6:.1f} MB)")
        table.add_row("store: both (ingest without extraction)", f"{put + assign:.1f}",
                      f"{len(items) / (put + assign):,.0f}", f"max RSS {rss_mib():,.0f} MiB")
        start = time.perf_counter()
        reopened = StoryKeeper(store)
        store.put(Article(url="https://late.example/1", body=items[0].body, published="2024-01-01"))
        reopened.catch_up()
        seconds = time.perf_counter() - start
        table.add_row("reopen: index from signatures + tracker unpickled", f"{seconds:.2f}",
                      f"{len(items) / seconds:,.0f}", "and one more article assigned")
        stories = len(store.stories(top=10**9))
        start = time.perf_counter()
        rebuilt = StoryKeeper(store).rebuild()
        seconds = time.perf_counter() - start
        table.add_row("stories --rebuild", f"{seconds:.1f}", f"{rebuilt / seconds:,.0f}",
                      f"{stories:,} stories")
    console.print(table)


if __name__ == "__main__":
    main()
