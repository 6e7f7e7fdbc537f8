"""Source collections and saved searches (store schema version 10): kept on SQLite, PostgreSQL and in
memory, used as --collection on search, export, coverage and roundup, exported and imported as CSV;
a saved search shows what was stored since it was last looked at, and `newsdesk watch --once` prints it."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from conftest import fresh_store_url
from newsdesk import Article, SearchRequest
from newsdesk.errors import QueryError
from newsdesk.store import Store, open_store
from newsdesk.store.desk import Collection, desk_state, new_matches, newest_id, with_collection


def _article(n: int, site: str, host: str, words: str) -> Article:
    return Article(source="t", url=f"https://{host}/{n}", site_name=site, title=f"{words} {n}",
                   body=f"The {words} report number {n}.", published=f"2024-10-{n % 28 + 1:02d}")


ARTICLES = [_article(n, site, host, "harbour" if n % 2 else "ferry") for n, (site, host) in enumerate(
    [("North Post", "northpost.example"), ("South Times", "southtimes.example"),
     ("East Wire", "eastwire.example")] * 4)]


def test_collections_and_saved_searches_are_kept(store: Store) -> None:
    store.put_many(ARTICLES)
    state = desk_state(store)
    state.save_collection(Collection("Coast", ["North Post", "southtimes.example"], "GB", "en", "regional"))
    [coast] = state.collections()
    assert coast.sites == ["North Post", "southtimes.example"] and coast.country == "GB"
    narrowed = with_collection(store, SearchRequest(), "Coast")
    assert store.count(narrowed) == 8  # North Post by name, South Times by host
    assert store.count(with_collection(store, SearchRequest("harbour"), "Coast")) == 4
    state.save_collection(Collection("Wires", ["eastwire.example"]))
    from newsdesk.coverage import compare, parse_series

    coast, wires = (parse_series(f"collection={name}", None, store) for name in ("Coast", "Wires"))
    compared = compare(store, [coast, wires], "month")  # two collections side by side
    assert [series["total"] for series in compared["series"]] == [8, 4]
    state.save_collection(Collection("Empty"))
    with pytest.raises(QueryError, match="no sites"):
        with_collection(store, SearchRequest(), "Empty")
    with pytest.raises(QueryError, match="no collection"):
        with_collection(store, SearchRequest(), "Nowhere")
    with pytest.raises(QueryError):
        state.save_collection(Collection("bad\nname", ["x"]))
    assert state.delete_collection("Empty") and not state.delete_collection("Empty")

    state.save_search("ferries", {"query": "ferry", "collection": "Coast"}, "2024-10-01T00:00:00Z")
    saved = state.saved_search("ferries")
    assert saved is not None and saved.seen_id == 0
    ids, total = new_matches(store, saved)
    assert total == 4 and len(ids) == 4
    state.mark_seen("ferries", newest_id(store), "2024-10-02T00:00:00Z")
    store.put(_article(99, "North Post", "northpost.example", "ferry"))
    store.put(_article(98, "East Wire", "eastwire.example", "ferry"))  # not in the collection
    saved = state.saved_search("ferries")
    assert saved is not None
    ids, total = new_matches(store, saved)
    assert total == 1 and store.get(ids[0]).article.title == "ferry 99"  # type: ignore[union-attr]
    state.set_state("roundup", "2024-10-01", "2024-10-02T00:00:00Z")
    assert state.state("roundup") == "2024-10-01" and state.state("other") is None


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_collections_from_the_command_line(kind: str, tmp_path: Path, cli: Callable[..., Result]) -> None:
    with fresh_store_url(kind, tmp_path) as url:
        with open_store(url) as store:
            store.put_many(ARTICLES)
        made = cli("collections", "add", "Coast", "North Post", "southtimes.example", "--country", "GB",
                   "--kind", "regional", "--db", url)
        assert made.exit_code == 0, made.output
        listed = cli("collections", "list", "--db", url).stdout
        assert "Coast (GB, regional): 2 sites" in listed
        search = cli("search", "harbour", "--collection", "Coast", "--format", "jsonl", "--db", url)
        assert {json.loads(line)["site_name"] for line in search.stdout.splitlines()} == {"North Post",
                                                                                          "South Times"}
        assert cli("search", "--collection", "Coast", "--count", "--db", url).stdout.strip() == "8"
        exported = cli("export", "--collection", "Coast", "--format", "jsonl", "--db", url)
        assert len(exported.stdout.splitlines()) == 8
        coverage = cli("coverage", "harbour", "--collection", "Coast", "--format", "json", "--db", url)
        assert json.loads(coverage.stdout)["series"][0]["total"] == 4
        roundup = cli("roundup", "--date", "2024-10-02", "--collection", "Coast", "--format", "json",
                      "--db", url)
        assert roundup.exit_code == 0, roundup.output
        sources = {s for section in json.loads(roundup.stdout)["sections"] for item in section["items"]
                   for s in item["sources"]}
        assert sources and "East Wire" not in sources
        assert cli("stories", "--rebuild", "--db", url).exit_code == 0
        listed_stories = cli("stories", "--collection", "Coast", "--top", "50", "--format", "jsonl",
                             "--db", url)
        story_sources = [set(json.loads(line)["sources"]) for line in listed_stories.stdout.splitlines()]
        assert story_sources and all(found & {"North Post", "South Times"} for found in story_sources)
        assert len(story_sources) == 8  # every story of the collection's 8 articles, none of East Wire's
        unknown = cli("search", "x", "--collection", "Nowhere", "--db", url)
        assert unknown.exit_code == 1 and "no collection 'Nowhere'" in unknown.stderr

        text = cli("collections", "export", "--db", url).stdout
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [(r["collection"], r["site"], r["country"]) for r in rows] == [
            ("Coast", "North Post", "GB"), ("Coast", "southtimes.example", "GB")]
        extra = tmp_path / "more.csv"
        extra.write_text(text + "Wires,eastwire.example,,en,wire,\n", encoding="utf-8")
        imported = cli("collections", "import", str(extra), "--db", url)
        assert imported.exit_code == 0 and "2 collections imported" in imported.stderr
        assert "Wires (en, wire): 1 sites" in cli("collections", "list", "--db", url).stdout
        bad = tmp_path / "bad.csv"
        bad.write_text("name,url\nx,y\n", encoding="utf-8")
        assert cli("collections", "import", str(bad), "--db", url).exit_code == 1
        assert cli("collections", "remove", "Wires", "--db", url).exit_code == 0
        assert "Wires" not in cli("collections", "list", "--db", url).stdout


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_saved_search_shows_new_matches_after_an_ingest(kind: str, tmp_path: Path,
                                                       cli: Callable[..., Result]) -> None:
    with fresh_store_url(kind, tmp_path) as url:
        with open_store(url) as store:
            store.put_many(ARTICLES)
        added = cli("saved", "add", "ferries", "ferry", "-harbour", "--source", "North Post", "--db", url)
        assert added.exit_code == 0, added.output
        assert "ferries: 0 new" in cli("saved", "list", "--db", url).stdout
        with open_store(url) as store:
            store.put_many([_article(40, "North Post", "northpost.example", "ferry"),
                            _article(42, "South Times", "southtimes.example", "ferry")])
        assert "ferries: 1 new" in cli("saved", "list", "--db", url).stdout
        watched = cli("watch", "--once", "--no-update", "--db", url)
        assert watched.exit_code == 0, watched.output
        assert watched.stdout.strip().endswith("ferry 40  North Post  2024-10-13")
        again = cli("watch", "--once", "--no-update", "--db", url)
        assert again.stdout == "" and "ferries: 0 new" in again.stderr
        assert cli("saved", "remove", "ferries", "--db", url).exit_code == 0
        assert cli("saved", "new", "ferries", "--db", url).exit_code == 1
