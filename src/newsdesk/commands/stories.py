"""`newsdesk cluster`: which story each document belongs to; `newsdesk roundup`: the period's stories."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import islice
from typing import Any, cast

import click

from newsdesk.article import Article
from newsdesk.commands import db_option
from newsdesk.errors import NewsdeskError, SettingsError
from newsdesk.extract import extract_page
from newsdesk.settings import Settings
from newsdesk.sources.files import read_pages
from newsdesk.store import SearchRequest, open_store
from newsdesk.store.base import StoredArticle

BATCH = 32


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True,
              help="One JSON object per document: source, story, title.")
@click.option("--threshold", type=click.FloatRange(0, 1), default=None,
              help="How likely (0-1) an article must be to belong to a story to join it "
              "(default: the tuned one; higher makes more, tighter stories).")
def cluster(paths: tuple[str, ...], fmt: str, threshold: float | None) -> None:
    """Group documents into stories (events), in the order given, as if they arrived one by one.

    PATHS are files or folders as in `newsdesk extract` (.html, .html.gz, .txt: .txt files are taken
    as flattened pages, their body found as in `extract`). Each document is enriched (its people,
    organisations and places found, as at ingest), then assigned to the story it most likely belongs
    to, or starts a new one: the words of the report and of its lead say how alike two reports are;
    who (the same people or not), where (the same places or not) and when (dates in the text, the
    publication dates) confirm or contradict it. Earlier assignments are never revisited, so the
    result depends on the order of the PATHS, and is the same for the same order. Prints one line per
    document:

    \b
      {"source": "a.txt", "story": "1", "title": "..."}

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

    try:
        settings = Settings.from_env()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    tracker = StoryTracker(StoryClusterer() if threshold is None else StoryClusterer(threshold))
    articles = _articles(paths, settings)
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
                sys.stdout.write(json.dumps({"source": article.source, "story": str(story.id + 1),
                                             "title": article.title}, ensure_ascii=False) + "\n")
                done += 1
            sys.stdout.flush()
            bar.update(task, completed=done + failed, stories=len(tracker.stories))
    click.echo(f"{done} documents in {len(tracker.stories)} stories, {failed} failed", err=True)
    if done == 0:
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
@click.option("--date", "day", metavar="DAY", help="The day (2024-10-01). Default: today (UTC), unless "
              "--since/--until are given.")
@click.option("--since", help="From this date or time (ISO 8601).")
@click.option("--until", help="Up to this date or time, included (2024-10 is the whole month).")
@click.option("--topics", multiple=True, metavar="TOPIC",
              help="Only these topics (repeat, or separate with commas).")
@click.option("--sources", multiple=True, metavar="SITE",
              help="Only articles from these sites, by name or host (repeat, or separate with commas).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html", "rss", "json"]), default="markdown",
              show_default=True)
@click.option("--title", default=None, help="The roundup's title (default: News roundup DAY).")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), help="Write here instead of stdout.")
@db_option
def roundup(day: str | None, since: str | None, until: str | None, topics: tuple[str, ...],
            sources: tuple[str, ...], fmt: str, title: str | None, out: str | None, db: str | None) -> None:
    """Write the news roundup of a day or period: its stories grouped by topic.

    Stories are those of the stored articles published in the period, copies of one report folded
    into one item (with every source that carried it). Topics come from enrichment when the articles
    have them, else from the URL's section. Within a topic, the most widely covered story comes first.
    Each item has the headline, the sources, the link and the article's own lead sentence.

    \b
    Examples:
      newsdesk roundup --date 2024-10-01
      newsdesk roundup --since 2024-10-01 --until 2024-10-07 --format html --out week.html
      newsdesk roundup --topics politics,sport --format rss
    """
    from newsdesk.stories.roundup import build_roundup, render, today

    if day and (since or until):
        raise click.UsageError("give --date or --since/--until, not both")
    if not (since or until):
        day = day or today()
        since, until = day, day
    request = SearchRequest(since=since, until=until, sort="date")
    try:
        with open_store(db) as store:
            articles = [stored.article for stored in store.iter_articles(request)]
    except NewsdeskError as error:
        raise click.ClickException(str(error)) from None
    label = day or " to ".join(x for x in (since, until) if x)
    result = build_roundup(articles, title=title or f"News roundup {label}", topics=_split(topics) or None,
                           sources=_split(sources) or None)
    text = render(result, fmt)
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            handle.write(text)
        count = sum(len(s.items) for s in result.sections)
        click.echo(f"{out}: {count} stories in {len(result.sections)} topics from {len(articles)} articles",
                   err=True)
    else:
        sys.stdout.write(text)


def _split(values: tuple[str, ...]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _stored(db: str | None, since: str | None, until: str | None) -> list[StoredArticle]:
    """The stored articles of the period, in order of publication (then of arrival: store id)."""
    try:
        with open_store(db) as store:
            stored = list(store.iter_articles(SearchRequest(since=since, until=until, sort="date")))
    except NewsdeskError as error:
        raise click.ClickException(str(error)) from None
    return sorted(stored, key=_arrival)


def _arrival(stored: StoredArticle) -> tuple[str, int]:
    return (stored.article.published or "", stored.id)


def _story_rows(stored: list[StoredArticle]) -> list[dict[str, Any]]:
    """Stories of these articles (rebuilt: duplicates folded, then clustered in order of arrival)."""
    from newsdesk.stories import DuplicateIndex, StoryTracker
    from newsdesk.stories.roundup import site_of

    duplicates = DuplicateIndex()
    copies: dict[int, list[StoredArticle]] = {}
    originals: list[StoredArticle] = []
    for item in stored:
        match = duplicates.add(item.id, item.article.body)
        if match is None:
            originals.append(item)
            copies[item.id] = []
        else:
            copies[cast(int, match.group)].append(item)
    tracker = StoryTracker()
    members: dict[int, list[StoredArticle]] = {}
    for item, story in zip(originals, tracker.add_many((s.id, s.article) for s in originals), strict=True):
        members.setdefault(story.id, []).append(item)
    rows: list[dict[str, Any]] = []
    for story_id, items in members.items():
        everything = [a for item in items for a in (item, *copies[item.id])]
        dates = sorted(d for a in everything if (d := a.article.published))
        rows.append({
            "id": f"S{items[0].id}", "headline": items[0].article.title,
            "first_seen": dates[0] if dates else None, "last_seen": dates[-1] if dates else None,
            "articles": [a.id for a in everything],
            "sources": list(dict.fromkeys(site_of(a.article) for a in everything)),
            "entities": tracker.top_entities(tracker.stories[story_id]),
            "urls": [u for a in everything if (u := a.article.canonical_url or a.article.url)],
        })
    rows.sort(key=lambda r: (-len(r["sources"]), -len(r["articles"]), r["first_seen"] or ""))
    return rows


@click.command()
@click.option("--since", help="Stories of articles published on or after this date (ISO 8601).")
@click.option("--until", help="... and on or before this date.")
@click.option("--top", type=click.IntRange(1), default=20, show_default=True, help="How many stories.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@db_option
def stories(since: str | None, until: str | None, top: int, fmt: str, db: str | None) -> None:
    """The most widely covered stories of the stored articles (of the period).

    Stories are rebuilt from the store at each call: the articles in order of publication, copies of one
    report folded, then each article assigned to a story on who, where, when and words (the same
    result as assigning them one by one as they arrived). A story's id is S + the id of its first
    article: `newsdesk story S12`.
    """
    rows = _story_rows(_stored(db, since, until))[:top]
    for row in rows:
        if fmt == "jsonl":
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        click.echo(click.style(f"[{row['id']}] {row['headline'] or '(untitled)'}", bold=True))
        click.echo(f"  {len(row['articles'])} articles, {len(row['sources'])} sources: "
                   f"{', '.join(row['sources'])}; {(row['first_seen'] or '')[:10]} to "
                   f"{(row['last_seen'] or '')[:10]}; {', '.join(row['entities'])}")
    if not rows:
        click.echo("no stories", err=True)


@click.command()
@click.argument("story_id")
@click.option("--since", help="As given to `newsdesk stories`.")
@click.option("--until", help="As given to `newsdesk stories`.")
@db_option
def story(story_id: str, since: str | None, until: str | None, db: str | None) -> None:
    """One story (an id from `newsdesk stories`, S + its first article's id), as indented JSON."""
    for row in _story_rows(_stored(db, since, until)):
        if row["id"].casefold() == story_id.casefold():
            click.echo(json.dumps(row, ensure_ascii=False, indent=2))
            return
    raise click.ClickException(f"no story {story_id!r} (ids come from `newsdesk stories`, e.g. S12)")


@click.command()
@click.argument("article")
@db_option
def duplicates(article: str, db: str | None) -> None:
    """The copies of a stored article (by id or URL): its duplicate group and the group's earliest copy.

    Exact copies have the same words; near copies share at least 70% of their 5-word runs (MinHash);
    a teaser is the opening of the article. Prints one line per copy (id, kind, published, URL, title),
    the earliest published first.
    """
    from newsdesk.stories import DuplicateIndex

    try:
        with open_store(db) as store:
            wanted = store.get(int(article) if article.isdigit() else article)
            if wanted is None:
                raise click.ClickException(f"no stored article {article!r}")
            stored = sorted(store.iter_articles(), key=_arrival)
    except NewsdeskError as error:
        raise click.ClickException(str(error)) from None
    index = DuplicateIndex()
    kinds: dict[int, str] = {}
    for item in stored:
        match = index.add(item.id, item.article.body)
        kinds[item.id] = match.kind if match else "earliest"
    group = index.group(wanted.id)
    for item in stored:
        if index.group(item.id) == group:
            url = item.article.canonical_url or item.article.url or item.article.source or ""
            click.echo(f"{item.id}\t{kinds[item.id]}\t{item.article.published or ''}\t{url}\t"
                       f"{item.article.title or ''}")
