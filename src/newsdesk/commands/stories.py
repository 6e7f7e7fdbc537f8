"""`newsdesk cluster`: which story each document belongs to; `newsdesk roundup`: the period's stories."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict
from itertools import islice
from typing import TYPE_CHECKING

import click

from newsdesk.article import Article
from newsdesk.commands import (
    DATE,
    DAY,
    article_ref,
    collection_option,
    db_option,
    renamed_option,
    site_option,
)
from newsdesk.errors import NewsdeskError
from newsdesk.extract import extract_page
from newsdesk.settings import Settings
from newsdesk.sources.files import read_pages
from newsdesk.store import SearchRequest, Store, StoryRecord, StoryWriter, open_store
from newsdesk.store.desk import collection_stories, with_collection

if TYPE_CHECKING:
    from newsdesk.stories.persist import Reclustered

BATCH = 32


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True,
              help="One JSON object per document: source, story, title.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="How likely (0-1) an article must be to belong to a story to join it "
              "(default: the tuned one; higher makes more, tighter stories).")
@click.option("--offline", is_flag=True,
              help="Cluster once every document is read (average link over the same pair score, then "
              "stories merged with their follow-ups within 180 days, 730 for a story of 5 documents or "
              "more), instead of one by one: the result does not depend on the order; nothing is printed "
              "before the end.")
def cluster(paths: tuple[str, ...], fmt: str, threshold: float | None, offline: bool) -> None:
    """Group documents into stories (events), in the order given, as if they arrived one by one.

    PATHS are files or folders as in `newsdesk extract` (.html, .html.gz, .txt: .txt files are taken
    as flattened pages, their body found as in `extract`). Each document is enriched (its people,
    organisations and places found, as at ingest), then assigned to the story it most likely belongs
    to, or starts a new one: the words of the report and of its lead say how alike two reports are;
    who (the same people or not), where (the same places or not) and when (dates in the text, the
    publication dates) confirm or contradict it. Two documents count as alike only when they share
    specific evidence (names, places, figures, quoted phrases, rare headline words); words are
    compared within one language; an undated document is taken at the time of the run; a story takes
    documents within 14 days of its span (60 once it has run over several days or 3 reports tell it);
    a page whose type is
    not an article's (listing, collection, product, service, documentation, forum) is in no story
    ("story": null). Earlier assignments are never revisited, so the
    result depends on the order of the PATHS, and is the same for the same order. With --offline the
    documents are clustered once all are read (average link: two groups merge when the mean
    likelihood of their members' pairs is at least 0.5; the same windows), then stories of two
    documents or more merge when it is at least 0.4 over every pair of their members (at most 30 of
    each story, those nearest in time to the other) within 180 days (follow-ups; 730 days when one of
    them is told by 5 documents or more, unless the two name different edition years: last year's
    festival and this year's), and a document left alone joins the story it fits best by the online
    rule (within 730 days of a story of 5 documents or more, on the same condition); whatever their
    order. Prints one line per document:

    \b
      {"source": "a.txt", "story": "1", "title": "...", "input": "a.txt"}

    (`input` is the document; `source`, its old name, goes in the next release.)

    \b
    Example (shuffle to mimic news arriving from everywhere at once):
      newsdesk cluster $(ls texts/*.txt | shuf --random-source=/dev/zero) > stories.jsonl

    Unreadable documents are reported on stderr as `path: reason` and the run goes on; progress is
    shown on stderr.
    """
    from rich.console import Console
    from rich.progress import Progress

    from newsdesk.enrich import enrich_articles
    from newsdesk.stories import StoryClusterer, StoryTracker

    settings = Settings.from_env()
    tracker = StoryTracker(StoryClusterer() if threshold is None else StoryClusterer(threshold))
    articles = _articles(paths, settings)
    if offline:
        _cluster_offline(articles, settings, threshold)
        return
    done = failed = 0
    with Progress("{task.description}", "{task.completed} documents", "{task.fields[stories]} stories",
                  console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("clustering", total=None, stories=0)
        while batch := list(islice(articles, BATCH)):
            good = [a for a in batch if isinstance(a, Article)]
            failed += len(batch) - len(good)
            enrich_articles(good, settings)  # who and where, as at ingest (one parse per document)
            stories = tracker.add_many((a.source, a) for a in good)
            for article, story in zip(good, stories, strict=True):
                sys.stdout.write(json.dumps({"source": article.source,
                                             "story": None if story is None else str(story.id + 1),
                                             "title": article.title, "input": article.source},
                                            ensure_ascii=False) + "\n")
                done += 1
            sys.stdout.flush()
            bar.update(task, completed=done + failed, stories=len(tracker.stories))
    click.echo(f"{done} documents in {len(tracker.stories)} stories, {failed} failed", err=True)
    if done == 0:
        sys.exit(1)


def _cluster_offline(articles: Iterator[Article | NewsdeskError], settings: Settings,
                     threshold: float | None) -> None:
    """`cluster --offline`: every document read and enriched first, then the offline pass."""
    from newsdesk.enrich import enrich_articles
    from newsdesk.stories import StoryTracker

    good: list[Article] = []
    failed = 0
    while batch := list(islice(articles, BATCH)):
        found = [a for a in batch if isinstance(a, Article)]
        failed += len(batch) - len(found)
        enrich_articles(found, settings)
        good.extend(found)
    labels = StoryTracker().recluster(good, threshold)
    numbers: dict[int, int] = {}
    for article, label in zip(good, labels, strict=True):
        story = None if label is None else str(numbers.setdefault(label, len(numbers) + 1))
        sys.stdout.write(json.dumps({"source": article.source, "story": story, "title": article.title,
                                     "input": article.source}, ensure_ascii=False) + "\n")
    click.echo(f"{len(good)} documents in {len(numbers)} stories, {failed} failed", err=True)
    if not good:
        sys.exit(1)


def _articles(paths: tuple[str, ...], settings: Settings) -> Iterator[Article | NewsdeskError]:
    for item in read_pages(paths, settings.max_input_bytes):
        if isinstance(item, NewsdeskError):
            click.echo(str(item), err=True)
            yield item
            continue
        try:
            yield extract_page(item, settings)
        except NewsdeskError as error:
            click.echo(f"{item.source}: {error.reason}", err=True)
            yield error


@click.command()
@click.option("--date", "day", metavar="DAY", type=DAY,
              help="The day (2024-10-01). Default: the latest day with a stored article (as the desk's "
                   "page opens), unless --since/--until are given.")
@click.option("--since", type=DATE, help="From this date or time (ISO 8601).")
@click.option("--until", type=DATE,
              help="Up to this date or time, included (2024-10 is the whole month).")
@click.option("--topics", multiple=True, metavar="TOPIC",
              help="Only these topics (repeat, or separate with commas).")
@renamed_option("--sites", "--sources", "sites", multiple=True, metavar="SITE",
                help="Only articles from these sites, by name or host (repeat, or separate with commas); "
                     "--sources, the old name, is accepted until the next release.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "rss", "json"]), default="markdown",
              show_default=True)
@click.option("--title", default=None, help="The roundup's title (default: News roundup DAY).")
@click.option("--out", type=click.Path(writable=True), help="Write here instead of stdout: a file, or an "
              "existing folder, where the roundup is written as roundup-DAY.md/.html/.xml/.json.")
@click.option("--base-url", metavar="URL", default=None,
              help="Where readers reach the web desk (https://news.example.org/): the RSS channel and the "
                   "items read from files link to its roundup page. Default: the base_url setting.")
@collection_option
@click.option("--since-last-run", is_flag=True,
              help="From the day after the last --since-last-run roundup to the latest day with articles "
                   "(the first time: that day alone), then remember it: the daily job of docs/schedule.md.")
@click.option("--all-pages", is_flag=True,
              help="Include every stored page; by default the pages extraction is sure (probability "
                   ">= 0.8) are listings, product pages, forums, documentation or service pages are "
                   "left out.")
@db_option
def roundup(day: str | None, since: str | None, until: str | None, topics: tuple[str, ...],
            sites: tuple[str, ...], fmt: str, title: str | None, out: str | None, base_url: str | None,
            collection: str | None, since_last_run: bool, all_pages: bool, db: str | None) -> None:
    """Write the news roundup of a day or period: its stories grouped by topic.

    Stories are those of the stored articles published in the period (as kept in the store: see
    `newsdesk stories`), copies of one report folded into one item (with every source that carried
    it). Topics come from enrichment when the articles
    have them, else from the URL's section. Within a topic, the most widely covered story comes first.
    Each item has the headline, the sources, the link and the article's own lead sentence. Text from
    the pages is escaped for the format (Markdown, HTML, RSS) and only http(s) URLs are linked.

    \b
    Examples:
      newsdesk roundup --date 2024-10-01
      newsdesk roundup --since 2024-10-01 --until 2024-10-07 --format html --out week.html
      newsdesk roundup --topics politics,sport --format rss
    """
    from newsdesk.stories.roundup import NO_LINK, build_roundup, build_stored_roundup, render, roundup_link

    if day and (since or until):
        raise click.UsageError("give --date or --since/--until, not both")
    if since_last_run and (day or since or until):
        raise click.UsageError("--since-last-run chooses the days itself: give no --date, --since or --until")
    base = Settings.from_env().base_url if base_url is None else base_url
    if base.strip() and roundup_link(base, None) is None:
        raise click.BadParameter(f"{base[:80]!r} is no http(s) URL", param_hint="--base-url")
    wanted_topics, wanted_sources = _split(topics) or None, _split(sites) or None
    with open_store(db) as store:
        if since_last_run:
            since, until = _since_last_run(store)
            if since == until:
                day, since, until = since, None, None
        if not (since or until):
            day = day or _latest_day(store)
            since, until = day, day
        request = with_collection(store, SearchRequest(since=since, until=until, sort="date",
                                                       articles_only=not all_pages), collection)
        label = day or " to ".join(x for x in (since, until) if x)
        title = title or f"News roundup {label}"
        rebuild_outdated(store)
        stored = list(store.iter_articles(request))
        # The stories kept in the store; recomputed for the period if an article is in none yet.
        result = build_stored_roundup(stored, store, title=title, topics=wanted_topics,
                                      sources=wanted_sources, every_page=all_pages)
    articles = [item.article for item in stored]
    if result is None:
        result = build_roundup(articles, title=title, topics=wanted_topics, sources=wanted_sources,
                               every_page=all_pages)
    link = roundup_link(base, day) or NO_LINK
    if fmt == "rss" and link == NO_LINK:
        click.echo(f"note: no --base-url (or base_url setting): the feed's links point to {NO_LINK}",
                   err=True)
    text = render(result, fmt, link=link)
    if out:
        if os.path.isdir(out):
            suffix = {"markdown": "md", "html": "html", "rss": "xml", "json": "json"}[fmt]
            out = os.path.join(out, f"roundup-{label.replace(' to ', '_')}.{suffix}")
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        count = sum(len(s.items) for s in result.sections)
        click.echo(f"{out}: {count} stories in {len(result.sections)} topics from {len(articles)} articles",
                   err=True)
    else:
        sys.stdout.write(text)


LAST_RUN = "roundup:last-run"  # the last day a --since-last-run roundup covered (store/desk.py run_state)


def _since_last_run(store: Store) -> tuple[str, str]:
    """The days a --since-last-run roundup covers (from the day after the last one's to the latest day
    with articles; that day alone the first time, or when nothing newer arrived), remembered now."""
    from datetime import date, timedelta

    from newsdesk.store.desk import desk_state
    from newsdesk.store.rows import now

    state = desk_state(store)
    latest = _latest_day(store)
    last = state.state(LAST_RUN)
    first = (date.fromisoformat(last) + timedelta(days=1)).isoformat() if last else latest
    first = min(first, latest)
    state.set_state(LAST_RUN, latest, now())
    return first, latest


def _latest_day(store: Store) -> str:
    """The day of the most recently published article (as the desk's roundup page opens), else today."""
    from datetime import date

    from newsdesk.stories.roundup import today

    hits = store.search(SearchRequest(sort="date", limit=1)).hits
    try:
        return date.fromisoformat((hits[0].published or "")[:10]).isoformat() if hits else today()
    except ValueError:
        return today()


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _warn_unassigned(store: StoryWriter) -> None:
    """Say so when stored articles are in no story yet: the list would otherwise be silently short."""
    pending = store.unassigned()
    if pending:
        click.echo(f"{pending} stored article{'s are' if pending > 1 else ' is'} in no duplicate group or "
                   "story yet (a store made before newsdesk kept stories, or an ingest stopped before "
                   "assigning them): run `newsdesk stories --rebuild`, or the next `newsdesk ingest` "
                   "assigns them", err=True)


def keep_stories(store: Store, *, rebuild: bool = False) -> int:
    """Assign the stored articles that are in no group or story yet (`rebuild`: forget every group and
    story first and assign all), with a progress bar on stderr; the number assigned."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from newsdesk.stories.persist import StoryKeeper

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("rebuilding stories" if rebuild else "stories", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        keeper = StoryKeeper(store, progress=advance, notice=lambda message: click.echo(message, err=True))
        try:
            return keeper.rebuild() if rebuild else keeper.catch_up()
        finally:
            keeper.close()


def recluster_stories(store: Store, since: str) -> Reclustered:
    """`StoryKeeper.recluster` over the window from `since`, with a progress bar on stderr."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from newsdesk.stories.persist import StoryKeeper

    columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task("stories", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        def stage(name: str, done: int, total: int) -> None:
            bar.update(task, description=f"re-clustering: {name}", completed=done, total=total)

        keeper = StoryKeeper(store, progress=advance, notice=lambda message: click.echo(message, err=True))
        try:
            return keeper.recluster(since, stage)
        finally:
            keeper.close()


def rebuild_outdated(store: Store) -> None:
    """Rebuild the stories (with a progress bar) when they were made by another version of newsdesk."""
    from newsdesk.stories.persist import StoryKeeper

    if StoryKeeper(store).outdated():
        click.echo("the stories kept in the store were made by another version of newsdesk: rebuilding "
                   f"them from {store.count()} articles", err=True)
        keep_stories(store, rebuild=True)


def _show(record: StoryRecord) -> None:
    click.echo(click.style(f"[{record.id}] {record.headline or '(untitled)'}", bold=True))
    dates = " to ".join(dict.fromkeys(d[:10] for d in (record.first_seen, record.last_seen) if d))
    parts = [f"{len(record.articles)} article{'s' if len(record.articles) > 1 else ''}"
             + (f", {len(record.sources)} source{'s' if len(record.sources) != 1 else ''}: "
                f"{', '.join(record.sources)}" if record.sources else " (no site named)"),
             dates, ", ".join(record.entities)]
    click.echo("  " + "; ".join(part for part in parts if part))


MOST_DAYS = 36_500  # --days: at most a hundred years back (800,000 days back is before year 1)


@click.command()
@click.option("--since", type=DATE,
              help="Stories with an article published on or after this date (ISO 8601).")
@click.option("--until", type=DATE, help="... and on or before this date (2024-10 is the whole month).")
@site_option("Only stories with an article from this site, the outlet (its name or host); --source, its "
             "old name, is accepted until the next release.")
@click.option("--top", type=click.IntRange(1), default=20, show_default=True, help="How many stories.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True,
              help="table: for reading; jsonl: one story per line (id, headline, first_seen, last_seen, "
                   "articles, sources, entities, urls).")
@click.option("--rebuild", is_flag=True,
              help="First recompute every duplicate group and story from scratch, in order of arrival "
                   "(the same result as assigning them as they arrived); for a store made before "
                   "newsdesk kept stories, or after changing the clustering. It undoes --recluster.")
@click.option("--recluster", is_flag=True,
              help="First re-cluster the stories of a window (--days N or --since DATE) once all its "
                   "articles are known (the offline pass of `newsdesk cluster --offline`), and keep the "
                   "result as their stories: better stories than online assignment gives, for the desk, "
                   "the API, roundups and these lists. Run it nightly (docs/schedule.md).")
@click.option("--days", type=click.IntRange(1, MOST_DAYS), default=None, metavar="N",
              help="With --recluster: the window is the last N days (articles published, else stored, "
                   "since N days before now); the list then shows the stories of those days.")
@collection_option
@db_option
def stories(since: str | None, until: str | None, site: str | None, top: int, fmt: str, rebuild: bool,
            recluster: bool, days: int | None, collection: str | None, db: str | None) -> None:
    """The most widely covered stories (events followed across articles and outlets).

    Every article joins a story as it is ingested, in order of arrival: copies of one report (exact,
    near-duplicate or teaser: see `newsdesk duplicates`) join the story of their earliest copy; other
    articles join the most similar open story on who, where, when and words, or start one. Stories are
    kept in the store, listed here most widely covered first (sources: sites, else URL hosts, else the
    archive or folder read; then articles; then the most recent). A story's id is
    S + the id of the article that started it: `newsdesk story S12`. See docs/stories.md.

    --recluster re-clusters a window (--days N, or --since DATE) as `newsdesk cluster --offline` does,
    once all of its articles are known, and keeps the result as their stories (what online assignment
    cannot see: an article that arrived before the report that ties it to a story). A story that began
    before the window keeps its earlier articles together, and its id; the window's articles may join
    it or leave it. Another new story keeps the id of the old story it shares the most articles with,
    else takes S + the id of its first article (else a free number); the id of an old story merged into
    another leads to nothing (`newsdesk story` says which story the article it was named after is in
    now). Articles outside the window keep their stories and story ids; new ones join the re-clustered
    stories as they arrive. The window compares published dates as written (in their own UTC offset,
    so about 14 hours either way at its edge). It is written in one transaction (a run stopped half-way
    changes nothing; after 3 tries while other processes keep assigning, it stops: run it again later),
    and the same window re-clustered again changes nothing. `--rebuild` undoes it.

    \b
    Examples:
      newsdesk stories --since 2024-10-01 --top 10
      newsdesk stories --site herald.example --format jsonl
      newsdesk stories --rebuild
      newsdesk stories --recluster --days 30      # nightly: 0 3 * * * newsdesk stories --recluster --days 30
    """
    if recluster and rebuild:
        raise click.UsageError("give --rebuild or --recluster, not both")
    if days is not None and not recluster:
        raise click.UsageError("--days goes with --recluster (the window); the list takes --since/--until")
    if days is not None and since:
        raise click.UsageError("give --days or --since, not both")
    if recluster and not (days or since):
        raise click.UsageError("--recluster needs its window: --days N or --since DATE")
    if recluster and (until or collection):
        raise click.UsageError("--recluster's window runs to now: give no --until or --collection with it "
                               "(list those stories with a second `newsdesk stories` command)")
    if days is not None:
        from datetime import UTC, datetime, timedelta

        since = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with open_store(db) as store:
        if recluster:
            assert since is not None
            done = recluster_stories(store, since)
            click.echo(f"re-clustered since {since}: {done.articles} articles, {done.before} stories before, "
                       f"{done.after} after, {done.moved} articles moved", err=True)
        elif rebuild:
            count = keep_stories(store, rebuild=True)
            click.echo(f"rebuilt: {count} articles in duplicate groups and stories", err=True)
        else:
            rebuild_outdated(store)
        records = collection_stories(store, since, until, top, collection) if collection else \
            store.stories(since, until, top, site)
        if fmt == "jsonl":
            for record in records:
                click.echo(json.dumps(asdict(record), ensure_ascii=False))
        else:
            for record in records:
                _show(record)
        _warn_unassigned(store)
        if not records:
            click.echo("no stories" + (" in this period" if since or until or site else ""), err=True)


@click.command()
@click.argument("story_id", metavar="ID")
# Accepted as before stories were kept in the store, when ids depended on the period; now they do not.
@click.option("--since", hidden=True)
@click.option("--until", hidden=True)
@db_option
def story(story_id: str, since: str | None, until: str | None, db: str | None) -> None:
    """One story by its id (S12, as `newsdesk stories` shows it), as indented JSON: headline, first and
    last seen, its articles (ids, in order of arrival) and their URLs, sources and top entities."""
    with open_store(db) as store:
        rebuild_outdated(store)
        record = store.story(story_id)
        if record is None:
            _warn_unassigned(store)
            from newsdesk.store.groups import story_number

            number = story_number(story_id)
            now = None if number is None else store.story_of(number)
            # Only the first copy of a report can have started a story of its id (and been moved since).
            first = number is not None and store.placements([number]).get(number, (None,))[0] == number
            hint = "" if now is None or not first else (
                f"; article {number} is in story {now.id} (if {story_id} was a story, `stories --recluster` "
                "merged it into that one: a merged story leaves its id)")
            raise click.ClickException(f"no story {story_id!r} (ids come from `newsdesk stories`, e.g. S12)"
                                       + hint)
    click.echo(json.dumps(asdict(record), ensure_ascii=False, indent=2))


@click.command()
@click.argument("article", metavar="ID|URL")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True,
              help="table: tab-separated id, kind, published, URL, title; jsonl: one JSON object per copy.")
@db_option
def duplicates(article: str, fmt: str, db: str | None) -> None:
    """The copies of a stored article (by id or URL), itself included, earliest published first.

    Found as articles arrive: exact copies have the same words (whatever the page around them);
    near copies share at least 70% of their 5-word runs (MinHash, e.g. a syndicated report lightly
    edited, a paragraph added or removed); a teaser is the opening of the article. The group is named
    by its earliest published copy ("earliest"); each other line says how it copies it:

    \b
      12  earliest  2024-10-01T08:00:00Z  https://gazette.example/...  Senate passes wage bill
      17  exact     2024-10-01T08:30:00Z  https://herald.example/...   Minimum wage bill clears Senate
    """
    with open_store(db) as store:
        wanted = store.get(article_ref(article, "ID|URL"))
        if wanted is None:
            raise click.ClickException(f"no stored article {article!r}")
        found = store.duplicates_of(wanted.id)
        if not found:
            _warn_unassigned(store)
            raise click.ClickException(f"article {wanted.id} is in no duplicate group yet")
    for copy in found:
        if fmt == "jsonl":
            click.echo(json.dumps(asdict(copy), ensure_ascii=False))
        else:
            click.echo(f"{copy.article_id}\t{copy.kind}\t{copy.published or ''}\t{copy.url or ''}\t"
                       f"{copy.title or ''}")
