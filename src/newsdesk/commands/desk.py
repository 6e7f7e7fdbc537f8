"""`newsdesk coverage`: the researcher's desk from the terminal."""

from __future__ import annotations

import click

from newsdesk.commands import QueryCommand, collection_option, db_option
from newsdesk.commands.search import QUERY_HELP, filters, fold_option
from newsdesk.store import SearchRequest, Store, open_store
from newsdesk.store.desk import with_collection

COVERAGE_HELP = QUERY_HELP + """
\b
Each QUERY argument is one search (quote a query of several words); the filters apply to every one.
With no QUERY, every stored article is counted.
\b
  newsdesk coverage nato "rutte OR stoltenberg" --interval month --format csv
  newsdesk coverage ukraine --source ledger --since 2022 --interval week
"""


@click.command(cls=QueryCommand, epilog=COVERAGE_HELP)
@click.argument("queries", nargs=-1)
@filters
@click.option("--interval", type=click.Choice(["day", "week", "month"]), default="week", show_default=True,
              help="Bucket length; a range of over 750 buckets is counted by the next longer interval "
                   "(said on stderr).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
              show_default=True, help="csv: one row per search and bucket (series, label, start, count, "
              "all_articles, share); json: what /api/coverage answers.")
@collection_option
@fold_option
@db_option
def coverage(queries: tuple[str, ...], interval: str, fmt: str, collection: str | None, fold_duplicates: bool,
             db: str | None, **given: str | None) -> None:
    """Attention over time: how many stored articles match each QUERY (up to five) per day, week or
    month over their whole range, and their share of all stored articles of the period."""
    from dataclasses import replace

    from newsdesk.coverage import MAX_SERIES, compare, to_csv, to_json

    if len(queries) > MAX_SERIES:
        raise click.UsageError(f"at most {MAX_SERIES} queries can be compared, not {len(queries)}")
    common = SearchRequest(fold_duplicates=fold_duplicates, **given)  # type: ignore[arg-type]
    with open_store(db) as store:
        common = with_collection(store, common, collection)
        series = [(None, replace(common, query=query.strip() or None)) for query in queries]
        series = series or [(None, common)]
        result = compare(store, series, interval)  # type: ignore[arg-type]
    if result["note"]:
        click.echo(f"note: {result['note']}", err=True)
    if fmt == "csv":
        click.echo(to_csv(result), nl=False)
        return
    if fmt == "json":
        click.echo(to_json(result))
        return
    _table(result)


def _table(result: dict[str, object]) -> None:
    series = result["series"]
    assert isinstance(series, list)
    starts = result["starts"]
    assert isinstance(starts, list)
    everything = result["all"]
    assert isinstance(everything, list)
    labels = [str(item["label"]) for item in series]
    widths = [max(len(label), 7) for label in labels]
    heads = "  ".join(f"{label:>{width}}" for label, width in zip(labels, widths, strict=True))
    click.echo(f"{result['interval']:<10}  {heads}  all articles")
    for index, start in enumerate(starts):
        cells = []
        for item, width in zip(series, widths, strict=True):
            count, share = item["counts"][index], item["shares"][index]
            text = f"{count} ({share * 100:.1f}%)" if share is not None and count else str(count)
            cells.append(f"{text:>{width}}")
        click.echo(f"{start:<10}  " + "  ".join(cells) + f"  {everything[index]:>12}")
    click.echo("total       " + "  ".join(f"{item['total']:>{width}}" for item, width in
                                          zip(series, widths, strict=True)))
    for item in series:
        if item["undated"]:
            click.echo(f"{item['label']}: {item['undated']} matching articles have no date (not counted)",
                       err=True)


# --- source collections -----------------------------------------------------------------------------



@click.group()
def collections() -> None:
    """Source collections: named groups of sites (by country, language or kind) to search, export,
    chart and write roundups over with --collection NAME.

    \b
      newsdesk collections add "UK nationals" bbc.co.uk theguardian.com --country GB --kind national
      newsdesk collections list
      newsdesk search brexit --collection "UK nationals"
      newsdesk collections export > collections.csv; newsdesk collections import collections.csv
    """


@collections.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@db_option
def collections_list(fmt: str, db: str | None) -> None:
    """Every collection with its sites."""
    import json
    from dataclasses import asdict

    from newsdesk.store.desk import desk_state

    with open_store(db) as store:
        found = desk_state(store).collections()
    for item in found:
        if fmt == "jsonl":
            click.echo(json.dumps(asdict(item), ensure_ascii=False))
        else:
            about = ", ".join(part for part in (item.country, item.language, item.kind) if part)
            click.echo(f"{item.name}{f' ({about})' if about else ''}: {len(item.sites)} sites")
            if item.sites:
                click.echo("    " + ", ".join(item.sites))
    if not found and fmt == "table":
        click.echo("no collections yet: newsdesk collections add NAME SITE...", err=True)


@collections.command("add")
@click.argument("name")
@click.argument("sites", nargs=-1)
@click.option("--country", default=None, help="Country (ISO 3166 code or name).")
@click.option("--language", default=None, help="Language (ISO 639-1 code).")
@click.option("--kind", default=None, help="Kind of outlet: national, regional, wire, broadcaster...")
@click.option("--description", default=None)
@click.option("--replace", "replace_sites", is_flag=True, help="Replace the sites instead of adding to them.")
@db_option
def collections_add(name: str, sites: tuple[str, ...], country: str | None, language: str | None,
                    kind: str | None, description: str | None, replace_sites: bool, db: str | None) -> None:
    """Make the collection NAME, or add SITES (names or hosts, as --source takes them) to it."""
    from newsdesk.store.desk import Collection, desk_state

    with open_store(db) as store:
        state = desk_state(store)
        old = state.collection(name) or Collection(name)
        state.save_collection(Collection(
            old.name, list(sites) if replace_sites else [*old.sites, *sites],
            old.country if country is None else country, old.language if language is None else language,
            old.kind if kind is None else kind, old.description if description is None else description))
        saved = state.collection(name)
    assert saved is not None
    click.echo(f"{saved.name}: {len(saved.sites)} sites", err=True)


@collections.command("remove")
@click.argument("name")
@click.argument("sites", nargs=-1)
@db_option
def collections_remove(name: str, sites: tuple[str, ...], db: str | None) -> None:
    """Remove SITES from the collection NAME, or the whole collection when no site is given."""
    from dataclasses import replace

    from newsdesk.store.desk import desk_state

    with open_store(db) as store:
        state = desk_state(store)
        found = state.collection(name)
        if found is None:
            raise click.ClickException(f"no collection {name!r}")
        if sites:
            state.save_collection(replace(found, sites=[s for s in found.sites if s not in sites]))
        else:
            state.delete_collection(name)


@collections.command("export")
@click.option("--out", type=click.Path(dir_okay=False), help="Write here instead of stdout.")
@db_option
def collections_export(out: str | None, db: str | None) -> None:
    """Every collection as CSV: one row per site (collection, site, country, language, kind,
    description); a collection without sites is one row with an empty site."""
    import sys

    from newsdesk.store.desk import desk_state, write_collections_csv

    with open_store(db) as store:
        found = desk_state(store).collections()
    with (open(out, "w", encoding="utf-8", newline="") if out else sys.stdout) as stream:
        write_collections_csv(found, stream)


@collections.command("import")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@db_option
def collections_import(path: str, db: str | None) -> None:
    """Read collections from CSV (the columns of `collections export`; collection and site are needed),
    replacing the sites of each collection named in it."""
    import csv
    import sys

    from newsdesk.store.desk import desk_state, read_collections_csv

    try:
        with (open(path, encoding="utf-8-sig", newline="") if path != "-" else sys.stdin) as stream:
            made = read_collections_csv(stream)
    except (OSError, ValueError, csv.Error) as error:  # ValueError: a bad row, or UnicodeDecodeError
        raise click.ClickException(f"{path}: {error}") from None
    with open_store(db) as store:
        state = desk_state(store)
        for item in made:
            state.save_collection(item)
    click.echo(f"{len(made)} collections imported", err=True)


# --- saved searches ---------------------------------------------------------------------------------


@click.group()
def saved() -> None:
    """Saved searches: a query with its filters, kept in the store, and what is new since you last
    looked (`newsdesk watch` prints it after each update; the desk has a page and an Atom feed for each).

    \b
      newsdesk saved add ferries "ferry OR ferries" --source ledger --since 2024
      newsdesk saved list
      newsdesk saved new ferries       # the matches stored since you last looked, then marked seen
    """


@saved.command("add", cls=QueryCommand)
@click.argument("name")
@click.argument("query", nargs=-1)
@filters
@collection_option
@fold_option
@db_option
def saved_add(name: str, query: tuple[str, ...], collection: str | None, fold_duplicates: bool,
              db: str | None, **given: str | None) -> None:
    """Save QUERY and the filters as NAME (replacing a saved search of that name). What is stored now
    counts as seen: `saved new NAME` shows what arrives after."""
    from newsdesk.store.desk import desk_state, newest_id, saved_request
    from newsdesk.store.rows import now

    filters_given: dict[str, object] = {k: v for k, v in given.items() if v}
    filters_given.update({"query": " ".join(query) or None, "collection": collection,
                          "fold_duplicates": fold_duplicates})
    kept = {k: v for k, v in filters_given.items() if v}
    with open_store(db) as store:
        state = desk_state(store)
        state.save_search(name, kept, now())
        found = state.saved_search(name)
        assert found is not None
        matches = store.count(saved_request(store, found))  # a query that cannot be searched fails here
        state.mark_seen(found.name, newest_id(store), now())
    click.echo(f"{found.name}: {matches} matching articles now", err=True)


@saved.command("list")
@db_option
def saved_list(db: str | None) -> None:
    """Every saved search, its filters and how many matches are new since it was last looked at."""
    from newsdesk.store.desk import desk_state, new_matches

    with open_store(db) as store:
        for item in desk_state(store).saved_searches():
            _, new = new_matches(store, item, limit=0)
            shown = ", ".join(f"{k} {v}" for k, v in item.filters.items())
            click.echo(f"{item.name}: {new} new  ({shown})")


@saved.command("new")
@click.argument("name")
@click.option("--peek", is_flag=True, help="Show them without marking them seen.")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@db_option
def saved_new(name: str, peek: bool, fmt: str, db: str | None) -> None:
    """The matches of the saved search NAME stored since it was last looked at, newest first; then
    they count as seen (unless --peek)."""
    with open_store(db) as store:
        _print_new(store, name, peek, fmt)


@saved.command("remove")
@click.argument("name")
@db_option
def saved_remove(name: str, db: str | None) -> None:
    """Forget the saved search NAME."""
    from newsdesk.store.desk import desk_state

    with open_store(db) as store:
        if not desk_state(store).delete_search(name):
            raise click.ClickException(f"no saved search {name!r}")


def _print_new(store: Store, name: str, peek: bool, fmt: str) -> int:
    import json

    from newsdesk.exports import record
    from newsdesk.store.desk import desk_state, new_matches, newest_id
    from newsdesk.store.rows import now

    state = desk_state(store)
    found = state.saved_search(name)
    if found is None:
        raise click.ClickException(f"no saved search {name!r} (see `newsdesk saved list`)")
    newest = newest_id(store)
    ids, total = new_matches(store, found)
    for id in ids:
        stored = store.get(id)
        if stored is None:
            continue
        if fmt == "jsonl":
            click.echo(json.dumps({"saved_search": found.name, **record(stored)}, ensure_ascii=False))
        else:
            article = stored.article
            click.echo(f"[{found.name}] [{stored.id}] {article.title or '(untitled)'}  "
                       f"{article.site_name or ''}  {(article.published or '')[:10]}".rstrip())
    if fmt == "table":
        click.echo(f"{found.name}: {total} new", err=True)
    if not peek:
        state.mark_seen(found.name, newest, now())
    return total


@click.command()
@click.argument("names", nargs=-1)
@click.option("--update/--no-update", "run_update", default=True, show_default=True,
              help="Re-poll every feed and sitemap (`newsdesk update`) before looking.")
@click.option("--every", type=click.IntRange(1), default=60, show_default=True, metavar="MINUTES",
              help="Minutes between rounds.")
@click.option("--once", is_flag=True, help="One round, then exit (for cron or a systemd timer).")
@click.option("--format", "fmt", type=click.Choice(["table", "jsonl"]), default="table", show_default=True)
@db_option
@click.pass_context
def watch(ctx: click.Context, names: tuple[str, ...], run_update: bool, every: int, once: bool, fmt: str,
          db: str | None) -> None:
    """After each update, print the new matches of the saved searches NAMES (all when none is given),
    then count them as seen. Runs until interrupted, a round every --every minutes, unless --once."""
    import time

    from newsdesk.store.desk import desk_state

    while True:
        if run_update:
            from newsdesk.commands.ingest import update

            ctx.invoke(update, db=db)
        with open_store(db) as store:
            wanted = list(names) or [item.name for item in desk_state(store).saved_searches()]
            for name in wanted:
                _print_new(store, name, False, fmt)
        if once:
            return
        time.sleep(every * 60)
